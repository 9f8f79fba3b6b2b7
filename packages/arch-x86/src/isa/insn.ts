/**
 * The decoded x86-64 instruction: a plain object made once by the decoder
 * and read by the executor and the disassembler.
 *
 * @module
 */

/** Instruction operations of the supported subset. */
export const Op = {
  Mov: 0,
  /** MOVZX: zero-extend `srcSize` bytes to `size`. */
  Movzx: 1,
  /** MOVSX / MOVSXD: sign-extend `srcSize` bytes to `size`. */
  Movsx: 2,
  Lea: 3,
  Add: 4,
  Or: 5,
  And: 6,
  Sub: 7,
  Xor: 8,
  Cmp: 9,
  Test: 10,
  Inc: 11,
  Dec: 12,
  Neg: 13,
  Not: 14,
  Rol: 15,
  Ror: 16,
  Shl: 17,
  Shr: 18,
  Sar: 19,
  /** One-operand MUL: rDX:rAX = rAX * src. */
  Mul: 20,
  /** One-operand IMUL: rDX:rAX = rAX * src, signed. */
  Imul1: 21,
  /** Two- and three-operand IMUL: dst = src * (imm or dst), truncated. */
  Imul: 22,
  Div: 23,
  Idiv: 24,
  /** CWD/CDQ/CQO (`cwtd`/`cltd`/`cqto`): sign of rAX into rDX. */
  Cwd: 25,
  /** CBW/CWDE/CDQE (`cbtw`/`cwtl`/`cltq`). */
  Cdqe: 26,
  Bswap: 27,
  Push: 28,
  Pop: 29,
  /** CALL rel32. */
  Call: 30,
  /** JMP rel8/rel32. */
  Jmp: 31,
  /** Jcc rel8/rel32; the condition is `cond`. */
  Jcc: 32,
  /** CALL through a register or memory operand. */
  CallIndirect: 33,
  /** JMP through a register or memory operand. */
  JmpIndirect: 34,
  Ret: 35,
  Nop: 36,
  Xchg: 37,
  Xadd: 38,
  Cmpxchg: 39,
  Int3: 40,
  Ud2: 41,
  Cpuid: 42,
  Serialize: 43,
  Mfence: 44,
  Lfence: 45,
  Sfence: 46,
  Hlt: 47,
  Pause: 48,
  Iretq: 49,
} as const;
/** See the constant of the same name. */
export type Op = (typeof Op)[keyof typeof Op];

/** What an operand slot holds. */
export const OperandKind = {
  None: 0,
  /** A general register (`reg` field). */
  Reg: 1,
  /** The memory operand described by the `mem*` fields. */
  Mem: 2,
  /** The immediate in `immLo`/`immHi`. */
  Imm: 3,
  /** The implicit count 1 of the `D0`/`D1` shift forms. */
  One: 4,
  /** The count in CL. */
  Cl: 5,
} as const;
/** See the constant of the same name. */
export type OperandKind = (typeof OperandKind)[keyof typeof OperandKind];

/** `memBase` value for RIP-relative addressing. */
export const BASE_RIP = 16;
/** `memBase`/`memIndex` value for "none". */
export const NO_REG = -1;

/**
 * A decoded instruction. Operands follow Intel order (`dst`, `src`); the
 * disassembler prints them reversed, as AT&T syntax does.
 */
export interface X86Insn {
  readonly op: Op;
  /** Operand size in bytes. */
  readonly size: 1 | 2 | 4 | 8;
  /** Source size of MOVZX/MOVSX, otherwise equal to `size`. */
  readonly srcSize: 1 | 2 | 4 | 8;
  readonly dstKind: OperandKind;
  /** Register number of a `Reg` destination (see `registers.ts` for AH..BH). */
  readonly dstReg: number;
  readonly srcKind: OperandKind;
  readonly srcReg: number;
  /** Three-operand IMUL: the immediate multiplier is in `imm*`. */
  readonly hasImm3: boolean;
  /** Immediate, sign-extended to 64 bits, as two 32-bit halves. */
  readonly immLo: number;
  readonly immHi: number;
  /** Memory operand: base register, `BASE_RIP`, or `NO_REG`. */
  readonly memBase: number;
  /** Index register or `NO_REG`. */
  readonly memIndex: number;
  readonly memScale: number;
  /** A SIB byte encodes "no index" where objdump prints the pseudo-register `%riz`. */
  readonly memRiz: boolean;
  /** Displacement, sign-extended to 64 bits (the full address for `movabs` moffs forms). */
  readonly dispLo: number;
  readonly dispHi: number;
  /** The encoding has a displacement field (objdump then prints it, even `0x0`). */
  readonly memDispShown: boolean;
  /** Branch displacement from the end of the instruction. */
  readonly rel: number;
  /** Condition code 0..15 of Jcc (SDM appendix B.1.4.7). */
  readonly cond: number;
  /** LOCK prefix present. */
  readonly lock: boolean;
  /** Encoded length in bytes. */
  readonly length: number;
  /** Prefix words objdump prints before the mnemonic (`lock `, `data16 `, `cs `, `rex.W `). */
  readonly prefixText: string;
  /** The B8+r form with REX.W or an A0..A3 moffs form: printed `movabs`. */
  readonly movabs: boolean;
}

/** objdump's names of the 16 conditions, indexed by the condition code. */
export const conditionNames: readonly string[] = [
  'o',
  'no',
  'b',
  'ae',
  'e',
  'ne',
  'be',
  'a',
  's',
  'ns',
  'p',
  'np',
  'l',
  'ge',
  'le',
  'g',
];

/** Every spelling GNU `as` accepts for each condition code. */
export const conditionAliases: ReadonlyMap<string, number> = new Map([
  ['o', 0],
  ['no', 1],
  ['b', 2],
  ['c', 2],
  ['nae', 2],
  ['ae', 3],
  ['nb', 3],
  ['nc', 3],
  ['e', 4],
  ['z', 4],
  ['ne', 5],
  ['nz', 5],
  ['be', 6],
  ['na', 6],
  ['a', 7],
  ['nbe', 7],
  ['s', 8],
  ['ns', 9],
  ['p', 10],
  ['pe', 10],
  ['np', 11],
  ['po', 11],
  ['l', 12],
  ['nge', 12],
  ['ge', 13],
  ['nl', 13],
  ['le', 14],
  ['ng', 14],
  ['g', 15],
  ['nle', 15],
]);
