import type { Decoded, Isa } from '@execmem/core';
import { assembleX86 } from './assembler';
import { decodeX86 } from './decoder';
import { disassembleX86 } from './disassembler';
import { executeX86 } from './executor';
import type { X86Insn } from './insn';
import { reg64Names } from './registers';
import { createX86State, type X86State } from './state';

/**
 * The x86-64 instruction subset: AT&T assembler and objdump-compatible
 * disassembler (GNU binutils 2.40), decoder and executor.
 */
export const x86Isa: Isa<X86Insn, X86State> = {
  registerNames: reg64Names,
  stackPointer: 4,
  minLength: 1,
  maxLength: 15,
  alignment: 1,
  assemble: assembleX86,
  disassemble: disassembleX86,
  decode(bytes: Uint8Array, offset: number, available: number): Decoded<X86Insn> | null {
    const insn = decodeX86(bytes, offset, available);
    return insn && { insn, length: insn.length };
  },
  createState: createX86State,
  execute: executeX86,
};
