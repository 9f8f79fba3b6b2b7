/**
 * Branches (Arm ARM C4.1.85): B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR, BLR,
 * RET. Targets print as objdump prints them: the absolute address in bare
 * hex.
 *
 * @module
 */
import { conditionNames } from './conditions';
import { type Encoding, u32 } from './encoding';
import { field, hexAddress, signExtend } from './fields';
import { makeInsn, Op } from './insn';
import { reg, regName } from './registers';

/** Encodes B (`link` 0) or BL (`link` 1) with a byte offset. */
export function encodeBranch(link: number, offset: number): number {
  return u32((link << 31) | 0x14000000 | ((offset >> 2) & 0x3ffffff));
}

/** Encodes B.cond with a byte offset. */
export function encodeBranchCond(cond: number, offset: number): number {
  return u32(0x54000000 | (((offset >> 2) & 0x7ffff) << 5) | cond);
}

/** Encodes CBZ (`nonZero` 0) or CBNZ with a byte offset. */
export function encodeCompareBranch(
  sf: number,
  nonZero: number,
  offset: number,
  rt: number,
): number {
  return u32((sf << 31) | 0x34000000 | (nonZero << 24) | (((offset >> 2) & 0x7ffff) << 5) | rt);
}

/** Encodes TBZ (`nonZero` 0) or TBNZ testing bit `bit` with a byte offset. */
export function encodeTestBranch(bit: number, nonZero: number, offset: number, rt: number): number {
  return u32(
    ((bit >> 5) << 31) |
      0x36000000 |
      (nonZero << 24) |
      ((bit & 31) << 19) |
      (((offset >> 2) & 0x3fff) << 5) |
      rt,
  );
}

/** Encodes BR (`opc` 0), BLR (1) or RET (2). */
export function encodeBranchRegister(opc: number, rn: number): number {
  return u32(0xd61f0000 | (opc << 21) | (rn << 5));
}

const branch: Encoding = {
  mask: 0x7c000000,
  match: 0x14000000,
  decode(w) {
    return makeInsn(Op.Branch, w, { variant: w >>> 31, imm: signExtend(w & 0x3ffffff, 26) * 4 });
  },
  print(insn, pc) {
    return `${insn.variant ? 'bl' : 'b'} ${hexAddress(pc + BigInt(insn.imm))}`;
  },
};

const branchCond: Encoding = {
  mask: 0xff000010,
  match: 0x54000000,
  decode(w) {
    return makeInsn(Op.BranchCond, w, { cond: w & 15, imm: signExtend(field(w, 5, 19), 19) * 4 });
  },
  print(insn, pc) {
    return `b.${conditionNames[insn.cond]} ${hexAddress(pc + BigInt(insn.imm))}`;
  },
};

const compareBranch: Encoding = {
  mask: 0x7e000000,
  match: 0x34000000,
  decode(w) {
    return makeInsn(Op.CompareBranch, w, {
      sf: w >>> 31,
      variant: field(w, 24, 1),
      rd: reg(w & 31, false),
      imm: signExtend(field(w, 5, 19), 19) * 4,
    });
  },
  print(insn, pc) {
    return `${insn.variant ? 'cbnz' : 'cbz'} ${regName(insn.rd, insn.sf)}, ${hexAddress(pc + BigInt(insn.imm))}`;
  },
};

const testBranch: Encoding = {
  mask: 0x7e000000,
  match: 0x36000000,
  decode(w) {
    const b5 = w >>> 31;
    return makeInsn(Op.TestBranch, w, {
      sf: b5,
      variant: field(w, 24, 1),
      rd: reg(w & 31, false),
      amount: (b5 << 5) | field(w, 19, 5),
      imm: signExtend(field(w, 5, 14), 14) * 4,
    });
  },
  print(insn, pc) {
    const name = insn.variant ? 'tbnz' : 'tbz';
    return `${name} ${regName(insn.rd, insn.sf)}, #${insn.amount}, ${hexAddress(pc + BigInt(insn.imm))}`;
  },
};

const branchRegister: Encoding = {
  mask: 0xff9ffc1f,
  match: 0xd61f0000,
  decode(w) {
    const opc = field(w, 21, 2);
    if (opc === 3) return undefined;
    return makeInsn(Op.BranchRegister, w, { variant: opc, rn: reg(field(w, 5, 5), false) });
  },
  print(insn) {
    if (insn.variant === 2 && insn.rn === 30) return 'ret';
    return `${['br', 'blr', 'ret'][insn.variant]} ${regName(insn.rn, 1)}`;
  },
};

/** The decode-table rows of this group. */
export const branchEncodings: readonly Encoding[] = [
  branch,
  branchCond,
  compareBranch,
  testBranch,
  branchRegister,
];
