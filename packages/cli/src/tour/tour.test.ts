import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXECMEM_POLICIES } from '@execmem/execmem';
import { afterAll, describe, expect, it } from 'vitest';
import { findArch, knownArches } from '../arches';
import { ExitCode } from '../exitCode';
import { run } from '../program';
import { memoryIo } from '../testIo';
import { runTourCase } from './tourCase';

const dir = mkdtempSync(join(tmpdir(), 'execmem-tour-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('execmem tour', () => {
  it('prints one row per arch and policy with no hazard or W^X violation, and writes the maps', async () => {
    const io = memoryIo();
    const out = join(dir, 'maps');
    const code = await run(['tour', '--programs', '24', '--seed', '3', '--out', out, '--json'], io);
    const report = JSON.parse(io.stdout());
    expect(report.rows).toHaveLength(knownArches.length * EXECMEM_POLICIES.length);
    for (const arch of knownArches) {
      for (const policy of EXECMEM_POLICIES) {
        const row = report.rows.find(
          (r: { arch: string; policy: string }) => r.arch === arch.name && r.policy === policy,
        );
        expect(row, `${arch.name} ${policy}`).toBeDefined();
        expect(row.hazards, `${arch.name} ${policy} hazards`).toBe(0);
        expect(row.wxViolations, `${arch.name} ${policy} W^X`).toBe(0);
        expect(row.wrongResults).toBe(0);
        expect(row.programs).toBeGreaterThan(0);
        expect(row.calls).toBeGreaterThan(2 * row.programs);
        expect(row.counters.instructions).toBeGreaterThan(0);
        const svg = readFileSync(join(out, `${arch.name}-${policy}.svg`), 'utf8');
        expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
        expect(svg).toContain(`execmem map: ${arch.name}, ${policy}`);
        expect(svg.toLowerCase()).toContain('legend');
      }
    }
    expect(code).toBe(ExitCode.Ok);
  });

  it('prints the table with its columns and a line per arch and policy for one arch', async () => {
    const io = memoryIo();
    const code = await run(
      ['tour', '--arch', 'riscv64', '--programs', '16', '--out', join(dir, 'rv')],
      io,
    );
    const lines = io.stdout().trim().split('\n');
    expect(lines[0]).toMatch(
      /^arch\s+policy\s+programs\s+large pages\s+utilization\s+direct-map splits\s+IPIs\s+TLB shootdowns\s+iTLB misses\/1k insns\s+hazards\s+W\^X violations$/,
    );
    const rows = lines.filter((l) => l.startsWith('riscv64 '));
    expect(rows.map((l) => l.split(/\s+/)[1])).toEqual([...EXECMEM_POLICIES]);
    for (const l of rows) expect(l).toMatch(/\s0\s+0$/);
    expect(code).toBe(ExitCode.Ok);
  });

  it('rejects a bad --programs with a usage error naming it', async () => {
    const io = memoryIo();
    expect(await run(['tour', '--programs', '0', '--out', join(dir, 'bad')], io)).toBe(
      ExitCode.Usage,
    );
    expect(io.stderr()).toMatch(/--programs 0/);
  });

  it.each(knownArches.map((a) => a.name))(
    'flipping the static key on %s without its synchronization shows up as hazards',
    (name) => {
      const base = { arch: findArch(name), policy: 'roxCache', programs: 16, seed: 5 } as const;
      const safe = runTourCase(base).row;
      const broken = runTourCase({ ...base, patch: 'unsynchronized' }).row;
      expect(safe.hazards).toBe(0);
      expect(broken.hazards).toBeGreaterThan(0);
    },
  );
});
