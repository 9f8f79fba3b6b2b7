import { arm64Arch, execmemArchSetup as arm64Setup } from '@execmem/arch-arm64';
import { riscvArch, execmemArchSetup as riscvSetup } from '@execmem/arch-riscv';
import { x86Arch, execmemArchSetup as x86Setup } from '@execmem/arch-x86';
import { type Arch, createMachine, createWxAuditor, type ExecmemInfo } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { createExecmem } from './createExecmem';
import { EXECMEM_POLICIES } from './execmem';
import { verifyExecmem } from './verifyExecmem';

const MB = 1 << 20;
const arches: [string, () => Arch, (seed: number) => ExecmemInfo][] = [
  ['x86-64', () => x86Arch() as Arch, (s) => x86Setup(s)],
  ['arm64', () => arm64Arch() as Arch, (s) => arm64Setup(s)],
  ['riscv64', () => riscvArch() as Arch, (s) => riscvSetup(s)],
];

describe.each(arches)('createExecmem on a 4-CPU %s machine', (_name, arch, setup) => {
  it.each(EXECMEM_POLICIES)(
    '%s: every type allocates, frees and reclaims with W^X intact',
    (policy) => {
      const machine = createMachine({ arch: arch(), cpus: 4, memory: 64 * MB });
      const execmem = createExecmem(machine, setup(7), { policy });
      const audit = createWxAuditor([machine.kernel]);
      const ptrs = (['moduleText', 'kprobes', 'ftrace', 'bpf', 'moduleData'] as const).map((t) =>
        execmem.execmemAlloc(t, 3000),
      );
      expect(verifyExecmem(execmem, execmem.port)).toEqual([]);
      expect(audit.audit().ok).toBe(true);
      for (const p of ptrs) execmem.execmemFree(p);
      execmem.execmemCacheReclaim();
      expect(execmem.stats().busyBytes).toBe(0);
      expect(audit.audit().ok).toBe(true);
      expect(machine.counters.get('tlbShootdowns')).toBeGreaterThan(0);
    },
  );
});
