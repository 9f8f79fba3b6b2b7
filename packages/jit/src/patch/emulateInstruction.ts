/**
 * What the kernel's trap handler does for a CPU that hits a patch site
 * holding the trap instruction (x86 `poke_int3_handler` → `int3_emulate_*`):
 * it executes the new instruction on the CPU's behalf and resumes after it,
 * so the CPU never fetches the half-written site.
 *
 * @module
 */

import type { Decoded, IsaState, Machine, TrapAction } from '@execmem/core';

/**
 * Executes decoded instruction `insn` as CPU `cpu` at engine address `pc`
 * (its memory accesses go through the CPU's port) and returns the trap
 * action resuming where it leads.
 */
export function emulateInstruction<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
  pc: number,
  insn: Decoded<I>,
): TrapAction {
  const c = machine.cpus[cpu];
  c.state.pc = pc;
  c.state.nextPc = pc + insn.length;
  machine.arch.isa.execute(insn.insn, c.state, c);
  return { resumeAt: c.state.nextPc };
}
