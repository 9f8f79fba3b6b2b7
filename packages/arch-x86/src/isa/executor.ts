/**
 * Executes one decoded x86-64 instruction (semantics and flags per the
 * Intel SDM vol. 2 instruction pages). Flags the SDM leaves undefined are
 * computed as qemu-x86_64 computes them (AF = 0 after logic, shift and
 * multiply instructions; shift OF from the last bit shifted out for any
 * count; multiply SF/ZF/PF from the low half); DIV/IDIV leave RFLAGS
 * unchanged. Nothing is allocated: operands move through a module
 * scratch array.
 *
 * @module
 */
import {
  AccessKind,
  AtomicOp,
  ExceptionCause,
  type MemoryPort,
  vaHi,
  vaLo,
  vaWrap,
  word64 as w,
} from '@execmem/core';
import { canonicalVa } from './canonicalAddress';
import { cpuidLeaf } from './cpuid';
import { BASE_RIP, NO_REG, Op, OperandKind, type X86Insn } from './insn';
import { HIGH_BYTE } from './registers';
import { conditionHolds, parityFlag, Rflags, STATUS_FLAGS } from './rflags';
import type { X86State } from './state';

/** Barrier codes this arch passes to `MemoryPort.fence`. */
export const X86Fence = {
  /** MFENCE: orders all earlier loads and stores before all later ones. */
  Mfence: 0,
  /** LFENCE: orders loads; waits for earlier instructions to complete locally. */
  Lfence: 1,
  /** SFENCE: orders stores. */
  Sfence: 2,
} as const;
/** See the constant of the same name. */
export type X86Fence = (typeof X86Fence)[keyof typeof X86Fence];

/** Exception vectors passed as the `detail` of `MemoryPort.exception` (SDM vol. 3, table 6-1). */
export const X86Vector = { DE: 0, BP: 3, UD: 6, GP: 13 } as const;

// Scratch slots (two words each) in `t`.
const A = 0;
const B = 2;
const R = 4;
const E = 6;
const X = 8;
const Y = 10;
const t = new Uint32Array(16);
const RAX = 0;
const RDX = 4;
const RSP = 8;

type Size = 1 | 2 | 4 | 8;

function readReg(s: X86State, reg: number, size: number, out: number): void {
  const regs = s.regs;
  if (reg >= HIGH_BYTE) {
    t[out] = (regs[2 * (reg - HIGH_BYTE)] >>> 8) & 0xff;
    t[out + 1] = 0;
    return;
  }
  const lo = regs[2 * reg];
  t[out + 1] = size === 8 ? regs[2 * reg + 1] : 0;
  t[out] = size === 1 ? lo & 0xff : size === 2 ? lo & 0xffff : lo;
}

/** Writes `t[src..]` to a register; 32-bit writes zero the upper half (SDM vol. 1, 3.4.1.1). */
function writeReg(s: X86State, reg: number, size: number, src: number): void {
  const regs = s.regs;
  if (reg >= HIGH_BYTE) {
    const i = 2 * (reg - HIGH_BYTE);
    regs[i] = (regs[i] & 0xffff00ff) | ((t[src] & 0xff) << 8);
    return;
  }
  const i = 2 * reg;
  if (size === 8) {
    regs[i] = t[src];
    regs[i + 1] = t[src + 1];
  } else if (size === 4) {
    regs[i] = t[src];
    regs[i + 1] = 0;
  } else if (size === 2) {
    regs[i] = (regs[i] & 0xffff0000) | (t[src] & 0xffff);
  } else {
    regs[i] = (regs[i] & 0xffffff00) | (t[src] & 0xff);
  }
}

/** Computes the 64-bit effective address of the memory operand into `t[E..]`. */
function effectiveAddress(insn: X86Insn, s: X86State): void {
  t[E] = insn.dispLo;
  t[E + 1] = insn.dispHi;
  const base = insn.memBase;
  if (base === BASE_RIP) {
    t[X] = vaLo(s.nextPc);
    t[X + 1] = vaHi(s.nextPc);
    w.add64(t, E, t, E, t, X);
  } else if (base !== NO_REG) {
    w.add64(t, E, t, E, s.regs, 2 * base);
  }
  if (insn.memIndex !== NO_REG) {
    w.shl64(t, X, s.regs, 2 * insn.memIndex, 31 - Math.clz32(insn.memScale));
    w.add64(t, E, t, E, t, X);
  }
}

/** The engine address of the memory operand, or -1 after raising #GP for a non-canonical one. */
function memoryAddress(insn: X86Insn, s: X86State, port: MemoryPort): number {
  effectiveAddress(insn, s);
  const va = canonicalVa(t[E], t[E + 1]);
  if (va < 0) port.exception(ExceptionCause.Protection, X86Vector.GP);
  return va;
}

/** Reads an operand, zero-extended from `size`, into `t[out..]`; false on a fault. */
function readOperand(
  insn: X86Insn,
  kind: number,
  reg: number,
  size: Size,
  s: X86State,
  port: MemoryPort,
  va: number,
  out: number,
): boolean {
  switch (kind) {
    case OperandKind.Reg:
      readReg(s, reg, size, out);
      return true;
    case OperandKind.Mem:
      return port.load(va, size, t, out, AccessKind.Plain);
    case OperandKind.Imm:
      t[out] = insn.immLo;
      t[out + 1] = insn.immHi;
      w.zext64(t, out, t, out, size * 8);
      return true;
    case OperandKind.One:
      w.set64(t, out, 1, 0);
      return true;
    default:
      w.set64(t, out, s.regs[2] & 0xff, 0);
      return true;
  }
}

function writeOperand(
  kind: number,
  reg: number,
  size: Size,
  s: X86State,
  port: MemoryPort,
  va: number,
  src: number,
): boolean {
  if (kind === OperandKind.Reg) {
    writeReg(s, reg, size, src);
    return true;
  }
  return port.store(va, size, t, src, AccessKind.Plain);
}

function bit(i: number, n: number): number {
  return n >= 32 ? (t[i + 1] >>> (n - 32)) & 1 : (t[i] >>> n) & 1;
}

/** ZF, SF and PF of the `size`-byte result in `t[R..]` (already truncated). */
function resultFlags(size: number): number {
  let f = parityFlag(t[R]);
  if (t[R] === 0 && t[R + 1] === 0) f |= Rflags.ZF;
  if (bit(R, size * 8 - 1)) f |= Rflags.SF;
  return f;
}

function setFlags(s: X86State, mask: number, f: number): void {
  s.rflags = (s.rflags & ~mask) | (f & mask);
}

/** R = A + B (or A - B) on `size`-byte operands, with all six status flags. */
function addSub(s: X86State, size: Size, subtract: boolean, mask: number): void {
  const bits = size * 8;
  const carry = subtract ? w.sub64(t, R, t, A, t, B) : w.add64(t, R, t, A, t, B);
  let f = (bits === 64 ? carry : bit(R, bits)) ? Rflags.CF : 0;
  w.zext64(t, R, t, R, bits);
  f |= resultFlags(size);
  if (((t[A] ^ t[B] ^ t[R]) >>> 4) & 1) f |= Rflags.AF;
  const a = bit(A, bits - 1);
  const b = bit(B, bits - 1);
  const r = bit(R, bits - 1);
  if (subtract ? a !== b && a !== r : a === b && a !== r) f |= Rflags.OF;
  setFlags(s, mask, f);
}

/** R = A op B for AND/OR/XOR; CF = OF = 0, AF = 0. */
function logic(s: X86State, size: Size, op: Op): void {
  if (op === Op.Or) {
    t[R] = t[A] | t[B];
    t[R + 1] = t[A + 1] | t[B + 1];
  } else if (op === Op.Xor) {
    t[R] = t[A] ^ t[B];
    t[R + 1] = t[A + 1] ^ t[B + 1];
  } else {
    t[R] = t[A] & t[B];
    t[R + 1] = t[A + 1] & t[B + 1];
  }
  setFlags(s, STATUS_FLAGS, resultFlags(size));
}

function binaryFlagsOp(s: X86State, op: Op, size: Size): void {
  if (op === Op.Add) addSub(s, size, false, STATUS_FLAGS);
  else if (op === Op.Sub || op === Op.Cmp) addSub(s, size, true, STATUS_FLAGS);
  else logic(s, size, op === Op.Test ? Op.And : op);
}

/** Atomic operation codes for the lockable ALU instructions. */
function atomicOpOf(op: Op): AtomicOp {
  return op === Op.Or
    ? AtomicOp.Or
    : op === Op.And
      ? AtomicOp.And
      : op === Op.Xor
        ? AtomicOp.Xor
        : AtomicOp.Add;
}

/** ADD/OR/AND/SUB/XOR/CMP/TEST. */
function alu(insn: X86Insn, s: X86State, port: MemoryPort, va: number): void {
  const { op, size } = insn;
  if (!readOperand(insn, insn.srcKind, insn.srcReg, size, s, port, va, B)) return;
  if (insn.lock) {
    // LOCK: one atomic read-modify-write; SUB adds the two's complement.
    if (op === Op.Sub) w.neg64(t, Y, t, B);
    else w.copy64(t, Y, t, B);
    if (!port.atomic(atomicOpOf(op), va, size, t, Y, t, A, AccessKind.SeqCst)) return;
    binaryFlagsOp(s, op, size);
    return;
  }
  if (!readOperand(insn, insn.dstKind, insn.dstReg, size, s, port, va, A)) return;
  binaryFlagsOp(s, op, size);
  if (op !== Op.Cmp && op !== Op.Test)
    writeOperand(insn.dstKind, insn.dstReg, size, s, port, va, R);
}

/** INC/DEC/NEG/NOT (CF is preserved by INC and DEC). */
function unary(insn: X86Insn, s: X86State, port: MemoryPort, va: number): void {
  const { op, size } = insn;
  const bits = size * 8;
  if (insn.lock) {
    if (op === Op.Inc || op === Op.Dec) {
      w.setInt(t, Y, op === Op.Inc ? 1 : -1);
      if (!port.atomic(AtomicOp.Add, va, size, t, Y, t, A, AccessKind.SeqCst)) return;
    } else if (op === Op.Not) {
      w.set64(t, Y, 0xffffffff, 0xffffffff);
      if (!port.atomic(AtomicOp.Xor, va, size, t, Y, t, A, AccessKind.SeqCst)) return;
      return;
    } else {
      // LOCK NEG has no single atomic operation: compare-and-swap until the value is unchanged.
      for (;;) {
        if (!port.load(va, size, t, A, AccessKind.SeqCst)) return;
        w.neg64(t, Y, t, A);
        if (!port.atomic(AtomicOp.CompareSwap, va, size, t, A, t, X, AccessKind.SeqCst, t, Y))
          return;
        w.zext64(t, X, t, X, bits);
        if (w.eq64(t, X, t, A)) break;
      }
    }
  } else if (!readOperand(insn, insn.dstKind, insn.dstReg, size, s, port, va, A)) {
    return;
  }
  switch (op) {
    case Op.Inc:
    case Op.Dec:
      w.set64(t, B, 1, 0);
      addSub(s, size, op === Op.Dec, STATUS_FLAGS & ~Rflags.CF);
      break;
    case Op.Neg:
      w.copy64(t, B, t, A);
      w.set64(t, A, 0, 0);
      addSub(s, size, true, STATUS_FLAGS);
      break;
    default:
      t[R] = ~t[A];
      t[R + 1] = ~t[A + 1];
      w.zext64(t, R, t, R, bits);
  }
  if (!insn.lock) writeOperand(insn.dstKind, insn.dstReg, size, s, port, va, R);
}

/** SHL/SHR/SAR/ROL/ROR with the count masked to 5 bits (6 for 64-bit operands). */
function shift(insn: X86Insn, s: X86State, port: MemoryPort, va: number): void {
  const { op, size } = insn;
  const bits = size * 8;
  if (!readOperand(insn, insn.srcKind, 0, 1, s, port, va, B)) return;
  const count = t[B] & (size === 8 ? 63 : 31);
  if (!readOperand(insn, insn.dstKind, insn.dstReg, size, s, port, va, A)) return;
  if (count === 0) {
    // Flags unchanged; a 32-bit register destination is still written (upper half zeroed).
    if (insn.dstKind === OperandKind.Reg) writeReg(s, insn.dstReg, size, A);
    return;
  }
  let f = 0;
  let mask = STATUS_FLAGS;
  switch (op) {
    case Op.Shl:
      w.shl64(t, X, t, A, count - 1); // the value before the last step: its top bit is CF
      w.shl64(t, R, t, X, 1);
      w.zext64(t, R, t, R, bits);
      if (bit(X, bits - 1)) f |= Rflags.CF;
      break;
    case Op.Shr:
    case Op.Sar:
      if (op === Op.Sar) w.sext64(t, A, t, A, bits);
      (op === Op.Sar ? w.sar64 : w.shr64)(t, X, t, A, count - 1);
      (op === Op.Sar ? w.sar64 : w.shr64)(t, R, t, X, 1);
      w.zext64(t, R, t, R, bits);
      if (t[X] & 1) f |= Rflags.CF;
      break;
    default: {
      const n = count % bits;
      if (bits === 64) {
        (op === Op.Rol ? w.rol64 : w.ror64)(t, R, t, A, n);
      } else {
        const v = t[A];
        const r = op === Op.Rol ? (v << n) | (v >>> (bits - n)) : (v >>> n) | (v << (bits - n));
        w.set64(t, R, n === 0 ? v : r, 0);
        w.zext64(t, R, t, R, bits);
      }
      // Rotates change only CF and OF (SDM RCL/RCR/ROL/ROR).
      mask = Rflags.CF | Rflags.OF;
      const msb = bit(R, bits - 1);
      const cf = op === Op.Rol ? t[R] & 1 : msb;
      if (cf) f |= Rflags.CF;
      if (op === Op.Rol ? msb !== cf : msb !== bit(R, bits - 2)) f |= Rflags.OF;
      setFlags(s, mask, f);
      writeOperand(insn.dstKind, insn.dstReg, size, s, port, va, R);
      return;
    }
  }
  f |= resultFlags(size);
  if (bit(X, bits - 1) !== bit(R, bits - 1)) f |= Rflags.OF;
  setFlags(s, mask, f);
  writeOperand(insn.dstKind, insn.dstReg, size, s, port, va, R);
}

/**
 * Widening multiply of A by B: low half into `t[R..]`, high half into
 * `t[X..]`, for `size`-byte operands (both zero-extended on entry).
 */
function widen(size: Size, signed: boolean): void {
  const bits = size * 8;
  if (size === 8) {
    (signed ? w.mulhs64 : w.mulhu64)(t, X, t, A, t, B);
    w.mul64(t, R, t, A, t, B);
    return;
  }
  if (signed) {
    w.sext64(t, A, t, A, bits);
    w.sext64(t, B, t, B, bits);
  }
  w.mul64(t, R, t, A, t, B);
  w.shr64(t, X, t, R, bits);
  w.zext64(t, X, t, X, bits);
  w.zext64(t, R, t, R, bits);
}

/** CF = OF = the high half is not the extension of the low half; SF/ZF/PF from the low half. */
function multiplyFlags(s: X86State, size: Size, signed: boolean): void {
  const bits = size * 8;
  const signOfLow = signed && bit(R, bits - 1);
  const extension = signOfLow ? (bits === 64 ? 0xffffffff : 0xffffffff >>> (32 - bits)) : 0;
  const fits = t[X] === extension && (bits === 64 ? t[X + 1] === extension : t[X + 1] === 0);
  setFlags(s, STATUS_FLAGS, resultFlags(size) | (fits ? 0 : Rflags.CF | Rflags.OF));
}

/** Writes R (low) and X (high) to rAX and rDX, or AL and AH for byte operands. */
function writeAccumulatorPair(s: X86State, size: Size): void {
  if (size === 1) {
    t[R] = (t[R] & 0xff) | ((t[X] & 0xff) << 8);
    writeReg(s, RAX / 2, 2, R);
    return;
  }
  writeReg(s, RAX / 2, size, R);
  writeReg(s, RDX / 2, size, X);
}

/**
 * Unsigned 128-by-64 division of X:R (high:low) by B: quotient into R,
 * remainder into X. The caller guarantees X < B so the quotient fits.
 */
function divide128(): void {
  let rlo = t[X];
  let rhi = t[X + 1];
  const blo = t[B];
  const bhi = t[B + 1];
  let qlo = 0;
  let qhi = 0;
  for (let i = 63; i >= 0; i--) {
    const top = rhi >>> 31;
    rhi = ((rhi << 1) | (rlo >>> 31)) >>> 0;
    rlo = ((rlo << 1) | ((i >= 32 ? t[R + 1] >>> (i - 32) : t[R] >>> i) & 1)) >>> 0;
    if (top || rhi > bhi || (rhi === bhi && rlo >= blo)) {
      const lo = rlo - blo;
      rhi = (rhi - bhi - (lo < 0 ? 1 : 0)) >>> 0;
      rlo = lo >>> 0;
      if (i >= 32) qhi |= 1 << (i - 32);
      else qlo |= 1 << i;
    }
  }
  w.set64(t, R, qlo, qhi);
  w.set64(t, X, rlo, rhi);
}

function negate128(hi: number, lo: number): void {
  t[lo] = ~t[lo];
  t[lo + 1] = ~t[lo + 1];
  t[hi] = ~t[hi];
  t[hi + 1] = ~t[hi + 1];
  w.set64(t, Y, 1, 0);
  if (w.add64(t, lo, t, lo, t, Y)) w.add64(t, hi, t, hi, t, Y);
}

/** DIV/IDIV: rDX:rAX / src; #DE on a zero divisor or a quotient that does not fit (SDM DIV, IDIV). */
function divide(insn: X86Insn, s: X86State, port: MemoryPort, va: number): void {
  const { size } = insn;
  const bits = size * 8;
  const signed = insn.op === Op.Idiv;
  if (!readOperand(insn, insn.dstKind, insn.dstReg, size, s, port, va, B)) return;
  if (w.isZero64(t, B)) {
    port.exception(ExceptionCause.DivideError, X86Vector.DE);
    return;
  }
  // Dividend as a 128-bit X:R (high:low), zero- or sign-extended from 2 * size bytes.
  if (size === 8) {
    w.copy64(t, R, s.regs, RAX);
    w.copy64(t, X, s.regs, RDX);
  } else {
    readReg(s, 0, size === 1 ? 2 : size, R);
    if (size !== 1) {
      readReg(s, 2, size, Y);
      w.shl64(t, Y, t, Y, bits);
      t[R] |= t[Y];
      t[R + 1] |= t[Y + 1];
    }
    if (signed) w.sext64(t, R, t, R, 2 * bits);
    const ext = signed && t[R + 1] >>> 31 ? 0xffffffff : 0;
    w.set64(t, X, ext, ext);
  }
  const dividendNegative = signed && t[X + 1] >>> 31 === 1;
  if (signed) w.sext64(t, B, t, B, bits);
  const divisorNegative = signed && t[B + 1] >>> 31 === 1;
  if (dividendNegative) negate128(X, R);
  if (divisorNegative) w.neg64(t, B, t, B);
  if (!w.ltu64(t, X, t, B)) {
    port.exception(ExceptionCause.DivideError, X86Vector.DE);
    return;
  }
  divide128();
  // The quotient's magnitude must fit: below 2^n unsigned; signed up to 2^(n-1) when negative, 2^(n-1) - 1 otherwise.
  const negativeQuotient = dividendNegative !== divisorNegative;
  if (bits < 64 && (t[R + 1] !== 0 || (bits < 32 && t[R] >>> bits !== 0))) {
    port.exception(ExceptionCause.DivideError, X86Vector.DE);
    return;
  }
  if (signed) {
    if (bit(R, bits - 1) && !(negativeQuotient && isPowerOfTopBit(bits))) {
      port.exception(ExceptionCause.DivideError, X86Vector.DE);
      return;
    }
    if (negativeQuotient) w.neg64(t, R, t, R);
    if (dividendNegative) w.neg64(t, X, t, X);
  }
  if (size === 1) {
    t[R] = (t[R] & 0xff) | ((t[X] & 0xff) << 8);
    writeReg(s, 0, 2, R);
  } else {
    writeReg(s, 0, size, R);
    writeReg(s, 2, size, X);
  }
}

/** True when the quotient magnitude in R is exactly 2^(bits-1). */
function isPowerOfTopBit(bits: number): boolean {
  w.set64(t, Y, 0, 0);
  if (bits === 64) t[Y + 1] = 0x80000000;
  else if (bits === 32) t[Y] = 0x80000000;
  else t[Y] = 1 << (bits - 1);
  return w.eq64(t, R, t, Y);
}

/** Pushes `t[src..]` (`size` bytes); false on a fault. */
function push(s: X86State, port: MemoryPort, size: Size, src: number): boolean {
  w.setInt(t, Y, -size);
  w.add64(t, Y, s.regs, RSP, t, Y);
  const va = canonicalVa(t[Y], t[Y + 1]);
  if (va < 0) {
    port.exception(ExceptionCause.Protection, X86Vector.GP);
    return false;
  }
  if (!port.store(va, size, t, src, AccessKind.Plain)) return false;
  w.copy64(s.regs, RSP, t, Y);
  return true;
}

/**
 * Loads `size` bytes from the top of the stack into `t[out..]` without
 * moving RSP (the caller commits with {@link adjustRsp} once nothing can
 * fault any more, so a faulting instruction leaves RSP unchanged).
 */
function peek(s: X86State, port: MemoryPort, size: Size, out: number): boolean {
  const va = canonicalVa(s.regs[RSP], s.regs[RSP + 1]);
  if (va < 0) {
    port.exception(ExceptionCause.Protection, X86Vector.GP);
    return false;
  }
  return port.load(va, size, t, out, AccessKind.Plain);
}

/** RSP += `delta` (a signed 32-bit amount). */
function adjustRsp(s: X86State, delta: number): void {
  w.setInt(t, Y, delta);
  w.add64(s.regs, RSP, s.regs, RSP, t, Y);
}

/** The engine address of a branch target in `t[i..]`, or -1 after raising #GP when it is not canonical. */
function branchTarget(port: MemoryPort, i: number): number {
  const va = canonicalVa(t[i], t[i + 1]);
  if (va < 0) port.exception(ExceptionCause.Protection, X86Vector.GP);
  return va;
}

function pushReturnAddress(s: X86State, port: MemoryPort): boolean {
  w.set64(t, R, vaLo(s.nextPc), vaHi(s.nextPc));
  return push(s, port, 8, R);
}

function exchange(insn: X86Insn, s: X86State, port: MemoryPort, va: number): void {
  const { size } = insn;
  readReg(s, insn.srcReg, size, B);
  if (insn.dstKind === OperandKind.Mem) {
    // XCHG with memory asserts LOCK whether or not the prefix is present (SDM XCHG).
    if (!port.atomic(AtomicOp.Swap, va, size, t, B, t, A, AccessKind.SeqCst)) return;
  } else {
    readReg(s, insn.dstReg, size, A);
    writeReg(s, insn.dstReg, size, B);
  }
  writeReg(s, insn.srcReg, size, A);
}

function exchangeAdd(insn: X86Insn, s: X86State, port: MemoryPort, va: number): void {
  const { size } = insn;
  readReg(s, insn.srcReg, size, B);
  if (insn.lock) {
    if (!port.atomic(AtomicOp.Add, va, size, t, B, t, A, AccessKind.SeqCst)) return;
    addSub(s, size, false, STATUS_FLAGS);
  } else {
    if (!readOperand(insn, insn.dstKind, insn.dstReg, size, s, port, va, A)) return;
    addSub(s, size, false, STATUS_FLAGS);
    if (insn.dstKind === OperandKind.Mem && !port.store(va, size, t, R, AccessKind.Plain)) return;
    writeReg(s, insn.srcReg, size, A);
    if (insn.dstKind === OperandKind.Reg) writeReg(s, insn.dstReg, size, R);
    return;
  }
  writeReg(s, insn.srcReg, size, A);
}

function compareExchange(insn: X86Insn, s: X86State, port: MemoryPort, va: number): void {
  const { size } = insn;
  readReg(s, 0, size, B); // the accumulator: the expected value
  readReg(s, insn.srcReg, size, Y); // the replacement
  if (insn.lock) {
    if (!port.atomic(AtomicOp.CompareSwap, va, size, t, B, t, A, AccessKind.SeqCst, t, Y)) return;
  } else {
    if (!readOperand(insn, insn.dstKind, insn.dstReg, size, s, port, va, A)) return;
    // Without LOCK the destination is written back even when the comparison fails (SDM CMPXCHG).
    const src = w.eq64(t, A, t, B) ? Y : A;
    if (!writeOperand(insn.dstKind, insn.dstReg, size, s, port, va, src)) return;
  }
  const equal = w.eq64(t, A, t, B);
  w.copy64(t, X, t, A);
  w.copy64(t, A, t, B);
  w.copy64(t, B, t, X);
  addSub(s, size, true, STATUS_FLAGS); // flags of CMP accumulator, destination
  if (!equal) writeReg(s, 0, size, B);
}

/** EAX, EBX, ECX, EDX as register numbers. */
const cpuidOutputs = [0, 3, 1, 2] as const;

/**
 * A serializing instruction: "all modifications to flags, registers, and
 * memory by previous instructions are completed and all buffered writes
 * are drained to memory before the next instruction is fetched and
 * executed" (SDM vol. 3A, "Serializing Instructions").
 */
function serialize(port: MemoryPort): void {
  port.fence(X86Fence.Mfence);
  port.contextSync();
}

function cpuid(s: X86State, port: MemoryPort): void {
  const leaf = cpuidLeaf(s.regs[0], s.regs[2]);
  // 32-bit writes zero the upper halves.
  for (let i = 0; i < 4; i++) {
    s.regs[2 * cpuidOutputs[i]] = leaf[i];
    s.regs[2 * cpuidOutputs[i] + 1] = 0;
  }
  serialize(port);
}

/** Executes one decoded instruction; see the module comment. */
export function executeX86(insn: X86Insn, s: X86State, port: MemoryPort): void {
  // NOP never accesses its memory operand.
  if (insn.op === Op.Nop || insn.op === Op.Pause) return;
  let va = 0;
  if (insn.dstKind === OperandKind.Mem || insn.srcKind === OperandKind.Mem) {
    if (insn.op === Op.Lea) {
      effectiveAddress(insn, s);
      writeReg(s, insn.dstReg, insn.size, E);
      return;
    }
    if (insn.op !== Op.Pop) {
      va = memoryAddress(insn, s, port);
      if (va < 0) return;
    }
  }
  const { size } = insn;
  switch (insn.op) {
    case Op.Mov:
    case Op.Movzx:
      if (!readOperand(insn, insn.srcKind, insn.srcReg, insn.srcSize, s, port, va, R)) return;
      writeOperand(insn.dstKind, insn.dstReg, size, s, port, va, R);
      return;
    case Op.Movsx:
      if (!readOperand(insn, insn.srcKind, insn.srcReg, insn.srcSize, s, port, va, R)) return;
      w.sext64(t, R, t, R, insn.srcSize * 8);
      writeReg(s, insn.dstReg, size, R);
      return;
    case Op.Add:
    case Op.Or:
    case Op.And:
    case Op.Sub:
    case Op.Xor:
    case Op.Cmp:
    case Op.Test:
      alu(insn, s, port, va);
      return;
    case Op.Inc:
    case Op.Dec:
    case Op.Neg:
    case Op.Not:
      unary(insn, s, port, va);
      return;
    case Op.Rol:
    case Op.Ror:
    case Op.Shl:
    case Op.Shr:
    case Op.Sar:
      shift(insn, s, port, va);
      return;
    case Op.Mul:
    case Op.Imul1:
      if (!readOperand(insn, insn.dstKind, insn.dstReg, size, s, port, va, B)) return;
      readReg(s, 0, size, A);
      widen(size, insn.op === Op.Imul1);
      multiplyFlags(s, size, insn.op === Op.Imul1);
      writeAccumulatorPair(s, size);
      return;
    case Op.Imul:
      if (!readOperand(insn, insn.srcKind, insn.srcReg, size, s, port, va, A)) return;
      if (insn.hasImm3) readOperand(insn, OperandKind.Imm, 0, size, s, port, va, B);
      else readReg(s, insn.dstReg, size, B);
      widen(size, true);
      multiplyFlags(s, size, true);
      writeReg(s, insn.dstReg, size, R);
      return;
    case Op.Div:
    case Op.Idiv:
      divide(insn, s, port, va);
      return;
    case Op.Cwd:
      readReg(s, 0, size, A);
      w.set64(t, R, bit(A, size * 8 - 1) ? 0xffffffff : 0, bit(A, size * 8 - 1) ? 0xffffffff : 0);
      writeReg(s, 2, size, R);
      return;
    case Op.Cdqe:
      readReg(s, 0, size / 2, A);
      w.sext64(t, A, t, A, size * 4);
      writeReg(s, 0, size, A);
      return;
    case Op.Bswap:
      readReg(s, insn.dstReg, size, A);
      if (size === 8) w.bswap64(t, R, t, A);
      else w.set64(t, R, w.bswap32(t[A]), 0);
      writeReg(s, insn.dstReg, size, R);
      return;
    case Op.Push:
      if (!readOperand(insn, insn.dstKind, insn.dstReg, size, s, port, va, A)) return;
      push(s, port, size, A);
      return;
    case Op.Pop:
      if (!peek(s, port, size, A)) return;
      adjustRsp(s, size);
      if (insn.dstKind === OperandKind.Mem) {
        // The address of a memory destination uses RSP after the increment (SDM POP).
        va = memoryAddress(insn, s, port);
        if (va < 0 || !port.store(va, size, t, A, AccessKind.Plain)) {
          adjustRsp(s, -size);
          return;
        }
      } else {
        writeReg(s, insn.dstReg, size, A);
      }
      return;
    case Op.Call:
      if (pushReturnAddress(s, port)) s.nextPc = vaWrap(s.nextPc + insn.rel);
      return;
    case Op.Jmp:
      s.nextPc = vaWrap(s.nextPc + insn.rel);
      return;
    case Op.Jcc:
      if (conditionHolds(insn.cond, s.rflags)) s.nextPc = vaWrap(s.nextPc + insn.rel);
      return;
    case Op.CallIndirect:
    case Op.JmpIndirect: {
      if (!readOperand(insn, insn.dstKind, insn.dstReg, 8, s, port, va, B)) return;
      const target = branchTarget(port, B);
      if (target < 0 || (insn.op === Op.CallIndirect && !pushReturnAddress(s, port))) return;
      s.nextPc = target;
      return;
    }
    case Op.Ret: {
      if (!peek(s, port, 8, B)) return;
      const target = branchTarget(port, B);
      if (target < 0) return;
      adjustRsp(s, 8 + (insn.srcKind === OperandKind.Imm ? insn.immLo : 0));
      s.nextPc = target;
      return;
    }
    case Op.Xchg:
      exchange(insn, s, port, va);
      return;
    case Op.Xadd:
      exchangeAdd(insn, s, port, va);
      return;
    case Op.Cmpxchg:
      compareExchange(insn, s, port, va);
      return;
    case Op.Int3:
      port.exception(ExceptionCause.Breakpoint, X86Vector.BP);
      return;
    case Op.Ud2:
      port.exception(ExceptionCause.Undefined, X86Vector.UD);
      return;
    case Op.Hlt:
      port.exception(ExceptionCause.Halt, 0);
      return;
    case Op.Cpuid:
      cpuid(s, port);
      return;
    case Op.Serialize:
      serialize(port);
      return;
    case Op.Mfence:
      port.fence(X86Fence.Mfence);
      return;
    case Op.Lfence:
      port.fence(X86Fence.Lfence);
      return;
    case Op.Sfence:
      port.fence(X86Fence.Sfence);
      return;
    case Op.Iretq:
      port.exceptionReturn();
      return;
    default:
      return;
  }
}
