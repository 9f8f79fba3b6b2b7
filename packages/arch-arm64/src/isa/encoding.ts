/**
 * One row of the A64 decode table: a fixed-bits pattern plus the functions
 * that decode a matching word for execution and print it as objdump does.
 *
 * @module
 */
import type { Arm64Insn } from './insn';

/** A decode-table row (Arm ARM C4, "A64 instruction set encoding"). */
export interface Encoding {
  /** Bits that must equal `match`. */
  readonly mask: number;
  /** Their required values. */
  readonly match: number;
  /** Decodes a matching word; `undefined` for its reserved or unallocated sub-encodings. */
  decode(word: number): Arm64Insn | undefined;
  /** The objdump text of a decoded instruction at address `pc`. */
  print(insn: Arm64Insn, pc: bigint): string;
}

/** Bits 31:0 of a word built by OR-ing fields (keeps the result an unsigned 32-bit number). */
export function u32(word: number): number {
  return word >>> 0;
}
