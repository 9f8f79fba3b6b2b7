import { riscvArch } from '@execmem/arch-riscv';
import { createMachine, createWxAuditor, isExecmemError, PROT_EXEC } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { jitTextAlloc, jitTextFree } from './jitText';

const code = () => riscvArch().isa.assemble('li a0, 7\nwfi').bytes;

function code_(e: unknown): string | undefined {
  return isExecmemError(e) ? e.code : undefined;
}

describe('jitTextAlloc / finalize / jitTextFree', () => {
  for (const strategy of ['rwThenRox', 'roxCacheTextPoke', 'dualMapping'] as const) {
    it(`${strategy}: not executable until finalized, then every step runs and the code is there`, () => {
      const m = createMachine({ arch: riscvArch(), cpus: 2 });
      const wx = createWxAuditor([m.kernel]);
      const h = jitTextAlloc(m, 100, { strategy, wxAuditor: wx });
      expect((m.kernel.translate(h.exec)?.prot ?? 0) & PROT_EXEC).toBe(0);
      h.write(0, code());
      const report = h.finalize();
      expect(report.steps.map((s) => s.step)).toContain('FENCE.I');
      expect(report.ipis).toBeGreaterThanOrEqual(1);
      expect((m.kernel.translate(h.exec)?.prot ?? 0) & PROT_EXEC).toBe(PROT_EXEC);
      expect(m.read(h.exec, code().length)).toEqual(code());
      expect(wx.audit().ok).toBe(true);
      try {
        h.write(0, code());
        expect.unreachable();
      } catch (e) {
        expect(code_(e)).toBe('EPERM');
      }
      expect(jitTextFree(h).cpusInside).toEqual([]);
    });
  }

  it('a CPU jumping into an unfinalized handle faults and is reported', () => {
    const m = createMachine({ arch: riscvArch(), cpus: 2 });
    const h = jitTextAlloc(m, 64);
    h.write(0, code());
    m.start(1, h.exec);
    m.run({ maxSteps: 10 });
    expect(h.faults()).toEqual([1]);
  });

  it('freeing while a CPU executes inside is reported', () => {
    const m = createMachine({ arch: riscvArch(), cpus: 2 });
    const h = jitTextAlloc(m, 64);
    h.write(0, code());
    h.finalize();
    m.start(1, h.exec);
    m.step();
    expect(jitTextFree(h).cpusInside).toEqual([1]);
  });

  it('rejects bad sizes, ranges and strategies with a code naming the value', () => {
    const m = createMachine({ arch: riscvArch(), cpus: 2 });
    expect(() => jitTextAlloc(m, 0)).toThrow(/size 0/);
    expect(() => jitTextAlloc(m, 64, { strategy: 'bogus' as never })).toThrow(/bogus/);
    const h = jitTextAlloc(m, 64);
    expect(() => h.write(4095, code())).toThrow(/offset 4095/);
  });
});
