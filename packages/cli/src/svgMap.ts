/**
 * Renders an execmem cache dump as a labelled SVG map: one band per
 * large page (and one per area mapped with small pages), busy
 * allocations coloured by type, free and pending areas, with a legend.
 * The output depends only on the dump and the options, so equal dumps
 * give byte-equal files.
 *
 * @module
 */

import { EXECMEM_TYPES, type ExecmemType } from '@execmem/core';
import type { DumpedAllocation, DumpedArea, ExecmemDump } from '@execmem/execmem';

/** Options of {@link renderSvgMap}. */
export interface SvgMapOptions {
  /** The heading; default `execmem map: <policy>`. */
  readonly title?: string;
  /** A second line under the heading (arch, workload, seed…). */
  readonly subtitle?: string;
  /** Most bands drawn; the rest are summarized in one line (default 64). */
  readonly maxRows?: number;
}

/** Fill colours of each allocation type (a colour-blind-safe palette). */
export const TYPE_COLOURS: Readonly<Record<ExecmemType, string>> = {
  moduleText: '#0072b2',
  kprobes: '#d55e00',
  ftrace: '#cc79a7',
  bpf: '#009e73',
  moduleData: '#e69f00',
};

const FREE_COLOUR = '#e8e8e8';
const PENDING_COLOUR = '#7f7f7f';
const WIDTH = 1040;
const LABEL_WIDTH = 300;
const BAR_WIDTH = WIDTH - LABEL_WIDTH - 20;
const ROW_HEIGHT = 22;
const BAR_HEIGHT = 16;
const HEADER = 96;
/** A hairline between neighbouring allocations wide enough to spare it, so adjacent ones stay distinguishable. */
const SEPARATOR = ' stroke="#ffffff" stroke-width="0.4"';
/** Allocations narrower than this still get a visible sliver. */
const MIN_RECT = 0.75;

/** A span of address space to draw, with its label. */
interface Band {
  readonly area: DumpedArea;
  readonly kind: 'large page' | 'area';
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function bytes(n: number): string {
  const unit = (size: number, name: string) =>
    `${n % size === 0 ? n / size : (n / size).toFixed(1)} ${name}`;
  if (n >= 2 ** 20) return unit(2 ** 20, 'MiB');
  if (n >= 1024) return unit(1024, 'KiB');
  return `${n} B`;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * The bands in address order: every large page, then every area not
 * mapped with large pages (per-allocation mappings, module data).
 */
function bandsOf(dump: ExecmemDump): Band[] {
  const large = new Set(dump.largePages.map((p) => p.leafSize));
  const bands: Band[] = [
    ...dump.largePages.map((area): Band => ({ area, kind: 'large page' })),
    ...dump.areas
      .filter((a) => !large.has(a.leafSize))
      .map((area): Band => ({ area, kind: 'area' })),
  ];
  return bands.sort((x, y) =>
    x.area.address < y.area.address ? -1 : x.area.address > y.area.address ? 1 : 0,
  );
}

/**
 * Draws `[address, address + size)` clipped to the band, at `scale`
 * pixels per byte, or nothing when they do not meet.
 */
function spanRect(
  band: DumpedArea,
  scale: number,
  y: number,
  address: bigint,
  size: number,
  cls: string,
  fill: string,
  tooltip: string,
): string | undefined {
  const start = band.address;
  const lo = address > start ? address - start : 0n;
  const end = address + BigInt(size) - start;
  const hi = end < BigInt(band.size) ? end : BigInt(band.size);
  if (hi <= lo) return undefined;
  const x = LABEL_WIDTH + Number(lo) * scale;
  const w = Math.max(MIN_RECT, Number(hi - lo) * scale);
  return `<rect class="${cls}" x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${BAR_HEIGHT}" fill="${fill}"${cls !== 'free' && w >= 3 ? SEPARATOR : ''}><title>${escapeXml(tooltip)}</title></rect>`;
}

function allocationTip(a: DumpedAllocation, state: string): string {
  return `${a.type} ${state} ${hex(a.address)}: ${bytes(a.size)} reserved, ${a.requested} B requested${a.rw ? ', still RW' : ''}`;
}

function legend(y: number): string[] {
  const entries: [string, string, string][] = [
    ...EXECMEM_TYPES.map((t): [string, string, string] => [t, TYPE_COLOURS[t], `busy ${t}`]),
    ['free', FREE_COLOUR, 'free'],
    ['pending', PENDING_COLOUR, 'pending free'],
  ];
  return entries.map(([key, colour, label], i) => {
    const x = 20 + i * 135;
    return `<g class="legend-entry" data-key="${key}"><rect x="${x}" y="${y}" width="12" height="12" fill="${colour}" stroke="#555" stroke-width="0.5"/><text x="${x + 17}" y="${y + 10}">${escapeXml(label)}</text></g>`;
  });
}

/** Renders `dump` as a standalone SVG document (see the module comment). */
export function renderSvgMap(dump: ExecmemDump, options: SvgMapOptions = {}): string {
  const maxRows = options.maxRows ?? 64;
  const bands = bandsOf(dump);
  const shown = bands.slice(0, maxRows);
  const hidden = bands.length - shown.length;
  // One scale for every band, so a small-page area looks as small as it is next to a large page.
  const scale = BAR_WIDTH / Math.max(1, ...bands.map((b) => b.area.size));
  const height = HEADER + shown.length * ROW_HEIGHT + (hidden > 0 ? ROW_HEIGHT : 0) + 20;
  const title = options.title ?? `execmem map: ${dump.policy}`;
  const busyBytes = dump.busy.reduce((n, a) => n + a.size, 0);
  const populated = dump.areas.reduce((n, a) => n + a.size, 0);
  const summary = `${dump.busy.length} allocations, ${bytes(busyBytes)} busy in ${bytes(populated)} populated; ${dump.largePages.length} large pages; ${dump.free.length} free areas; ${dump.pending.length} pending`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="20" y="24" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
    `<text class="subtitle" x="20" y="44">${escapeXml(options.subtitle ?? `policy ${dump.policy}, direct map ${dump.directMap}`)}</text>`,
    `<text class="summary" x="20" y="62">${escapeXml(summary)}</text>`,
    ...legend(72),
  ];
  shown.forEach((band, i) => {
    const { area } = band;
    const y = HEADER + i * ROW_HEIGHT;
    const rects = [
      ...dump.free.map((f) =>
        spanRect(
          area,
          scale,
          y,
          f.address,
          f.size,
          'free',
          FREE_COLOUR,
          `free ${hex(f.address)}: ${bytes(f.size)}`,
        ),
      ),
      ...dump.busy.map((a) =>
        spanRect(
          area,
          scale,
          y,
          a.address,
          a.size,
          `busy ${a.type}`,
          TYPE_COLOURS[a.type],
          allocationTip(a, 'busy'),
        ),
      ),
      ...dump.pending.map((a) =>
        spanRect(
          area,
          scale,
          y,
          a.address,
          a.size,
          'pending',
          PENDING_COLOUR,
          allocationTip(a, 'pending'),
        ),
      ),
    ].filter((r): r is string => r !== undefined);
    out.push(
      `<g class="band" data-kind="${band.kind}" data-address="${hex(area.address)}" data-utilization="${area.utilization.toFixed(4)}">`,
      `<text x="20" y="${y + 12}">${hex(area.address)}</text>`,
      `<text x="${LABEL_WIDTH - 70}" y="${y + 12}" text-anchor="end">${escapeXml(bytes(area.size))}</text>`,
      `<text x="${LABEL_WIDTH - 8}" y="${y + 12}" text-anchor="end">${pct(area.utilization)}</text>`,
      `<rect class="frame" x="${LABEL_WIDTH}" y="${y}" width="${(area.size * scale).toFixed(2)}" height="${BAR_HEIGHT}" fill="#ffffff" stroke="#333" stroke-width="0.5"/>`,
      ...rects,
      '</g>',
    );
  });
  if (hidden > 0) {
    out.push(
      `<text class="more" x="20" y="${HEADER + shown.length * ROW_HEIGHT + 12}">… ${hidden} more band(s) not shown</text>`,
    );
  }
  out.push('</svg>', '');
  return out.join('\n');
}
