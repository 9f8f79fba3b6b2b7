/**
 * The decoded A64 instruction: one plain object per encoding, created once
 * by the decoder with every field the executor needs precomputed, so that
 * executing it allocates nothing. All objects share one shape.
 *
 * @module
 */
import type { AccessKind } from '@execmem/core';

/** Operation classes the executor dispatches on. */
export const Op = {
  AddSubImm: 0,
  AddSubShifted: 1,
  AddSubExtended: 2,
  LogicalImm: 3,
  LogicalShifted: 4,
  MoveWide: 5,
  Bitfield: 6,
  Extract: 7,
  Adr: 8,
  Adrp: 9,
  DataProc1: 10,
  DataProc2: 11,
  DataProc3: 12,
  CondSelect: 13,
  LoadStore: 14,
  LoadLiteral: 15,
  LoadStorePair: 16,
  LoadExclusive: 17,
  StoreExclusive: 18,
  Atomic: 19,
  CompareSwap: 20,
  Branch: 21,
  BranchCond: 22,
  CompareBranch: 23,
  TestBranch: 24,
  BranchRegister: 25,
  Nop: 26,
  Barrier: 27,
  Isb: 28,
  CacheMaintenance: 29,
  Tlbi: 30,
  Exception: 31,
  Eret: 32,
  Mrs: 33,
  Msr: 34,
  AddSubCarry: 35,
  CondCompare: 36,
  MsrImmediate: 37,
} as const;
/** See the constant of the same name. */
export type Op = (typeof Op)[keyof typeof Op];

/** Shift types of shifted-register operands (Arm ARM DecodeShift). */
export const ShiftType = { LSL: 0, LSR: 1, ASR: 2, ROR: 3 } as const;

/** Addressing modes of single-register loads and stores. */
export const AddressMode = {
  /** `[Xn, #imm]` (scaled unsigned or unscaled signed offset). */
  Offset: 0,
  /** `[Xn, #imm]!` */
  PreIndex: 1,
  /** `[Xn], #imm` */
  PostIndex: 2,
  /** `[Xn, Rm{, extend #amount}]` */
  Register: 3,
} as const;

/**
 * A decoded instruction. Register fields hold 0..30, {@link SP} (31) or
 * {@link ZR} (32). Fields an operation does not use are 0.
 */
export interface Arm64Insn {
  /** Operation class. */
  readonly op: Op;
  /** The 32-bit encoding. */
  readonly word: number;
  /** 1 for a 64-bit operation, 0 for 32-bit. */
  readonly sf: number;
  /** Destination (or transfer register Rt). */
  readonly rd: number;
  /** First source / base register. */
  readonly rn: number;
  /** Second source / index / status register (Rs). */
  readonly rm: number;
  /** Third source, or Rt2 of a pair. */
  readonly ra: number;
  /** Main immediate: low 32 bits of a 64-bit mask, an offset in bytes, or a field value. */
  readonly imm: number;
  /** High 32 bits of a 64-bit mask (logical immediates, bitfield wmask). */
  readonly immHi: number;
  /** Second mask, low half (bitfield tmask). */
  readonly imm2: number;
  /** Second mask, high half. */
  readonly imm2Hi: number;
  /** Operation variant: the opc/opcode field, sub/add, load/store, atomic op, cache op … */
  readonly variant: number;
  /** 1 when the instruction sets NZCV. */
  readonly setFlags: number;
  /** Shift type or extend option. */
  readonly shift: number;
  /** Shift amount, bit number, or immr. */
  readonly amount: number;
  /** Condition code. */
  readonly cond: number;
  /** Access size in bytes (1, 2, 4, 8) for memory operations. */
  readonly size: number;
  /** Sign-extend loaded data to `sf` width (LDRS*). */
  readonly signed: number;
  /** Addressing mode ({@link AddressMode}) of loads and stores. */
  readonly mode: number;
  /** Memory ordering of the access. */
  readonly kind: AccessKind;
}

const blank: Arm64Insn = {
  op: Op.Nop,
  word: 0,
  sf: 0,
  rd: 0,
  rn: 0,
  rm: 0,
  ra: 0,
  imm: 0,
  immHi: 0,
  imm2: 0,
  imm2Hi: 0,
  variant: 0,
  setFlags: 0,
  shift: 0,
  amount: 0,
  cond: 0,
  size: 0,
  signed: 0,
  mode: 0,
  kind: 0,
};

/** Builds a decoded instruction with every field present (one object shape for all). */
export function makeInsn(op: Op, word: number, fields: Partial<Arm64Insn>): Arm64Insn {
  return { ...blank, ...fields, op, word };
}
