/**
 * Data processing (immediate): ADR/ADRP, ADD/SUB (immediate), logical
 * (immediate), move wide, bitfield and EXTR (Arm ARM C4.1.86), with the
 * aliases objdump prints (MOV, CMP, CMN, TST, LSL, LSR, ASR, ROR, the
 * bitfield extract/insert and extend aliases).
 *
 * @module
 */
import { decodeBitMasks } from './bitmaskImmediate';
import { type Encoding, u32 } from './encoding';
import { field, hexAddress, hexImm, signExtend } from './fields';
import { type Arm64Insn, makeInsn, Op } from './insn';
import { reg, regName, SP, ZR } from './registers';

function lo32(v: bigint): number {
  return Number(v & 0xffffffffn);
}

function hi32(v: bigint): number {
  return Number((v >> 32n) & 0xffffffffn);
}

/** The 64-bit value held as `imm`/`immHi`. */
function wideImm(insn: Arm64Insn): bigint {
  return (BigInt(insn.immHi) << 32n) | BigInt(insn.imm >>> 0);
}

/** Encodes ADR (`page` false) or ADRP with a byte (ADR) or page (ADRP) offset. */
export function encodeAdr(page: boolean, offset: number, rd: number): number {
  const imm = offset & 0x1fffff;
  return u32(((page ? 1 : 0) << 31) | ((imm & 3) << 29) | 0x10000000 | ((imm >> 2) << 5) | rd);
}

/** Encodes ADD/SUB/ADDS/SUBS (immediate). */
export function encodeAddSubImmediate(
  sf: number,
  sub: number,
  setFlags: number,
  shift12: number,
  imm12: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) |
      (sub << 30) |
      (setFlags << 29) |
      0x11000000 |
      (shift12 << 22) |
      (imm12 << 10) |
      (rn << 5) |
      rd,
  );
}

/** Encodes AND/ORR/EOR/ANDS (immediate) from the bitmask fields. */
export function encodeLogicalImmediate(
  sf: number,
  opc: number,
  n: number,
  immr: number,
  imms: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) |
      (opc << 29) |
      0x12000000 |
      (n << 22) |
      (immr << 16) |
      (imms << 10) |
      (rn << 5) |
      rd,
  );
}

/** Encodes MOVN (opc 0), MOVZ (2) or MOVK (3). */
export function encodeMoveWide(
  sf: number,
  opc: number,
  hw: number,
  imm16: number,
  rd: number,
): number {
  return u32((sf << 31) | (opc << 29) | 0x12800000 | (hw << 21) | (imm16 << 5) | rd);
}

/** Encodes SBFM (opc 0), BFM (1) or UBFM (2). */
export function encodeBitfield(
  sf: number,
  opc: number,
  immr: number,
  imms: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) |
      (opc << 29) |
      0x13000000 |
      (sf << 22) |
      (immr << 16) |
      (imms << 10) |
      (rn << 5) |
      rd,
  );
}

/** Encodes EXTR. */
export function encodeExtract(sf: number, rm: number, lsb: number, rn: number, rd: number): number {
  return u32((sf << 31) | 0x13800000 | (sf << 22) | (rm << 16) | (lsb << 10) | (rn << 5) | rd);
}

/**
 * MoveWidePreferred (Arm ARM J1.1.3): true when MOVZ or MOVN can build
 * the bitmask immediate, in which case the ORR is not printed as MOV.
 */
function moveWidePreferred(sf: number, n: number, imms: number, immr: number): boolean {
  const width = sf ? 64 : 32;
  if (sf === 1 && n !== 1) return false;
  if (sf === 0 && (n !== 0 || imms & 0x20)) return false;
  if (imms < 16) return (-immr & 15) <= 15 - imms;
  if (imms >= width - 15) return immr % 16 <= imms - (width - 15);
  return false;
}

/** BFXPreferred (Arm ARM J1.1.3): whether UBFX/SBFX is the preferred disassembly. */
function bfxPreferred(sf: number, unsigned: boolean, imms: number, immr: number): boolean {
  if (imms < immr) return false;
  if (imms === (sf ? 63 : 31)) return false;
  if (immr === 0) {
    if (sf === 0 && (imms === 7 || imms === 15)) return false;
    if (sf === 1 && !unsigned && (imms === 7 || imms === 15 || imms === 31)) return false;
  }
  return true;
}

const adr: Encoding = {
  mask: 0x1f000000,
  match: 0x10000000,
  decode(w) {
    const imm = signExtend((field(w, 5, 19) << 2) | field(w, 29, 2), 21);
    const page = w >>> 31;
    return makeInsn(page ? Op.Adrp : Op.Adr, w, {
      sf: 1,
      rd: reg(w & 31, false),
      imm: page ? imm * 4096 : imm,
    });
  },
  print(insn, pc) {
    if (insn.op === Op.Adr)
      return `adr ${regName(insn.rd, 1)}, ${hexAddress(pc + BigInt(insn.imm))}`;
    return `adrp ${regName(insn.rd, 1)}, ${hexAddress((pc & ~0xfffn) + BigInt(insn.imm))}`;
  },
};

const addSubImmediate: Encoding = {
  mask: 0x1f800000,
  match: 0x11000000,
  decode(w) {
    const s = field(w, 29, 1);
    return makeInsn(Op.AddSubImm, w, {
      sf: w >>> 31,
      variant: field(w, 30, 1),
      setFlags: s,
      rd: reg(w & 31, s === 0),
      rn: reg(field(w, 5, 5), true),
      imm: field(w, 10, 12) << (field(w, 22, 1) * 12),
    });
  },
  print(insn) {
    const w = insn.word;
    const imm12 = field(w, 10, 12);
    const sh = field(w, 22, 1);
    const name = (insn.variant ? 'sub' : 'add') + (insn.setFlags ? 's' : '');
    const rn = regName(insn.rn, insn.sf);
    const tail = `#${hexImm(imm12)}${sh ? ', lsl #12' : ''}`;
    if (insn.setFlags && insn.rd === ZR) return `${insn.variant ? 'cmp' : 'cmn'} ${rn}, ${tail}`;
    if (
      !insn.variant &&
      !insn.setFlags &&
      sh === 0 &&
      imm12 === 0 &&
      (insn.rd === SP || insn.rn === SP)
    ) {
      return `mov ${regName(insn.rd, insn.sf)}, ${rn}`;
    }
    return `${name} ${regName(insn.rd, insn.sf)}, ${rn}, ${tail}`;
  },
};

const logicalNames = ['and', 'orr', 'eor', 'ands'];

const logicalImmediate: Encoding = {
  mask: 0x1f800000,
  match: 0x12000000,
  decode(w) {
    const sf = w >>> 31;
    const n = field(w, 22, 1);
    if (sf === 0 && n === 1) return undefined;
    const masks = decodeBitMasks(n, field(w, 10, 6), field(w, 16, 6), true, sf ? 64 : 32);
    if (!masks) return undefined;
    const opc = field(w, 29, 2);
    return makeInsn(Op.LogicalImm, w, {
      sf,
      variant: opc,
      setFlags: opc === 3 ? 1 : 0,
      rd: reg(w & 31, opc !== 3),
      rn: reg(field(w, 5, 5), false),
      imm: lo32(masks.wmask),
      immHi: hi32(masks.wmask),
    });
  },
  print(insn) {
    const w = insn.word;
    const imm = `#${hexImm(wideImm(insn))}`;
    const rd = regName(insn.rd, insn.sf);
    const rn = regName(insn.rn, insn.sf);
    if (insn.variant === 1 && insn.rn === ZR) {
      // MOVZ/MOVN cannot write SP, so an ORR to SP is always printed as MOV.
      if (
        insn.rd === SP ||
        !moveWidePreferred(insn.sf, field(w, 22, 1), field(w, 10, 6), field(w, 16, 6))
      ) {
        return `mov ${rd}, ${imm}`;
      }
    }
    if (insn.variant === 3 && insn.rd === ZR) return `tst ${rn}, ${imm}`;
    return `${logicalNames[insn.variant]} ${rd}, ${rn}, ${imm}`;
  },
};

const moveWide: Encoding = {
  mask: 0x1f800000,
  match: 0x12800000,
  decode(w) {
    const sf = w >>> 31;
    const opc = field(w, 29, 2);
    const hw = field(w, 21, 2);
    if (opc === 1 || (sf === 0 && hw >= 2)) return undefined;
    return makeInsn(Op.MoveWide, w, {
      sf,
      variant: opc,
      rd: reg(w & 31, false),
      imm: field(w, 5, 16),
      amount: hw * 16,
    });
  },
  print(insn) {
    const rd = regName(insn.rd, insn.sf);
    const imm = insn.imm;
    const shifted = BigInt(imm) << BigInt(insn.amount);
    const lsl = insn.amount ? `, lsl #${insn.amount}` : '';
    const canAlias = !(imm === 0 && insn.amount !== 0);
    if (insn.variant === 2 && canAlias) return `mov ${rd}, #${hexImm(shifted)}`;
    if (insn.variant === 0 && canAlias && !(insn.sf === 0 && imm === 0xffff)) {
      return `mov ${rd}, #${hexImm(BigInt.asUintN(insn.sf ? 64 : 32, ~shifted))}`;
    }
    return `${['movn', '', 'movz', 'movk'][insn.variant]} ${rd}, #${hexImm(imm)}${lsl}`;
  },
};

const bitfield: Encoding = {
  mask: 0x1f800000,
  match: 0x13000000,
  decode(w) {
    const sf = w >>> 31;
    const opc = field(w, 29, 2);
    const n = field(w, 22, 1);
    const immr = field(w, 16, 6);
    const imms = field(w, 10, 6);
    if (opc === 3 || n !== sf || (sf === 0 && (immr >= 32 || imms >= 32))) return undefined;
    const masks = decodeBitMasks(n, imms, immr, false, sf ? 64 : 32);
    if (!masks) return undefined;
    return makeInsn(Op.Bitfield, w, {
      sf,
      variant: opc,
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
      amount: immr,
      shift: imms,
      imm: lo32(masks.wmask),
      immHi: hi32(masks.wmask),
      imm2: lo32(masks.tmask),
      imm2Hi: hi32(masks.tmask),
    });
  },
  print(insn) {
    const { sf, variant: opc, amount: immr, shift: imms } = insn;
    const width = sf ? 64 : 32;
    const rd = regName(insn.rd, sf);
    const rn = regName(insn.rn, sf);
    const insert = `${rd}, ${rn}, #${(width - immr) % width}, #${imms + 1}`;
    const extract = `${rd}, ${rn}, #${immr}, #${imms - immr + 1}`;
    if (opc === 1) {
      if (insn.rn === ZR && imms < immr)
        return `bfc ${rd}, #${(width - immr) % width}, #${imms + 1}`;
      return imms < immr ? `bfi ${insert}` : `bfxil ${extract}`;
    }
    const prefix = opc === 0 ? 's' : 'u';
    if (imms === width - 1) return `${opc === 0 ? 'asr' : 'lsr'} ${rd}, ${rn}, #${immr}`;
    if (opc === 2 && imms + 1 === immr) return `lsl ${rd}, ${rn}, #${width - 1 - imms}`;
    if (imms < immr) return `${prefix}bfiz ${insert}`;
    if (bfxPreferred(sf, opc === 2, imms, immr)) return `${prefix}bfx ${extract}`;
    const ext = imms === 7 ? 'b' : imms === 15 ? 'h' : 'w';
    return `${prefix}xt${ext} ${rd}, ${regName(insn.rn, 0)}`;
  },
};

const extract: Encoding = {
  mask: 0x7fa00000,
  match: 0x13800000,
  decode(w) {
    const sf = w >>> 31;
    const imms = field(w, 10, 6);
    if (field(w, 22, 1) !== sf || (sf === 0 && imms >= 32)) return undefined;
    return makeInsn(Op.Extract, w, {
      sf,
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
      rm: reg(field(w, 16, 5), false),
      amount: imms,
    });
  },
  print(insn) {
    const rd = regName(insn.rd, insn.sf);
    const rn = regName(insn.rn, insn.sf);
    if (insn.rn === insn.rm) return `ror ${rd}, ${rn}, #${insn.amount}`;
    return `extr ${rd}, ${rn}, ${regName(insn.rm, insn.sf)}, #${insn.amount}`;
  },
};

/** The decode-table rows of this group. */
export const dataProcessingImmediateEncodings: readonly Encoding[] = [
  adr,
  addSubImmediate,
  logicalImmediate,
  moveWide,
  bitfield,
  extract,
];
