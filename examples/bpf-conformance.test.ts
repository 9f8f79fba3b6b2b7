import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findSharedDir, sharedPath } from '@execmem/core/testing';
import { runConformance } from '@execmem/jit';
import { describe, expect, it } from 'vitest';
import { bpfTargets, summarize } from './bpf-conformance';

describe.skipIf(!findSharedDir())('bpf-conformance', () => {
  it('passes every data file on the interpreter and on each JIT', () => {
    const summary = summarize(runConformance(sharedPath('bpf-conformance'), bpfTargets));
    expect(summary.map((s) => s.target)).toEqual(['interp', 'x86_64', 'arm64', 'riscv64']);
    for (const s of summary) {
      expect(s.total, s.target).toBeGreaterThan(0);
      expect(s.passed, s.target).toBe(s.total);
    }
  });

  it('prints a pass count per target and exits 0 when run as a program', () => {
    const script = fileURLToPath(new URL('./bpf-conformance.ts', import.meta.url));
    const out = execFileSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', script, sharedPath('bpf-conformance')],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/^riscv64: (\d+)\/\1 passed$/m);
    expect(out).not.toMatch(/^FAIL/m);
  });
});
