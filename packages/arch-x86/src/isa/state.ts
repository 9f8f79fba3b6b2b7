import type { IsaState } from '@execmem/core';

/** The x86-64 CPU state the executor works on. */
export interface X86State extends IsaState {
  /** RFLAGS; bit 1 is always set (SDM vol. 1, 3.4.3). */
  rflags: number;
}

/** RFLAGS after reset: only the reserved bit 1 set. */
export const RFLAGS_RESET = 0x2;

/** Creates a zeroed state: RAX..R15 = 0, RFLAGS = 0x2, RIP = 0. */
export function createX86State(): X86State {
  return { regs: new Uint32Array(32), pc: 0, nextPc: 0, rflags: RFLAGS_RESET };
}
