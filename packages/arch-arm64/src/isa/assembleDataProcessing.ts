/**
 * Assembler encoders for the data-processing mnemonics and their aliases,
 * choosing the encodings GNU `as` chooses (MOV as MOVZ, then MOVN, then
 * ORR; ADD with a negative immediate as SUB; the extended-register form
 * when SP is an operand).
 *
 * @module
 */
import {
  type AsmContext,
  expectCount,
  gpr,
  type InstructionEncoder,
  immediate,
  isSp,
  regOperand,
  shiftAmount,
  symbolOperand,
} from './asmContext';
import { encodeBitmaskImmediate } from './bitmaskImmediate';
import { parseCondition } from './conditions';
import {
  encodeAddSubImmediate,
  encodeAdr,
  encodeBitfield,
  encodeExtract,
  encodeLogicalImmediate,
  encodeMoveWide,
} from './dataProcessingImmediate';
import {
  encodeAddSubCarry,
  encodeAddSubExtended,
  encodeAddSubShifted,
  encodeCondCompare,
  encodeCondSelect,
  encodeDataProc1,
  encodeDataProc2,
  encodeDataProc3,
  encodeLogicalShifted,
  extendNames,
  shiftNames,
} from './dataProcessingRegister';
import type { Operand } from './sourceText';

const ZR_FIELD = 31;

/** Width of the first register operand: 1 for X, 0 for W. */
function sfOf(cx: AsmContext, op: Operand | undefined): number {
  return regOperand(cx, op).reg.wide ? 1 : 0;
}

/** Value of an immediate operand, checked to fit the register width (signed or unsigned). */
function wideValue(cx: AsmContext, op: Operand, sf: number): bigint {
  if (op.kind !== 'imm' && op.kind !== 'expr')
    return cx.error(op, `expected an immediate, got '${op.text}'`);
  const v = cx.value(op);
  const width = sf ? 64n : 32n;
  if (v < -(1n << (width - 1n)) || v >= 1n << width) {
    cx.error(op, `immediate ${v} out of range for a ${width}-bit ${cx.mnemonic}`);
  }
  return BigInt.asUintN(Number(width), v);
}

/** MOVZ, then MOVN, then ORR (bitmask): GNU `as`'s order for `mov Rd, #imm`. */
function moveImmediate(cx: AsmContext, op: Operand, sf: number, rd: number, toSp: boolean): number {
  const v = wideValue(cx, op, sf);
  const width = sf ? 64 : 32;
  const mask = (1n << BigInt(width)) - 1n;
  // MOVZ/MOVN cannot write SP: only the ORR form can.
  for (const [opc, value] of toSp
    ? []
    : ([
        [2, v],
        [0, ~v & mask],
      ] as const)) {
    for (let hw = 0; hw < width / 16; hw++) {
      const shift = BigInt(hw * 16);
      if ((value & ~(0xffffn << shift)) === 0n) {
        return encodeMoveWide(sf, opc, hw, Number((value >> shift) & 0xffffn), rd);
      }
    }
  }
  const bitmask = rd === ZR_FIELD && !toSp ? undefined : encodeBitmaskImmediate(v, sf ? 64 : 32);
  if (!bitmask) cx.error(op, `immediate ${cx.value(op)} cannot be moved with a single instruction`);
  return encodeLogicalImmediate(sf, 1, bitmask.n, bitmask.immr, bitmask.imms, ZR_FIELD, rd);
}

/** Shift of a shifted-register operand: `[type, amount]`. */
function shiftOf(
  cx: AsmContext,
  op: Operand | undefined,
  sf: number,
  allowRor: boolean,
): [number, number] {
  if (!op) return [0, 0];
  if (op.kind !== 'shift') return cx.error(op, `expected a shift, got '${op.text}'`);
  const type = shiftNames.indexOf(op.name);
  if (type < 0 || (type === 3 && !allowRor))
    cx.error(op, `shift '${op.name}' not allowed for ${cx.mnemonic}`);
  if (!op.amount) cx.error(op, `missing shift amount in '${op.text}'`);
  return [type, shiftAmount(cx, op, sf ? 63 : 31)];
}

/** ADD/SUB/ADDS/SUBS with Rd (or ZR for CMP/CMN) and the operands after it. */
function addSub(
  cx: AsmContext,
  sub: number,
  setFlags: number,
  rdOp: Operand | undefined,
  rest: readonly Operand[],
): number {
  const [rnOp, op2, op3] = rest;
  const sf = sfOf(cx, rnOp);
  const immForm = op2?.kind === 'imm' || op2?.kind === 'expr';
  const extend = op3?.kind === 'shift' && extendNames.includes(op3.name);
  const spForm = immForm || extend || isSp(rnOp) || (isSp(rdOp) && !setFlags);
  const rd = rdOp ? gpr(cx, rdOp, { sp: spForm && !setFlags, wide: !!sf }) : ZR_FIELD;
  if (immForm) {
    const rn = gpr(cx, rnOp, { sp: true, wide: !!sf });
    let v = cx.value(op2);
    let shift12 = 0;
    if (op3) {
      if (op3.kind !== 'shift' || op3.name !== 'lsl')
        cx.error(op3, `expected 'lsl #0' or 'lsl #12', got '${op3.text}'`);
      const amount = shiftAmount(cx, op3, 12);
      if (amount !== 0 && amount !== 12) cx.error(op3, `shift amount ${amount} must be 0 or 12`);
      shift12 = amount / 12;
    }
    let op = sub;
    if (v < 0n) {
      v = -v;
      op ^= 1;
    }
    if (!op3 && v > 4095n && (v & 0xfffn) === 0n) {
      v >>= 12n;
      shift12 = 1;
    }
    if (v < 0n || v > 4095n)
      cx.error(op2, `immediate ${cx.value(op2)} out of range for ${cx.mnemonic}`);
    return encodeAddSubImmediate(sf, op, setFlags, shift12, Number(v), rn, rd);
  }
  const rmOp = regOperand(cx, op2);
  if (spForm) {
    const rn = gpr(cx, rnOp, { sp: true, wide: !!sf });
    let option = sf ? 3 : 2;
    let amount = 0;
    if (op3) {
      if (op3.kind !== 'shift') return cx.error(op3, `expected an extend, got '${op3.text}'`);
      if (op3.name !== 'lsl') option = extendNames.indexOf(op3.name);
      if (option < 0) cx.error(op3, `expected an extend or 'lsl', got '${op3.text}'`);
      amount = shiftAmount(cx, op3, 4);
    }
    const rm = gpr(cx, rmOp, { wide: !!(sf && (option & 3) === 3) });
    return encodeAddSubExtended(sf, sub, setFlags, option, amount, rm, rn, rd);
  }
  const rn = gpr(cx, rnOp, { wide: !!sf });
  const rm = gpr(cx, rmOp, { wide: !!sf });
  const [type, amount] = shiftOf(cx, op3, sf, false);
  return encodeAddSubShifted(sf, sub, setFlags, type, amount, rm, rn, rd);
}

function addSubEncoder(sub: number, setFlags: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3, 4);
    return addSub(cx, sub, setFlags, ops[0], ops.slice(1));
  };
}

function compareEncoder(sub: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2, 3);
    return addSub(cx, sub, 1, undefined, ops);
  };
}

function negEncoder(setFlags: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2, 3);
    const sf = sfOf(cx, ops[0]);
    const rd = gpr(cx, ops[0], { wide: !!sf });
    const rm = gpr(cx, ops[1], { wide: !!sf });
    const [type, amount] = shiftOf(cx, ops[2], sf, false);
    return encodeAddSubShifted(sf, 1, setFlags, type, amount, rm, ZR_FIELD, rd);
  };
}

/** Logical (immediate or shifted register); `n` is the invert bit of BIC/ORN/EON/BICS. */
function logical(
  cx: AsmContext,
  opc: number,
  n: number,
  rd: number,
  rnOp: Operand,
  rest: readonly Operand[],
): number {
  const sf = sfOf(cx, rnOp);
  const [op2, op3] = rest;
  if (op2?.kind === 'imm' || op2?.kind === 'expr') {
    if (n) cx.error(op2, `${cx.mnemonic} takes no immediate`);
    if (op3) cx.error(op3, `unexpected '${op3.text}'`);
    const rn = gpr(cx, rnOp, { wide: !!sf });
    const bitmask = encodeBitmaskImmediate(wideValue(cx, op2, sf), sf ? 64 : 32);
    if (!bitmask)
      cx.error(
        op2,
        `immediate ${cx.value(op2)} is not a valid bitmask immediate for ${cx.mnemonic}`,
      );
    return encodeLogicalImmediate(sf, opc, bitmask.n, bitmask.immr, bitmask.imms, rn, rd);
  }
  const rn = gpr(cx, rnOp, { wide: !!sf });
  const rm = gpr(cx, op2, { wide: !!sf });
  const [type, amount] = shiftOf(cx, op3, sf, true);
  return encodeLogicalShifted(sf, opc, n, type, amount, rm, rn, rd);
}

function logicalEncoder(opc: number, n: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3, 4);
    const sf = sfOf(cx, ops[0]);
    const immForm = ops[2]?.kind === 'imm' || ops[2]?.kind === 'expr';
    const rd = gpr(cx, ops[0], { sp: immForm && opc !== 3, wide: !!sf });
    return logical(cx, opc, n, rd, ops[1], ops.slice(2));
  };
}

const tst: InstructionEncoder = (cx, ops) => {
  expectCount(cx, ops, 2, 3);
  return logical(cx, 3, 0, ZR_FIELD, ops[0], ops.slice(1));
};

const mvn: InstructionEncoder = (cx, ops) => {
  expectCount(cx, ops, 2, 3);
  const sf = sfOf(cx, ops[0]);
  const rd = gpr(cx, ops[0], { wide: !!sf });
  const rm = gpr(cx, ops[1], { wide: !!sf });
  const [type, amount] = shiftOf(cx, ops[2], sf, true);
  return encodeLogicalShifted(sf, 1, 1, type, amount, rm, ZR_FIELD, rd);
};

const mov: InstructionEncoder = (cx, ops) => {
  expectCount(cx, ops, 2);
  const [rdOp, src] = ops;
  const sf = sfOf(cx, rdOp);
  if (src.kind === 'reg') {
    if (isSp(rdOp) || isSp(src)) {
      const rd = gpr(cx, rdOp, { sp: true, wide: !!sf });
      return encodeAddSubImmediate(sf, 0, 0, 0, 0, gpr(cx, src, { sp: true, wide: !!sf }), rd);
    }
    const rd = gpr(cx, rdOp, { wide: !!sf });
    return encodeLogicalShifted(sf, 1, 0, 0, 0, gpr(cx, src, { wide: !!sf }), ZR_FIELD, rd);
  }
  const toSp = isSp(rdOp);
  return moveImmediate(cx, src, sf, gpr(cx, rdOp, { sp: toSp, wide: !!sf }), toSp);
};

function moveWideEncoder(opc: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2, 3);
    const sf = sfOf(cx, ops[0]);
    const rd = gpr(cx, ops[0], { wide: !!sf });
    const imm16 = immediate(cx, ops[1], 0, 0xffff);
    let hw = 0;
    if (ops[2]) {
      const s = ops[2];
      if (s.kind !== 'shift' || s.name !== 'lsl')
        return cx.error(s, `expected 'lsl #n', got '${s.text}'`);
      const amount = shiftAmount(cx, s, sf ? 48 : 16);
      if (amount % 16) cx.error(s, `shift amount ${amount} must be a multiple of 16`);
      hw = amount / 16;
    }
    return encodeMoveWide(sf, opc, hw, imm16, rd);
  };
}

/** Rd and Rn of a two-register instruction of one width. */
function twoRegs(cx: AsmContext, ops: readonly Operand[]): [number, number, number] {
  const sf = sfOf(cx, ops[0]);
  return [sf, gpr(cx, ops[0], { wide: !!sf }), gpr(cx, ops[1], { wide: !!sf })];
}

/** LSL/LSR/ASR/ROR by immediate (UBFM/SBFM/EXTR) or by register (LSLV…). */
function shiftEncoder(type: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3);
    const [sf, rd, rn] = twoRegs(cx, ops);
    if (ops[2].kind === 'reg')
      return encodeDataProc2(sf, 8 + type, gpr(cx, ops[2], { wide: !!sf }), rn, rd);
    const width = sf ? 64 : 32;
    const n = immediate(cx, ops[2], 0, width - 1);
    switch (type) {
      case 0:
        return encodeBitfield(sf, 2, (width - n) % width, width - 1 - n, rn, rd);
      case 1:
        return encodeBitfield(sf, 2, n, width - 1, rn, rd);
      case 2:
        return encodeBitfield(sf, 0, n, width - 1, rn, rd);
      default:
        return encodeExtract(sf, rn, n, rn, rd);
    }
  };
}

function shiftVariableEncoder(opcode: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3);
    const [sf, rd, rn] = twoRegs(cx, ops);
    return encodeDataProc2(sf, opcode, gpr(cx, ops[2], { wide: !!sf }), rn, rd);
  };
}

/** SBFM/BFM/UBFM and the extract/insert aliases; `insert` converts lsb,width to immr,imms. */
function bitfieldEncoder(opc: number, form: 'raw' | 'extract' | 'insert'): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 4);
    const [sf, rd, rn] = twoRegs(cx, ops);
    const width = sf ? 64 : 32;
    const a = immediate(cx, ops[2], 0, width - 1);
    if (form === 'raw')
      return encodeBitfield(sf, opc, a, immediate(cx, ops[3], 0, width - 1), rn, rd);
    const w = immediate(cx, ops[3], 1, width - a);
    if (form === 'extract') return encodeBitfield(sf, opc, a, a + w - 1, rn, rd);
    return encodeBitfield(sf, opc, (width - a) % width, w - 1, rn, rd);
  };
}

/** SXTB/SXTH/SXTW/UXTB/UXTH: Rd, Wn. */
function extendEncoder(opc: number, imms: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2);
    // UXTB/UXTH write W registers only; SXTW writes X only; SXTB/SXTH either.
    const sf = opc === 2 ? 0 : imms === 31 ? 1 : sfOf(cx, ops[0]);
    const rd = gpr(cx, ops[0], { wide: sf === 1 });
    return encodeBitfield(sf, opc, 0, imms, gpr(cx, ops[1], { wide: false }), rd);
  };
}

const extr: InstructionEncoder = (cx, ops) => {
  expectCount(cx, ops, 4);
  const [sf, rd, rn] = twoRegs(cx, ops);
  const rm = gpr(cx, ops[2], { wide: !!sf });
  return encodeExtract(sf, rm, immediate(cx, ops[3], 0, sf ? 63 : 31), rn, rd);
};

function dataProc1Encoder(opcode: number, wideOnly = false): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2);
    const [sf, rd, rn] = twoRegs(cx, ops);
    if (wideOnly && !sf)
      cx.error(ops[0], `${cx.mnemonic} needs 64-bit registers, got '${ops[0].text}'`);
    return encodeDataProc1(sf, opcode === 3 && !sf ? 2 : opcode, rn, rd);
  };
}

function threeRegs(cx: AsmContext, ops: readonly Operand[]): [number, number, number, number] {
  const [sf, rd, rn] = twoRegs(cx, ops);
  return [sf, rd, rn, gpr(cx, ops[2], { wide: !!sf })];
}

function multiplyEncoder(
  op31: number,
  o0: number,
  form: 'accumulate' | 'alias' | 'high',
): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, form === 'accumulate' ? 4 : 3);
    const [sf, rd, rn, rm] = threeRegs(cx, ops);
    if (form === 'high' && !sf)
      cx.error(ops[0], `${cx.mnemonic} needs 64-bit registers, got '${ops[0].text}'`);
    const ra = form === 'accumulate' ? gpr(cx, ops[3], { wide: !!sf }) : ZR_FIELD;
    return encodeDataProc3(sf, op31, o0, rm, ra, rn, rd);
  };
}

/** SMADDL/SMSUBL/UMADDL/UMSUBL Xd, Wn, Wm, Xa and their SMULL/SMNEGL/UMULL/UMNEGL aliases. */
function wideningEncoder(op31: number, o0: number, accumulate: boolean): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, accumulate ? 4 : 3);
    const rd = gpr(cx, ops[0], { wide: true });
    const rn = gpr(cx, ops[1], { wide: false });
    const rm = gpr(cx, ops[2], { wide: false });
    const ra = accumulate ? gpr(cx, ops[3], { wide: true }) : ZR_FIELD;
    return encodeDataProc3(1, op31, o0, rm, ra, rn, rd);
  };
}

function divideEncoder(opcode: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3);
    const [sf, rd, rn, rm] = threeRegs(cx, ops);
    return encodeDataProc2(sf, opcode, rm, rn, rd);
  };
}

function condition(cx: AsmContext, op: Operand | undefined, invertible: boolean): number {
  const name = symbolOperand(cx, op, 'a condition');
  const cond = parseCondition(name);
  if (cond === undefined || (invertible && cond >= 14))
    cx.error(op, `bad condition '${name}' for ${cx.mnemonic}`);
  return cond;
}

/** ADC/ADCS/SBC/SBCS Rd, Rn, Rm and NGC/NGCS Rd, Rm (`negate`). */
function carryEncoder(sub: number, setFlags: number, negate: boolean): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, negate ? 2 : 3);
    const sf = sfOf(cx, ops[0]);
    const rd = gpr(cx, ops[0], { wide: !!sf });
    const rn = negate ? ZR_FIELD : gpr(cx, ops[1], { wide: !!sf });
    const rm = gpr(cx, ops[negate ? 1 : 2], { wide: !!sf });
    return encodeAddSubCarry(sf, sub, setFlags, rm, rn, rd);
  };
}

/** CCMP/CCMN Rn, Rm|#imm5, #nzcv, cond. */
function condCompareEncoder(sub: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 4);
    const sf = sfOf(cx, ops[0]);
    const rn = gpr(cx, ops[0], { wide: !!sf });
    const immediateForm = ops[1].kind !== 'reg';
    const operand = immediateForm ? immediate(cx, ops[1], 0, 31) : gpr(cx, ops[1], { wide: !!sf });
    const nzcv = immediate(cx, ops[2], 0, 15);
    return encodeCondCompare(
      sf,
      sub,
      immediateForm ? 1 : 0,
      operand,
      condition(cx, ops[3], false),
      rn,
      nzcv,
    );
  };
}

function condSelectEncoder(op: number, o2: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 4);
    const [sf, rd, rn, rm] = threeRegs(cx, ops);
    return encodeCondSelect(sf, op, o2, condition(cx, ops[3], false), rm, rn, rd);
  };
}

function condSetEncoder(op: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2);
    const sf = sfOf(cx, ops[0]);
    const rd = gpr(cx, ops[0], { wide: !!sf });
    return encodeCondSelect(
      sf,
      op,
      op ^ 1,
      condition(cx, ops[1], true) ^ 1,
      ZR_FIELD,
      ZR_FIELD,
      rd,
    );
  };
}

function condIncEncoder(op: number, o2: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3);
    const [sf, rd, rn] = twoRegs(cx, ops);
    return encodeCondSelect(sf, op, o2, condition(cx, ops[2], true) ^ 1, rn, rn, rd);
  };
}

function adrEncoder(page: boolean): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2);
    const rd = gpr(cx, ops[0], { wide: true });
    const target = ops[1];
    if (target.kind !== 'expr' && target.kind !== 'imm')
      return cx.error(target, `expected a label, got '${target.text}'`);
    const delta = page ? (cx.value(target) >> 12n) - (cx.pc >> 12n) : cx.value(target) - cx.pc;
    if (delta < -(1n << 20n) || delta >= 1n << 20n)
      cx.error(target, `target of ${cx.mnemonic} out of range`);
    return encodeAdr(page, Number(delta), rd);
  };
}

/** Encoders of the data-processing mnemonics. */
export const dataProcessingEncoders: Readonly<Record<string, InstructionEncoder>> = {
  add: addSubEncoder(0, 0),
  adds: addSubEncoder(0, 1),
  sub: addSubEncoder(1, 0),
  subs: addSubEncoder(1, 1),
  cmp: compareEncoder(1),
  cmn: compareEncoder(0),
  neg: negEncoder(0),
  negs: negEncoder(1),
  and: logicalEncoder(0, 0),
  orr: logicalEncoder(1, 0),
  eor: logicalEncoder(2, 0),
  ands: logicalEncoder(3, 0),
  bic: logicalEncoder(0, 1),
  orn: logicalEncoder(1, 1),
  eon: logicalEncoder(2, 1),
  bics: logicalEncoder(3, 1),
  tst,
  mvn,
  mov,
  movn: moveWideEncoder(0),
  movz: moveWideEncoder(2),
  movk: moveWideEncoder(3),
  lsl: shiftEncoder(0),
  lsr: shiftEncoder(1),
  asr: shiftEncoder(2),
  ror: shiftEncoder(3),
  lslv: shiftVariableEncoder(8),
  lsrv: shiftVariableEncoder(9),
  asrv: shiftVariableEncoder(10),
  rorv: shiftVariableEncoder(11),
  sbfm: bitfieldEncoder(0, 'raw'),
  bfm: bitfieldEncoder(1, 'raw'),
  ubfm: bitfieldEncoder(2, 'raw'),
  sbfx: bitfieldEncoder(0, 'extract'),
  bfxil: bitfieldEncoder(1, 'extract'),
  ubfx: bitfieldEncoder(2, 'extract'),
  sbfiz: bitfieldEncoder(0, 'insert'),
  bfi: bitfieldEncoder(1, 'insert'),
  ubfiz: bitfieldEncoder(2, 'insert'),
  sxtb: extendEncoder(0, 7),
  sxth: extendEncoder(0, 15),
  sxtw: extendEncoder(0, 31),
  uxtb: extendEncoder(2, 7),
  uxth: extendEncoder(2, 15),
  extr,
  rbit: dataProc1Encoder(0),
  rev16: dataProc1Encoder(1),
  rev32: dataProc1Encoder(2, true),
  rev: dataProc1Encoder(3),
  clz: dataProc1Encoder(4),
  cls: dataProc1Encoder(5),
  madd: multiplyEncoder(0, 0, 'accumulate'),
  msub: multiplyEncoder(0, 1, 'accumulate'),
  mul: multiplyEncoder(0, 0, 'alias'),
  mneg: multiplyEncoder(0, 1, 'alias'),
  smulh: multiplyEncoder(2, 0, 'high'),
  umulh: multiplyEncoder(6, 0, 'high'),
  smaddl: wideningEncoder(1, 0, true),
  smsubl: wideningEncoder(1, 1, true),
  umaddl: wideningEncoder(5, 0, true),
  umsubl: wideningEncoder(5, 1, true),
  smull: wideningEncoder(1, 0, false),
  smnegl: wideningEncoder(1, 1, false),
  umull: wideningEncoder(5, 0, false),
  umnegl: wideningEncoder(5, 1, false),
  udiv: divideEncoder(2),
  sdiv: divideEncoder(3),
  adc: carryEncoder(0, 0, false),
  adcs: carryEncoder(0, 1, false),
  sbc: carryEncoder(1, 0, false),
  sbcs: carryEncoder(1, 1, false),
  ngc: carryEncoder(1, 0, true),
  ngcs: carryEncoder(1, 1, true),
  ccmp: condCompareEncoder(1),
  ccmn: condCompareEncoder(0),
  csel: condSelectEncoder(0, 0),
  csinc: condSelectEncoder(0, 1),
  csinv: condSelectEncoder(1, 0),
  csneg: condSelectEncoder(1, 1),
  cset: condSetEncoder(0),
  csetm: condSetEncoder(1),
  cinc: condIncEncoder(0, 1),
  cinv: condIncEncoder(1, 0),
  cneg: condIncEncoder(1, 1),
  adr: adrEncoder(false),
  adrp: adrEncoder(true),
};
