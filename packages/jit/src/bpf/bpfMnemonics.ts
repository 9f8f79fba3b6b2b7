import {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_B,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_H,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_W,
  BPF_XCHG,
  BPF_XOR,
} from '@execmem/core';

/**
 * The names the bpf_conformance assembler gives opcode fields, shared by
 * the assembler and the disassembler so the two cannot drift apart.
 *
 * @module
 */

/** Arithmetic operation names (`add`, `add32`, …) → `BPF_OP` value. */
export const ALU_OPS: ReadonlyMap<string, number> = new Map([
  ['add', BPF_ADD],
  ['sub', BPF_SUB],
  ['mul', BPF_MUL],
  ['div', BPF_DIV],
  ['or', BPF_OR],
  ['and', BPF_AND],
  ['lsh', BPF_LSH],
  ['rsh', BPF_RSH],
  ['neg', BPF_NEG],
  ['mod', BPF_MOD],
  ['xor', BPF_XOR],
  ['mov', BPF_MOV],
  ['arsh', BPF_ARSH],
]);

/** Signed forms that share an operation with an unsigned one and set offset 1 (RFC 9669 §4.1). */
export const SIGNED_ALU_OPS: ReadonlyMap<string, number> = new Map([
  ['sdiv', BPF_DIV],
  ['smod', BPF_MOD],
]);

/** Conditional and unconditional jump names → `BPF_OP` value. */
export const JMP_OPS: ReadonlyMap<string, number> = new Map([
  ['ja', BPF_JA],
  ['jeq', BPF_JEQ],
  ['jgt', BPF_JGT],
  ['jge', BPF_JGE],
  ['jset', BPF_JSET],
  ['jne', BPF_JNE],
  ['jsgt', BPF_JSGT],
  ['jsge', BPF_JSGE],
  ['jlt', BPF_JLT],
  ['jle', BPF_JLE],
  ['jslt', BPF_JSLT],
  ['jsle', BPF_JSLE],
]);

/** Access-size suffixes of loads and stores → `BPF_SIZE` value. */
export const SIZES: ReadonlyMap<string, number> = new Map([
  ['b', BPF_B],
  ['h', BPF_H],
  ['w', BPF_W],
  ['dw', BPF_DW],
]);

/** Atomic operation names after `lock` (and `lock fetch`) → `imm` value without `BPF_FETCH`. */
export const ATOMIC_OPS: ReadonlyMap<string, number> = new Map([
  ['add', BPF_ADD],
  ['or', BPF_OR],
  ['and', BPF_AND],
  ['xor', BPF_XOR],
]);

/** Atomic operations that always fetch, named alone after `lock`. */
export const ATOMIC_FETCH_OPS: ReadonlyMap<string, number> = new Map([
  ['xchg', BPF_XCHG],
  ['cmpxchg', BPF_CMPXCHG],
]);

/** Finds the name of `value` in a name table (first match). */
export function nameOf(table: ReadonlyMap<string, number>, value: number): string | undefined {
  for (const [name, v] of table) if (v === value) return name;
  return undefined;
}
