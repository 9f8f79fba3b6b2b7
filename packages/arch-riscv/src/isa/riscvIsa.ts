import type { AssembleOptions, Isa } from '@execmem/core';
import { assemble } from './assembler';
import { decode, type RiscvInsn } from './decoder';
import { disassemble } from './disassembler';
import { createRiscvState, execute, type RiscvState } from './executor';
import { riscvRegisterNames } from './registers';
import { riscvRegisterUse } from './registerUse';

/** Options for {@link createRiscvIsa}. */
export interface RiscvIsaOptions {
  /** Default for `AssembleOptions.compressed`: emit RVC forms as `-march=rv64gc` does; default true. */
  readonly compressed?: boolean;
}

/** Creates the RV64GC-subset {@link Isa}: assembler, objdump-style disassembler, decoder, register use and RV64IMAC executor. */
export function createRiscvIsa(options: RiscvIsaOptions = {}): Isa<RiscvInsn, RiscvState> {
  const compressed = options.compressed ?? true;
  return {
    registerNames: riscvRegisterNames,
    stackPointer: 2,
    minLength: 2,
    maxLength: 4,
    alignment: 2,
    assemble: (source: string, assembleOptions: AssembleOptions = {}) =>
      assemble(source, { compressed, ...assembleOptions }),
    disassemble,
    decode,
    createState: createRiscvState,
    registerUse: riscvRegisterUse,
    execute,
  };
}

/** The RV64GC-subset ISA with compression on (GNU as `-march=rv64gc`). */
export const riscvIsa: Isa<RiscvInsn, RiscvState> = createRiscvIsa();
