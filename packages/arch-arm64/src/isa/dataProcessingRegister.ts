/**
 * Data processing (register): logical and ADD/SUB (shifted register),
 * ADD/SUB (extended register), the one-, two- and three-source groups
 * ADC/SBC, conditional compare and conditional select (Arm ARM C4.1.87), with the aliases objdump
 * prints (MOV, MVN, TST, CMP, CMN, NEG, NEGS, LSL…, MUL, MNEG, CSET,
 * CSETM, CINC, CINV, CNEG, NGC).
 *
 * @module
 */
import { conditionNames } from './conditions';
import { type Encoding, u32 } from './encoding';
import { field, hexImm } from './fields';
import { type Arm64Insn, makeInsn, Op } from './insn';
import { reg, regName, SP, ZR } from './registers';

/** Shift names in ShiftType order. */
export const shiftNames: readonly string[] = ['lsl', 'lsr', 'asr', 'ror'];
/** Extend names in option order. */
export const extendNames: readonly string[] = [
  'uxtb',
  'uxth',
  'uxtw',
  'uxtx',
  'sxtb',
  'sxth',
  'sxtw',
  'sxtx',
];

/** Encodes a logical (shifted register) instruction; `opc` 0..3 = AND, ORR, EOR, ANDS, `n` inverts Rm. */
export function encodeLogicalShifted(
  sf: number,
  opc: number,
  n: number,
  shift: number,
  amount: number,
  rm: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) |
      (opc << 29) |
      0x0a000000 |
      (shift << 22) |
      (n << 21) |
      (rm << 16) |
      (amount << 10) |
      (rn << 5) |
      rd,
  );
}

/** Encodes ADD/SUB/ADDS/SUBS (shifted register). */
export function encodeAddSubShifted(
  sf: number,
  sub: number,
  setFlags: number,
  shift: number,
  amount: number,
  rm: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) |
      (sub << 30) |
      (setFlags << 29) |
      0x0b000000 |
      (shift << 22) |
      (rm << 16) |
      (amount << 10) |
      (rn << 5) |
      rd,
  );
}

/** Encodes ADD/SUB/ADDS/SUBS (extended register). */
export function encodeAddSubExtended(
  sf: number,
  sub: number,
  setFlags: number,
  option: number,
  amount: number,
  rm: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) |
      (sub << 30) |
      (setFlags << 29) |
      0x0b200000 |
      (rm << 16) |
      (option << 13) |
      (amount << 10) |
      (rn << 5) |
      rd,
  );
}

/** Encodes a one-source instruction (RBIT, REV16, REV32/REV, REV, CLZ, CLS by opcode). */
export function encodeDataProc1(sf: number, opcode: number, rn: number, rd: number): number {
  return u32((sf << 31) | 0x5ac00000 | (opcode << 10) | (rn << 5) | rd);
}

/** Encodes a two-source instruction (UDIV, SDIV, LSLV, LSRV, ASRV, RORV by opcode). */
export function encodeDataProc2(
  sf: number,
  opcode: number,
  rm: number,
  rn: number,
  rd: number,
): number {
  return u32((sf << 31) | 0x1ac00000 | (rm << 16) | (opcode << 10) | (rn << 5) | rd);
}

/** Encodes a three-source instruction (`op31`:`o0` = MADD 0:0, MSUB 0:1, SMADDL 1:0, SMSUBL 1:1, SMULH 2:0, UMADDL 5:0, UMSUBL 5:1, UMULH 6:0). */
export function encodeDataProc3(
  sf: number,
  op31: number,
  o0: number,
  rm: number,
  ra: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) | 0x1b000000 | (op31 << 21) | (rm << 16) | (o0 << 15) | (ra << 10) | (rn << 5) | rd,
  );
}

/** Encodes CSEL (`op`:`o2` = 0:0), CSINC (0:1), CSINV (1:0), CSNEG (1:1). */
export function encodeCondSelect(
  sf: number,
  op: number,
  o2: number,
  cond: number,
  rm: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) | (op << 30) | 0x1a800000 | (rm << 16) | (cond << 12) | (o2 << 10) | (rn << 5) | rd,
  );
}

/** Encodes ADC/ADCS/SBC/SBCS. */
export function encodeAddSubCarry(
  sf: number,
  sub: number,
  setFlags: number,
  rm: number,
  rn: number,
  rd: number,
): number {
  return u32(
    (sf << 31) | (sub << 30) | (setFlags << 29) | 0x1a000000 | (rm << 16) | (rn << 5) | rd,
  );
}

/** Encodes CCMN (`sub` 0) or CCMP with a register (`immediate` 0) or a 5-bit immediate in `rmOrImm`. */
export function encodeCondCompare(
  sf: number,
  sub: number,
  immediate: number,
  rmOrImm: number,
  cond: number,
  rn: number,
  nzcv: number,
): number {
  return u32(
    (sf << 31) |
      (sub << 30) |
      0x3a400000 |
      (rmOrImm << 16) |
      (cond << 12) |
      (immediate << 11) |
      (rn << 5) |
      nzcv,
  );
}

function shiftSuffix(insn: Arm64Insn): string {
  return insn.shift === 0 && insn.amount === 0 ? '' : `, ${shiftNames[insn.shift]} #${insn.amount}`;
}

const logicalShiftedNames = ['and', 'orr', 'eor', 'ands', 'bic', 'orn', 'eon', 'bics'];

const logicalShifted: Encoding = {
  mask: 0x1f000000,
  match: 0x0a000000,
  decode(w) {
    const sf = w >>> 31;
    const amount = field(w, 10, 6);
    if (sf === 0 && amount >= 32) return undefined;
    const opc = field(w, 29, 2);
    return makeInsn(Op.LogicalShifted, w, {
      sf,
      variant: opc | (field(w, 21, 1) << 2),
      setFlags: opc === 3 ? 1 : 0,
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
      rm: reg(field(w, 16, 5), false),
      shift: field(w, 22, 2),
      amount,
    });
  },
  print(insn) {
    const rd = regName(insn.rd, insn.sf);
    const rn = regName(insn.rn, insn.sf);
    const rm = regName(insn.rm, insn.sf) + shiftSuffix(insn);
    if (insn.variant === 1 && insn.rn === ZR && insn.shift === 0 && insn.amount === 0) {
      return `mov ${rd}, ${rm}`;
    }
    if (insn.variant === 5 && insn.rn === ZR) return `mvn ${rd}, ${rm}`;
    if (insn.variant === 3 && insn.rd === ZR) return `tst ${rn}, ${rm}`;
    return `${logicalShiftedNames[insn.variant]} ${rd}, ${rn}, ${rm}`;
  },
};

const addSubShifted: Encoding = {
  mask: 0x1f200000,
  match: 0x0b000000,
  decode(w) {
    const sf = w >>> 31;
    const amount = field(w, 10, 6);
    const shift = field(w, 22, 2);
    if (shift === 3 || (sf === 0 && amount >= 32)) return undefined;
    return makeInsn(Op.AddSubShifted, w, {
      sf,
      variant: field(w, 30, 1),
      setFlags: field(w, 29, 1),
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
      rm: reg(field(w, 16, 5), false),
      shift,
      amount,
    });
  },
  print(insn) {
    const rd = regName(insn.rd, insn.sf);
    const rn = regName(insn.rn, insn.sf);
    const rm = regName(insn.rm, insn.sf) + shiftSuffix(insn);
    const sub = insn.variant === 1;
    if (insn.setFlags && insn.rd === ZR) return `${sub ? 'cmp' : 'cmn'} ${rn}, ${rm}`;
    if (sub && insn.rn === ZR) return `${insn.setFlags ? 'negs' : 'neg'} ${rd}, ${rm}`;
    return `${sub ? 'sub' : 'add'}${insn.setFlags ? 's' : ''} ${rd}, ${rn}, ${rm}`;
  },
};

const addSubExtended: Encoding = {
  mask: 0x1fe00000,
  match: 0x0b200000,
  decode(w) {
    const amount = field(w, 10, 3);
    if (amount > 4) return undefined;
    const s = field(w, 29, 1);
    return makeInsn(Op.AddSubExtended, w, {
      sf: w >>> 31,
      variant: field(w, 30, 1),
      setFlags: s,
      rd: reg(w & 31, s === 0),
      rn: reg(field(w, 5, 5), true),
      rm: reg(field(w, 16, 5), false),
      shift: field(w, 13, 3),
      amount,
    });
  },
  print(insn) {
    const { sf, shift: option, amount } = insn;
    const rd = regName(insn.rd, sf);
    const rn = regName(insn.rn, sf);
    const rm = regName(insn.rm, sf && (option & 3) === 3);
    const spForm = insn.rd === SP || insn.rn === SP;
    let ext: string;
    if (spForm && option === (sf ? 3 : 2)) ext = amount ? `, lsl #${amount}` : '';
    else ext = `, ${extendNames[option]}${amount ? ` #${amount}` : ''}`;
    const sub = insn.variant === 1;
    if (insn.setFlags && insn.rd === ZR) return `${sub ? 'cmp' : 'cmn'} ${rn}, ${rm}${ext}`;
    return `${sub ? 'sub' : 'add'}${insn.setFlags ? 's' : ''} ${rd}, ${rn}, ${rm}${ext}`;
  },
};

const dataProc1Names = ['rbit', 'rev16', 'rev32', 'rev', 'clz', 'cls'];

const dataProc1: Encoding = {
  mask: 0x7fff0000,
  match: 0x5ac00000,
  decode(w) {
    const sf = w >>> 31;
    const opcode = field(w, 10, 6);
    if (opcode > 5 || (sf === 0 && opcode === 3)) return undefined;
    return makeInsn(Op.DataProc1, w, {
      sf,
      variant: opcode,
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
    });
  },
  print(insn) {
    const name = insn.sf === 0 && insn.variant === 2 ? 'rev' : dataProc1Names[insn.variant];
    return `${name} ${regName(insn.rd, insn.sf)}, ${regName(insn.rn, insn.sf)}`;
  },
};

const dataProc2Names: Readonly<Record<number, string>> = {
  2: 'udiv',
  3: 'sdiv',
  8: 'lsl',
  9: 'lsr',
  10: 'asr',
  11: 'ror',
};

const dataProc2: Encoding = {
  mask: 0x7fe00000,
  match: 0x1ac00000,
  decode(w) {
    const opcode = field(w, 10, 6);
    if (dataProc2Names[opcode] === undefined) return undefined;
    return makeInsn(Op.DataProc2, w, {
      sf: w >>> 31,
      variant: opcode,
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
      rm: reg(field(w, 16, 5), false),
    });
  },
  print(insn) {
    const sf = insn.sf;
    return `${dataProc2Names[insn.variant]} ${regName(insn.rd, sf)}, ${regName(insn.rn, sf)}, ${regName(insn.rm, sf)}`;
  },
};

/** The widening multiply-accumulate mnemonics and their Ra = ZR aliases, in variant order 4..7. */
const wideningNames = [
  ['smaddl', 'smull'],
  ['smsubl', 'smnegl'],
  ['umaddl', 'umull'],
  ['umsubl', 'umnegl'],
];

const dataProc3: Encoding = {
  mask: 0x7f000000,
  match: 0x1b000000,
  decode(w) {
    const sf = w >>> 31;
    const op31 = field(w, 21, 3);
    const o0 = field(w, 15, 1);
    let variant: number;
    if (op31 === 0) variant = o0;
    else if (sf === 1 && o0 === 0 && (op31 === 2 || op31 === 6)) variant = op31 === 2 ? 2 : 3;
    else if (sf === 1 && (op31 === 1 || op31 === 5)) variant = 4 + (op31 === 5 ? 2 : 0) + o0;
    else return undefined;
    return makeInsn(Op.DataProc3, w, {
      sf,
      variant,
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
      rm: reg(field(w, 16, 5), false),
      ra: reg(field(w, 10, 5), false),
    });
  },
  print(insn) {
    const sf = insn.sf;
    if (insn.variant >= 4) {
      const name = wideningNames[insn.variant - 4];
      const ops = `${regName(insn.rd, 1)}, ${regName(insn.rn, 0)}, ${regName(insn.rm, 0)}`;
      return insn.ra === ZR ? `${name[1]} ${ops}` : `${name[0]} ${ops}, ${regName(insn.ra, 1)}`;
    }
    const ops = `${regName(insn.rd, sf)}, ${regName(insn.rn, sf)}, ${regName(insn.rm, sf)}`;
    switch (insn.variant) {
      case 0:
        return insn.ra === ZR ? `mul ${ops}` : `madd ${ops}, ${regName(insn.ra, sf)}`;
      case 1:
        return insn.ra === ZR ? `mneg ${ops}` : `msub ${ops}, ${regName(insn.ra, sf)}`;
      case 2:
        return `smulh ${ops}`;
      default:
        return `umulh ${ops}`;
    }
  },
};

const addSubCarry: Encoding = {
  mask: 0x1fe0fc00,
  match: 0x1a000000,
  decode(w) {
    return makeInsn(Op.AddSubCarry, w, {
      sf: w >>> 31,
      variant: field(w, 30, 1),
      setFlags: field(w, 29, 1),
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
      rm: reg(field(w, 16, 5), false),
    });
  },
  print(insn) {
    const { sf } = insn;
    const s = insn.setFlags ? 's' : '';
    const rd = regName(insn.rd, sf);
    const rm = regName(insn.rm, sf);
    if (insn.variant && insn.rn === ZR) return `ngc${s} ${rd}, ${rm}`;
    return `${insn.variant ? 'sbc' : 'adc'}${s} ${rd}, ${regName(insn.rn, sf)}, ${rm}`;
  },
};

const condCompare: Encoding = {
  mask: 0x3fe00410,
  match: 0x3a400000,
  decode(w) {
    const immediate = field(w, 11, 1);
    return makeInsn(Op.CondCompare, w, {
      sf: w >>> 31,
      variant: field(w, 30, 1),
      setFlags: 1,
      rn: reg(field(w, 5, 5), false),
      rm: immediate ? 0 : reg(field(w, 16, 5), false),
      imm: immediate ? field(w, 16, 5) : 0,
      mode: immediate,
      imm2: w & 15,
      cond: field(w, 12, 4),
    });
  },
  print(insn) {
    const { sf } = insn;
    const operand = insn.mode ? `#${hexImm(insn.imm)}` : regName(insn.rm, sf);
    const name = insn.variant ? 'ccmp' : 'ccmn';
    return `${name} ${regName(insn.rn, sf)}, ${operand}, #${hexImm(insn.imm2)}, ${conditionNames[insn.cond]}`;
  },
};

const condSelectNames = ['csel', 'csinc', 'csinv', 'csneg'];

const condSelect: Encoding = {
  mask: 0x3fe00800,
  match: 0x1a800000,
  decode(w) {
    return makeInsn(Op.CondSelect, w, {
      sf: w >>> 31,
      variant: (field(w, 30, 1) << 1) | field(w, 10, 1),
      cond: field(w, 12, 4),
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), false),
      rm: reg(field(w, 16, 5), false),
    });
  },
  print(insn) {
    const { sf, variant, cond } = insn;
    const rd = regName(insn.rd, sf);
    const rn = regName(insn.rn, sf);
    const inverted = conditionNames[cond ^ 1];
    if (variant !== 0 && cond < 14) {
      if (variant !== 3 && insn.rn === ZR && insn.rm === ZR) {
        return `${variant === 1 ? 'cset' : 'csetm'} ${rd}, ${inverted}`;
      }
      if (insn.rn === insn.rm && (variant === 3 || insn.rn !== ZR)) {
        return `${['', 'cinc', 'cinv', 'cneg'][variant]} ${rd}, ${rn}, ${inverted}`;
      }
    }
    return `${condSelectNames[variant]} ${rd}, ${rn}, ${regName(insn.rm, sf)}, ${conditionNames[cond]}`;
  },
};

/** The decode-table rows of this group. */
export const dataProcessingRegisterEncodings: readonly Encoding[] = [
  logicalShifted,
  addSubShifted,
  addSubExtended,
  dataProc1,
  dataProc2,
  dataProc3,
  condSelect,
  addSubCarry,
  condCompare,
];
