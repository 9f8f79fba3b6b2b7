import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import {
  createMachine,
  createWxAuditor,
  type ExecmemRange,
  isExecmemError,
  type Machine,
  PROT_EXEC,
} from '@execmem/core';
import { createExecmem, EXECMEM_POLICIES } from '@execmem/execmem';
import { describe, expect, it } from 'vitest';
import { JIT_TEXT_TYPES, jitTextAlloc, jitTextExecmem, jitTextFree } from './jitText';
import { PUBLISH_STRATEGIES } from './publishSteps';

const code = () => riscvArch().isa.assemble('li a0, 7\nwfi').bytes;

function code_(e: unknown): string | undefined {
  return isExecmemError(e) ? e.code : undefined;
}

const within = (ptr: bigint, r: ExecmemRange) =>
  (ptr >= r.start && ptr <= r.end) ||
  (r.fallbackStart !== undefined &&
    r.fallbackEnd !== undefined &&
    ptr >= r.fallbackStart &&
    ptr <= r.fallbackEnd);

const execOf = (m: Machine, va: bigint) => (m.kernel.translate(va)?.prot ?? 0) & PROT_EXEC;

describe('jitTextAlloc / finalize / jitTextFree', () => {
  for (const strategy of PUBLISH_STRATEGIES) {
    it(`${strategy}: no CPU can run the code until finalized, then every step runs and the code is there`, () => {
      const m = createMachine({ arch: riscvArch(), cpus: 2 });
      const wx = createWxAuditor([m.kernel]);
      const h = jitTextAlloc(m, 100, { strategy, wxAuditor: wx });
      if (strategy === 'roxCacheTextPoke') {
        // bpf_prog_pack: the ROX cache is executable, but holds only its trap fill.
        expect(execOf(m, h.exec)).toBe(PROT_EXEC);
        expect(m.read(h.exec, 4)).not.toEqual(code().subarray(0, 4));
      } else expect(execOf(m, h.exec)).toBe(0);
      h.write(0, code());
      const report = h.finalize();
      expect(report.steps.map((s) => s.step)).toContain('FENCE.I');
      expect(report.ipis).toBeGreaterThanOrEqual(1);
      expect(execOf(m, h.exec)).toBe(PROT_EXEC);
      expect(m.read(h.exec, code().length)).toEqual(code());
      expect(wx.audit().ok).toBe(true);
      try {
        h.write(0, code());
        expect.unreachable();
      } catch (e) {
        expect(code_(e)).toBe('EPERM');
        expect(String(e)).toContain('finalized');
      }
      expect(jitTextFree(h).cpusInside).toEqual([]);
      expect(wx.audit().ok).toBe(true);
    });
  }

  for (const policy of EXECMEM_POLICIES) {
    it(`allocates through execmem (${policy}): in the type's range, freed back, W^X clean`, () => {
      const m = createMachine({ arch: x86Arch(), cpus: 2 });
      const info = m.arch.execmemArchSetup?.(1) ?? expect.unreachable('no execmem setup');
      const execmem = createExecmem(m, info, { policy });
      const wx = createWxAuditor([m.kernel]);
      const before = execmem.stats();
      const handles = PUBLISH_STRATEGIES.map((strategy) =>
        jitTextAlloc(m, 300, { strategy, execmem, wxAuditor: wx }),
      );
      expect(execmem.stats().allocations).toBe(before.allocations + handles.length);
      for (const h of handles) {
        expect(within(h.exec, info.ranges[JIT_TEXT_TYPES[h.strategy]])).toBe(true);
        h.write(0, x86Arch().isa.assemble('mov $7, %eax\nret').bytes);
        h.finalize();
        expect(execOf(m, h.exec)).toBe(PROT_EXEC);
      }
      expect(wx.audit().ok).toBe(true);
      for (const h of handles) jitTextFree(h);
      const after = execmem.stats();
      expect(after.allocations).toBe(before.allocations);
      expect(after.busyBytes).toBe(before.busyBytes);
      expect(after.requestedBytes).toBe(before.requestedBytes);
      expect(wx.audit().ok).toBe(true);
    });
  }

  it('creates one execmem per machine by default and reuses it', () => {
    const m = createMachine({ arch: riscvArch(), cpus: 2 });
    const h = jitTextAlloc(m, 64);
    const execmem = jitTextExecmem(m);
    expect(execmem.stats().allocations).toBe(1);
    jitTextFree(h);
    expect(jitTextExecmem(m)).toBe(execmem);
    expect(execmem.stats().allocations).toBe(0);
  });

  for (const strategy of PUBLISH_STRATEGIES) {
    it(`${strategy}: a CPU jumping into an unfinalized handle faults and is reported`, () => {
      const m = createMachine({ arch: riscvArch(), cpus: 2 });
      const wx = createWxAuditor([m.kernel]);
      const h = jitTextAlloc(m, 64, { strategy, wxAuditor: wx });
      m.start(1, h.exec);
      m.run({ maxSteps: 10 });
      expect(h.faults()).toEqual([1]);
      h.write(0, code());
      h.finalize();
      expect(h.faults()).toEqual([1]);
    });
  }

  it('freeing while a CPU executes inside is reported', () => {
    const m = createMachine({ arch: riscvArch(), cpus: 2 });
    const h = jitTextAlloc(m, 64);
    h.write(0, code());
    h.finalize();
    m.start(1, h.exec);
    m.step();
    expect(jitTextFree(h).cpusInside).toEqual([1]);
    expect(() => jitTextFree(h)).toThrow(/already freed/);
  });

  it('rejects bad sizes, ranges and strategies with a code naming the value', () => {
    const m = createMachine({ arch: riscvArch(), cpus: 2 });
    expect(() => jitTextAlloc(m, 0)).toThrow(/size 0/);
    expect(() => jitTextAlloc(m, 64, { strategy: 'bogus' as never })).toThrow(/bogus/);
    const h = jitTextAlloc(m, 64);
    expect(() => h.write(4095, code())).toThrow(/offset 4095/);
  });
});
