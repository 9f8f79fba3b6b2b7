/**
 * What the litmus checker needs to know about one architecture, received
 * as a value: herd's name for it, its register names, how to turn one herd
 * instruction line into a {@link LitmusInsn}, and the memory model whose
 * verdicts it prints, and how its tests run on a simulated machine.
 *
 * @module
 */

import type { LitmusInsn } from './litmusInsn';
import type { LitmusModel } from './model/execution';

/** A register operand: its index and the width the name selects (`W0` is 32 bits of `X0`). */
export interface LitmusRegister {
  readonly reg: number;
  readonly bits: 32 | 64;
}

/** Context for decoding one instruction: where it sits and how to resolve labels. */
export interface InsnContext {
  /** Code column the instruction is in (`P1`, `P1.F`). */
  readonly column: string;
  /** Its slot in that column. */
  readonly slot: number;
  /** The code address of `label` as seen from this column; throws naming it when unknown. */
  label(name: string): string;
  /** Throws an `EINVAL` error at this instruction naming `what` was wrong. */
  fail(what: string): never;
}

/**
 * How the simulator (`simulateLitmus`) lays a test out on a machine of
 * the arch: the instructions it pads and ends threads with, and the width of
 * an instruction value.
 */
export interface LitmusMachineTraits {
  /** A no-op the assembler accepts: it pads an instruction value to `slotBytes`. */
  readonly nop: string;
  /** The instruction that ends a thread: the CPU waits for an interrupt that never comes. */
  readonly halt: string;
  /**
   * Bytes of an instruction value (`instr:"…"` in a register or a location):
   * the instruction padded with no-ops. Every slot of a column takes this
   * many bytes (or a multiple), and a labelled slot, which a store can
   * overwrite, exactly this many.
   */
  readonly slotBytes: number;
  /** Instructions name locations (`movq $1,(x)`): the simulator writes their addresses instead. */
  readonly absoluteLocations?: boolean;
}

/** One architecture's litmus front end and model. */
export interface LitmusArch {
  /** The arch name on a litmus header line (`AArch64`, `RISCV`, `X86_64`). */
  readonly herdName: string;
  /** Looks up a register by any of its names (case as herd writes it). */
  register(name: string): LitmusRegister | undefined;
  /** The register that reads as zero and ignores writes (`XZR`, `x0`), if any. */
  readonly zeroRegister?: number;
  /** The name a register prints as in final states (`X9`, `s0`, `rax`). */
  registerName(reg: number): string;
  /** Decodes one instruction; unsupported ones fail naming the mnemonic. */
  parseInstruction(text: string, ctx: InsnContext): LitmusInsn;
  /** The canonical spelling of an instruction's text, so equal instructions compare equal. */
  canonicalInstruction(text: string): string;
  /** True when a bare word in an init or condition value denotes an instruction (`NOP`). */
  isInstructionWord(word: string): boolean;
  /** Size of every instruction in bytes when fixed, for `.+N` targets and code-address arithmetic. */
  readonly instructionBytes?: number;
  /** True when taken branches are events (`BRANCH`) the model orders by (x86's self-modifying-code rule). */
  readonly recordsBranches?: boolean;
  /** The memory model. */
  readonly model: LitmusModel;
  /** How the simulator runs the arch's tests on a machine. */
  readonly machine: LitmusMachineTraits;
}
