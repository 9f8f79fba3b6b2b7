import { encodeB, encodeI, encodeJ, encodeR, encodeS, encodeU, fitsSigned } from './fields';

/**
 * The C extension (Unprivileged ISA, "Compressed Instruction Formats" and
 * "RVC Instruction Set Listings"): every 16-bit parcel is a short form of
 * one 32-bit instruction. {@link expandCompressed} maps a parcel to that
 * instruction; {@link compressInstruction} picks the parcel GNU as
 * chooses for a 32-bit instruction, trying the C forms in the order
 * binutils' opcode table lists them.
 */

const SP = 2;
const RA = 1;

// Base-instruction match values used as expansion targets.
const ADDI = 0x13;
const ADDIW = 0x1b;
const SLLI = 0x1013;
const SRLI = 0x5013;
const SRAI = 0x40005013;
const ANDI = 0x7013;
const LUI = 0x37;
const ADD = 0x33;
const SUB = 0x40000033;
const XOR = 0x4033;
const OR = 0x6033;
const AND = 0x7033;
const SUBW = 0x4000003b;
const ADDW = 0x3b;
const LW = 0x2003;
const LD = 0x3003;
const FLD = 0x3007;
const SW = 0x2023;
const SD = 0x3023;
const FSD = 0x3027;
const JAL = 0x6f;
const JALR = 0x67;
const BEQ = 0x63;
const BNE = 0x1063;
const EBREAK = 0x00100073;

const bit = (p: number, n: number): number => (p >>> n) & 1;
const field = (p: number, hi: number, lo: number): number =>
  (p >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);

/** c.j offset (CJ format). */
function cjOffset(p: number): number {
  return sext(
    (bit(p, 12) << 11) |
      (bit(p, 11) << 4) |
      (field(p, 10, 9) << 8) |
      (bit(p, 8) << 10) |
      (bit(p, 7) << 6) |
      (bit(p, 6) << 7) |
      (field(p, 5, 3) << 1) |
      (bit(p, 2) << 5),
    12,
  );
}

/** c.beqz/c.bnez offset (CB format). */
function cbOffset(p: number): number {
  return sext(
    (bit(p, 12) << 8) |
      (field(p, 11, 10) << 3) |
      (field(p, 6, 5) << 6) |
      (field(p, 4, 3) << 1) |
      (bit(p, 2) << 5),
    9,
  );
}

/**
 * The 32-bit instruction a 16-bit parcel stands for, or -1 for a reserved
 * or illegal parcel (including the all-zero parcel). HINT encodings expand
 * to their base instruction, which writes x0 or changes nothing.
 */
export function expandCompressed(p: number): number {
  const rdP = 8 + field(p, 4, 2);
  const rs1P = 8 + field(p, 9, 7);
  const rd = field(p, 11, 7);
  const rs2 = field(p, 6, 2);
  const imm6 = sext((bit(p, 12) << 5) | rs2, 6);
  const uimm6 = (bit(p, 12) << 5) | rs2;
  const dOffset = (field(p, 12, 10) << 3) | (field(p, 6, 5) << 6);
  const dSpOffset = (bit(p, 12) << 5) | (field(p, 6, 5) << 3) | (field(p, 4, 2) << 6);
  const dSpStore = (field(p, 12, 10) << 3) | (field(p, 9, 7) << 6);
  switch ((p & 3) * 8 + (p >>> 13)) {
    case 0: {
      const u =
        (field(p, 12, 11) << 4) | (field(p, 10, 7) << 6) | (bit(p, 6) << 2) | (bit(p, 5) << 3);
      return u === 0 ? -1 : encodeI(ADDI, rdP, SP, u);
    }
    case 1:
      return encodeI(FLD, rdP, rs1P, dOffset);
    case 2:
      return encodeI(LW, rdP, rs1P, (field(p, 12, 10) << 3) | (bit(p, 6) << 2) | (bit(p, 5) << 6));
    case 3:
      return encodeI(LD, rdP, rs1P, dOffset);
    case 5:
      return encodeS(FSD, rs1P, rdP, dOffset);
    case 6:
      return encodeS(SW, rs1P, rdP, (field(p, 12, 10) << 3) | (bit(p, 6) << 2) | (bit(p, 5) << 6));
    case 7:
      return encodeS(SD, rs1P, rdP, dOffset);
    case 8:
      return encodeI(ADDI, rd, rd, imm6);
    case 9:
      return rd === 0 ? -1 : encodeI(ADDIW, rd, rd, imm6);
    case 10:
      return encodeI(ADDI, rd, 0, imm6);
    case 11: {
      if (rd === SP) {
        const imm = sext(
          (bit(p, 12) << 9) |
            (bit(p, 6) << 4) |
            (bit(p, 5) << 6) |
            (field(p, 4, 3) << 7) |
            (bit(p, 2) << 5),
          10,
        );
        return imm === 0 ? -1 : encodeI(ADDI, SP, SP, imm);
      }
      return imm6 === 0 ? -1 : encodeU(LUI, rd, imm6);
    }
    case 12:
      switch (field(p, 11, 10)) {
        case 0:
          return encodeI(SRLI, rs1P, rs1P, uimm6);
        case 1:
          return encodeI(SRAI, rs1P, rs1P, uimm6);
        case 2:
          return encodeI(ANDI, rs1P, rs1P, imm6);
        default: {
          const ops = bit(p, 12) ? [SUBW, ADDW, -1, -1] : [SUB, XOR, OR, AND];
          const match = ops[field(p, 6, 5)];
          return match === -1 ? -1 : encodeR(match, rs1P, rs1P, rdP);
        }
      }
    case 13:
      return encodeJ(JAL, 0, cjOffset(p));
    case 14:
      return encodeB(BEQ, rs1P, 0, cbOffset(p));
    case 15:
      return encodeB(BNE, rs1P, 0, cbOffset(p));
    case 16:
      return encodeI(SLLI, rd, rd, uimm6);
    case 17:
      return encodeI(FLD, rd, SP, dSpOffset);
    case 18:
      return rd === 0
        ? -1
        : encodeI(LW, rd, SP, (bit(p, 12) << 5) | (field(p, 6, 4) << 2) | (field(p, 3, 2) << 6));
    case 19:
      return rd === 0 ? -1 : encodeI(LD, rd, SP, dSpOffset);
    case 20:
      if (!bit(p, 12)) {
        if (rs2 !== 0) return encodeR(ADD, rd, 0, rs2);
        return rd === 0 ? -1 : encodeI(JALR, 0, rd, 0);
      }
      if (rs2 !== 0) return encodeR(ADD, rd, rd, rs2);
      return rd === 0 ? EBREAK : encodeI(JALR, RA, rd, 0);
    case 21:
      return encodeS(FSD, SP, rs2, dSpStore);
    case 22:
      return encodeS(SW, SP, rs2, (field(p, 12, 9) << 2) | (field(p, 8, 7) << 6));
    case 23:
      return encodeS(SD, SP, rs2, dSpStore);
    default:
      return -1;
  }
}

/** True when register `r` is one of x8..x15, the registers 3-bit RVC fields name. */
export const isCReg = (r: number): boolean => r >= 8 && r <= 15;

function ciw(funct3: number, rdP: number, u: number): number {
  return (
    (funct3 << 13) |
    (field(u, 5, 4) << 11) |
    (field(u, 9, 6) << 7) |
    (bit(u, 2) << 6) |
    (bit(u, 3) << 5) |
    ((rdP - 8) << 2)
  );
}

function ci(quadrant: number, funct3: number, rd: number, imm: number): number {
  return (funct3 << 13) | (bit(imm, 5) << 12) | (rd << 7) | ((imm & 31) << 2) | quadrant;
}

/** CL/CS formats: 3-bit registers, offset bits 5:3 at 12:10 and the scaled rest at 6:5. */
function clcs(funct3: number, rs1: number, r: number, offset: number, size: 4 | 8): number {
  const low = size === 4 ? (bit(offset, 2) << 6) | (bit(offset, 6) << 5) : field(offset, 7, 6) << 5;
  return (funct3 << 13) | (field(offset, 5, 3) << 10) | ((rs1 - 8) << 7) | low | ((r - 8) << 2);
}

function fitsScaled(offset: number, size: number, bits: number): boolean {
  return offset >= 0 && offset % size === 0 && offset < 2 ** bits;
}

function compressLoad(rd: number, rs1: number, imm: number, size: 4 | 8): number {
  if (isCReg(rd) && isCReg(rs1) && fitsScaled(imm, size, size === 4 ? 7 : 8)) {
    return clcs(size === 4 ? 2 : 3, rs1, rd, imm, size);
  }
  if (rs1 === SP && rd !== 0 && fitsScaled(imm, size, size === 4 ? 8 : 9)) {
    const high = size === 4 ? field(imm, 4, 2) << 4 : field(imm, 4, 3) << 5;
    const low = size === 4 ? field(imm, 7, 6) << 2 : field(imm, 8, 6) << 2;
    return ((size === 4 ? 2 : 3) << 13) | (bit(imm, 5) << 12) | (rd << 7) | high | low | 2;
  }
  return -1;
}

function compressStore(rs1: number, rs2: number, imm: number, size: 4 | 8): number {
  if (isCReg(rs2) && isCReg(rs1) && fitsScaled(imm, size, size === 4 ? 7 : 8)) {
    return clcs(size === 4 ? 6 : 7, rs1, rs2, imm, size);
  }
  if (rs1 === SP && fitsScaled(imm, size, size === 4 ? 8 : 9)) {
    const offset =
      size === 4
        ? (field(imm, 5, 2) << 9) | (field(imm, 7, 6) << 7)
        : (field(imm, 5, 3) << 10) | (field(imm, 8, 6) << 7);
    return ((size === 4 ? 6 : 7) << 13) | offset | (rs2 << 2) | 2;
  }
  return -1;
}

function compressAddi(rd: number, rs1: number, imm: number): number {
  if (isCReg(rd) && rs1 === SP && imm > 0 && imm % 4 === 0 && imm < 1024) return ciw(0, rd, imm);
  if (rd !== 0 && rd === rs1 && imm !== 0 && fitsSigned(imm, 6)) return ci(1, 0, rd, imm);
  if (rd === 0 && rs1 === 0 && imm === 0) return 1;
  if (rd === SP && rs1 === SP && imm !== 0 && imm % 16 === 0 && fitsSigned(imm, 10)) {
    return (
      (3 << 13) |
      (bit(imm, 9) << 12) |
      (SP << 7) |
      (bit(imm, 4) << 6) |
      (bit(imm, 6) << 5) |
      (field(imm, 8, 7) << 3) |
      (bit(imm, 5) << 2) |
      1
    );
  }
  if (rs1 === 0 && rd !== 0 && fitsSigned(imm, 6)) return ci(1, 2, rd, imm);
  if (imm === 0 && rd !== 0 && rs1 !== 0) return (4 << 13) | (rd << 7) | (rs1 << 2) | 2;
  return -1;
}

function ca(rd: number, rs2: number, funct6: number, funct2: number): number {
  return (funct6 << 10) | ((rd - 8) << 7) | (funct2 << 5) | ((rs2 - 8) << 2) | 1;
}

/** CA-format arithmetic `rd = rd op rs2`; `commutes` also accepts `rd = rs1 op rd`. */
function compressArith(
  rd: number,
  rs1: number,
  rs2: number,
  funct6: number,
  funct2: number,
  commutes: boolean,
): number {
  if (!isCReg(rd)) return -1;
  if (rd === rs1 && isCReg(rs2)) return ca(rd, rs2, funct6, funct2);
  if (commutes && rd === rs2 && isCReg(rs1)) return ca(rd, rs1, funct6, funct2);
  return -1;
}

function shiftRight(rd: number, rs1: number, shamt: number, funct2: number): number {
  if (!isCReg(rd) || rd !== rs1 || shamt === 0) return -1;
  return (
    (4 << 13) | (bit(shamt, 5) << 12) | (funct2 << 10) | ((rd - 8) << 7) | ((shamt & 31) << 2) | 1
  );
}

/**
 * The 16-bit parcel GNU as (`-march=rv64gc`) emits for the 32-bit
 * instruction `word`, or -1 when it keeps the 32-bit form. Branches and
 * jumps to labels are chosen by the assembler's relaxation instead.
 */
export function compressInstruction(word: number): number {
  const opcode = word & 0x7f;
  const funct3 = (word >>> 12) & 7;
  const rd = (word >>> 7) & 31;
  const rs1 = (word >>> 15) & 31;
  const rs2 = (word >>> 20) & 31;
  const imm = word >> 20;
  const funct7 = word >>> 25;
  switch (opcode) {
    case 0x13:
      if (funct3 === 0) return compressAddi(rd, rs1, imm);
      if (funct3 === 1 && rd !== 0 && rd === rs1 && imm !== 0) return ci(2, 0, rd, imm);
      if (funct3 === 5) return shiftRight(rd, rs1, imm & 63, funct7 >>> 5);
      if (funct3 === 7 && isCReg(rd) && rd === rs1 && fitsSigned(imm, 6)) {
        return (
          (4 << 13) | (bit(imm, 5) << 12) | (2 << 10) | ((rd - 8) << 7) | ((imm & 31) << 2) | 1
        );
      }
      return -1;
    case 0x1b:
      return funct3 === 0 && rd !== 0 && rd === rs1 && fitsSigned(imm, 6) ? ci(1, 1, rd, imm) : -1;
    case 0x33:
      if (funct7 === 0 && funct3 === 0) {
        if (rd === 0) return -1;
        if (rd === rs1 && rs2 !== 0) return (9 << 12) | (rd << 7) | (rs2 << 2) | 2;
        if (rd === rs2 && rs1 !== 0) return (9 << 12) | (rd << 7) | (rs1 << 2) | 2;
        if (rs1 === 0 && rs2 !== 0) return (4 << 13) | (rd << 7) | (rs2 << 2) | 2;
        return -1;
      }
      if (funct7 === 0x20 && funct3 === 0) return compressArith(rd, rs1, rs2, 0x23, 0, false);
      if (funct7 === 0 && funct3 === 4) return compressArith(rd, rs1, rs2, 0x23, 1, true);
      if (funct7 === 0 && funct3 === 6) return compressArith(rd, rs1, rs2, 0x23, 2, true);
      if (funct7 === 0 && funct3 === 7) return compressArith(rd, rs1, rs2, 0x23, 3, true);
      return -1;
    case 0x3b:
      if (funct7 === 0x20 && funct3 === 0) return compressArith(rd, rs1, rs2, 0x27, 0, false);
      if (funct7 === 0 && funct3 === 0) return compressArith(rd, rs1, rs2, 0x27, 1, true);
      return -1;
    case 0x03:
      if (funct3 === 2) return compressLoad(rd, rs1, imm, 4);
      if (funct3 === 3) return compressLoad(rd, rs1, imm, 8);
      return -1;
    case 0x23: {
      const offset = ((funct7 << 25) >> 20) | rd;
      if (funct3 === 2) return compressStore(rs1, rs2, offset, 4);
      if (funct3 === 3) return compressStore(rs1, rs2, offset, 8);
      return -1;
    }
    case 0x37: {
      const value = word >>> 12;
      if (rd === 0 || rd === SP || value === 0 || (value > 0x1f && value < 0xfffe0)) return -1;
      return ci(1, 3, rd, value & 63);
    }
    case 0x67:
      if (funct3 !== 0 || imm !== 0 || rs1 === 0) return -1;
      if (rd === 0) return (8 << 12) | (rs1 << 7) | 2;
      if (rd === RA) return (9 << 12) | (rs1 << 7) | 2;
      return -1;
    case 0x73:
      return word === EBREAK ? 0x9002 : -1;
    default:
      return -1;
  }
}

/** c.j with a 12-bit offset (the caller checks the range). */
export function encodeCJ(offset: number): number {
  return (
    (5 << 13) |
    (bit(offset, 11) << 12) |
    (bit(offset, 4) << 11) |
    (field(offset, 9, 8) << 9) |
    (bit(offset, 10) << 8) |
    (bit(offset, 6) << 7) |
    (bit(offset, 7) << 6) |
    (field(offset, 3, 1) << 3) |
    (bit(offset, 5) << 2) |
    1
  );
}

/** c.beqz (`bnez` false) or c.bnez on x8..x15 with a 9-bit offset. */
export function encodeCB(bnez: boolean, rs1: number, offset: number): number {
  return (
    ((bnez ? 7 : 6) << 13) |
    (bit(offset, 8) << 12) |
    (field(offset, 4, 3) << 10) |
    ((rs1 - 8) << 7) |
    (field(offset, 7, 6) << 5) |
    (field(offset, 2, 1) << 3) |
    (bit(offset, 5) << 2) |
    1
  );
}
