import type { ExecmemDump } from '@execmem/execmem';
import { describe, expect, it } from 'vitest';
import { renderSvgMap, TYPE_COLOURS } from './svgMap';

const MB = 2 ** 20;
const base = 0xffffffffc0000000n;

/** Two large pages with three allocations (one straddling nothing), a free area, and a small-page area. */
const dump: ExecmemDump = {
  policy: 'roxCache',
  directMap: 'readOnly',
  busy: [
    { address: base, size: 4096, requested: 4000, type: 'moduleText', rw: false },
    { address: base + 4096n, size: 512, requested: 500, type: 'bpf', rw: false },
    { address: base + 2n * BigInt(MB), size: 64, requested: 64, type: 'kprobes', rw: false },
    { address: base + 0x10000000n, size: 8192, requested: 8000, type: 'moduleData', rw: false },
  ],
  pending: [],
  free: [
    { address: base + 4608n, size: 2 * MB - 4608 },
    { address: base + 2n * BigInt(MB) + 64n, size: 2 * MB - 64 },
  ],
  areas: [
    {
      address: base,
      size: 4 * MB,
      leafSize: 2 * MB,
      busyBytes: 4672,
      utilization: 4672 / (4 * MB),
      fill: Uint8Array.of(0xcc),
    },
    {
      address: base + 0x10000000n,
      size: 8192,
      leafSize: 4096,
      busyBytes: 8192,
      utilization: 1,
      fill: undefined,
    },
  ],
  largePages: [
    {
      address: base,
      size: 2 * MB,
      leafSize: 2 * MB,
      busyBytes: 4608,
      utilization: 4608 / (2 * MB),
      fill: Uint8Array.of(0xcc),
    },
    {
      address: base + 2n * BigInt(MB),
      size: 2 * MB,
      leafSize: 2 * MB,
      busyBytes: 64,
      utilization: 64 / (2 * MB),
      fill: Uint8Array.of(0xcc),
    },
  ],
};

const count = (svg: string, re: RegExp) => svg.match(new RegExp(re, 'g'))?.length ?? 0;

describe('renderSvgMap', () => {
  it('draws a title, a legend entry per type plus free and pending, and one band per large page or small-page area', () => {
    const svg = renderSvgMap(dump, { title: 'map <test>' });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<title>map &#60;test&#62;</title>');
    const keys = [...svg.matchAll(/class="legend-entry" data-key="(\w+)"/g)].map((m) => m[1]);
    expect(keys).toEqual([...Object.keys(TYPE_COLOURS), 'free', 'pending']);
    const bands = [
      ...svg.matchAll(/class="band" data-kind="([a-z ]+)" data-address="(0x[0-9a-f]+)"/g),
    ];
    expect(bands.map((m) => [m[1], m[2]])).toEqual([
      ['large page', '0xffffffffc0000000'],
      ['large page', '0xffffffffc0200000'],
      ['area', '0xffffffffd0000000'],
    ]);
    expect(svg).toMatch(
      />0xffffffffc0000000<\/text>\n<text [^>]+>2 MiB<\/text>\n<text [^>]+>0\.2%</,
    );
  });

  it('draws one rect per busy and free area, coloured by type, clipped to its band', () => {
    const svg = renderSvgMap(dump);
    expect(count(svg, /class="busy /)).toBe(dump.busy.length);
    expect(count(svg, /class="free"/)).toBe(dump.free.length);
    expect(svg).toMatch(
      new RegExp(
        `class="busy bpf" x="[\\d.]+" y="\\d+" width="[\\d.]+" height="16" fill="${TYPE_COLOURS.bpf}"`,
      ),
    );
    // The 4 KiB of module text at the start of a 2 MiB band: 720 px × 4096 / 2 MiB.
    expect(svg).toMatch(/class="busy moduleText" x="300.00" y="96" width="1.41"/);
    // The 8 KiB module-data area is its own band, on the same scale.
    expect(svg).toMatch(/class="frame" x="300" y="140" width="2.81"/);
    expect(svg).toMatch(/class="busy moduleData" x="300.00" y="140" width="2.81"/);
  });

  it('is deterministic and summarizes bands beyond maxRows', () => {
    expect(renderSvgMap(dump)).toBe(renderSvgMap(dump));
    const svg = renderSvgMap(dump, { maxRows: 1 });
    expect(count(svg, /class="band"/)).toBe(1);
    expect(svg).toContain('… 2 more band(s) not shown');
  });
});
