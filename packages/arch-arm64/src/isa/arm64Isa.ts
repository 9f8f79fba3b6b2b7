/**
 * The AArch64 `Isa`: GNU-syntax assembler, objdump-compatible
 * disassembler, decoder, allocation-free executor and data flow (for the
 * storage model's dependency tracking) for the subset.
 *
 * @module
 */
import type { Isa } from '@execmem/core';
import { assembleArm64 } from './assembler';
import { decodeArm64 } from './decoder';
import { disassembleArm64 } from './disassembler';
import { executeArm64 } from './executor';
import type { Arm64Insn } from './insn';
import { arm64RegisterNames, SP } from './registers';
import { arm64RegisterUse } from './registerUse';
import { type Arm64State, createArm64State } from './state';

/** Creates the AArch64 instruction set. */
export function arm64Isa(): Isa<Arm64Insn, Arm64State> {
  return {
    registerNames: arm64RegisterNames,
    stackPointer: SP,
    minLength: 4,
    maxLength: 4,
    alignment: 4,
    assemble: assembleArm64,
    disassemble: disassembleArm64,
    decode: decodeArm64,
    createState: createArm64State,
    registerUse: arm64RegisterUse,
    execute: executeArm64,
  };
}
