/**
 * The AArch64 CPU state the executor works on: x0–x30 and SP as 64-bit
 * register pairs, the PC, and PSTATE.NZCV.
 *
 * @module
 */
import type { IsaState } from '@execmem/core';

/** AArch64 register state. `regs` holds x0–x30 then SP (index 31), two 32-bit halves each. */
export interface Arm64State extends IsaState {
  /** PSTATE.{N,Z,C,V} as bits 3..0 (N=8, Z=4, C=2, V=1); NZCV reads it shifted to bits 31:28. */
  nzcv: number;
  /** Executor scratch words (operands and results), reused by every instruction. */
  readonly scratch: Uint32Array;
}

/** Creates a zeroed state. */
export function createArm64State(): Arm64State {
  return { regs: new Uint32Array(64), pc: 0, nextPc: 0, nzcv: 0, scratch: new Uint32Array(16) };
}
