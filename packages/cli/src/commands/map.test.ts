import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exitCode';
import { run } from '../program';
import { memoryIo } from '../testIo';
import { mapWorkload } from './map';

describe('execmem map', () => {
  it('writes a labelled SVG of the cache after a seeded workload', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'execmem-map-')), 'map.svg');
    const io = memoryIo();
    const code = await run(
      [
        'map',
        '--arch',
        'riscv64',
        '--policy',
        'roxCache',
        '--workload',
        'bpf',
        '--count',
        '40',
        '--seed',
        '3',
        '--out',
        out,
      ],
      io,
    );
    expect(code).toBe(ExitCode.Ok);
    const svg = readFileSync(out, 'utf8');
    const { dump } = mapWorkload({
      arch: 'riscv64',
      policy: 'roxCache',
      workload: 'bpf',
      seed: 3,
      count: 40,
    });
    expect(io.stdout()).toBe(
      `wrote ${out}: ${dump.busy.length} allocations, ${dump.largePages.length} large pages, ${dump.areas.length} areas\n`,
    );
    expect(svg).toContain('<title>execmem map: riscv64, roxCache</title>');
    expect(dump.busy.length).toBeGreaterThan(0);
    expect(dump.busy.every((a) => a.type === 'bpf')).toBe(true);
    // Every live program is drawn once (a BPF allocation never spans two large pages here).
    expect(svg.match(/class="busy bpf"/g)?.length).toBe(dump.busy.length);
    expect(svg.match(/class="band" data-kind="large page"/g)?.length).toBe(dump.largePages.length);
  });

  it('is deterministic for a seed and shows per-allocation areas as bands', () => {
    const a = mapWorkload({
      arch: 'x86-64',
      policy: 'vmallocPerAllocation',
      workload: 'modules',
      seed: 5,
      count: 12,
    });
    const b = mapWorkload({
      arch: 'x86-64',
      policy: 'vmallocPerAllocation',
      workload: 'modules',
      seed: 5,
      count: 12,
    });
    expect(a.svg).toBe(b.svg);
    expect(a.dump.largePages).toHaveLength(0);
    expect(a.svg.match(/class="band" data-kind="area"/g)?.length).toBe(
      Math.min(64, a.dump.areas.length),
    );
  });

  it('refuses a bad count or workload with a usage error', async () => {
    const io = memoryIo();
    expect(
      await run(['map', '--arch', 'arm64', '--policy', 'roxCache', '--count', 'many'], io),
    ).toBe(ExitCode.Usage);
    expect(io.stderr()).toMatch(/--count many is not an integer/);
    expect(() =>
      mapWorkload({ arch: 'arm64', policy: 'roxCache', workload: 'nope', seed: 1, count: 1 }),
    ).toThrow(/unknown workload 'nope'/);
  });
});
