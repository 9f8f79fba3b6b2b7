/**
 * Execution of the A64 data-processing instructions: arithmetic with
 * NZCV exactly as AddWithCarry defines it, logical, move wide, bitfield,
 * extract, PC-relative addresses, the one-, two- and three-source groups,
 * conditional select and compare.
 *
 * @module
 */
import { vaWrap, word64 as w } from '@execmem/core';
import { conditionHolds, FLAG_C } from './conditions';
import { A, B, C, D, extend, R, read, setNz, shift, write, writeAddress } from './executorOperands';
import { type Arm64Insn, Op, ShiftType } from './insn';
import type { Arm64State } from './state';

/** AddWithCarry (Arm ARM J1.1.3) of slots A and B (B inverted for subtraction) with carry-in `cin`, into R. */
function addWithCarry(s: Arm64State, sf: number, sub: number, setFlags: number, cin: number): void {
  const t = s.scratch;
  const a0 = t[A];
  const b0 = sub ? ~t[B] >>> 0 : t[B];
  if (sf) {
    const a1 = t[A + 1];
    const b1 = sub ? ~t[B + 1] >>> 0 : t[B + 1];
    const lo = a0 + b0 + cin;
    const hi = a1 + b1 + (lo > 0xffffffff ? 1 : 0);
    t[R] = lo;
    t[R + 1] = hi;
    if (setFlags) {
      const r1 = t[R + 1];
      setNz(s, R, 1, hi > 0xffffffff ? 1 : 0, ((a1 ^ r1) & (b1 ^ r1)) >>> 31);
    }
  } else {
    const sum = a0 + b0 + cin;
    t[R] = sum;
    t[R + 1] = 0;
    if (setFlags) {
      const r0 = t[R];
      setNz(s, R, 0, sum > 0xffffffff ? 1 : 0, ((a0 ^ r0) & (b0 ^ r0)) >>> 31);
    }
  }
}

/** A + B, or A - B as A + NOT(B) + 1, into R. */
function addSub(s: Arm64State, sf: number, sub: number, setFlags: number): void {
  addWithCarry(s, sf, sub, setFlags, sub);
}

/** Result slot R = A op B for the logical operations (variant bit 2 inverts B). */
function logical(s: Arm64State, insn: Arm64Insn): void {
  const t = s.scratch;
  if (insn.variant & 4) {
    t[B] = ~t[B];
    t[B + 1] = ~t[B + 1];
  }
  switch (insn.variant & 3) {
    case 0:
    case 3:
      t[R] = t[A] & t[B];
      t[R + 1] = t[A + 1] & t[B + 1];
      break;
    case 1:
      t[R] = t[A] | t[B];
      t[R + 1] = t[A + 1] | t[B + 1];
      break;
    default:
      t[R] = t[A] ^ t[B];
      t[R + 1] = t[A + 1] ^ t[B + 1];
  }
  if (!insn.sf) t[R + 1] = 0;
  if (insn.setFlags) setNz(s, R, insn.sf, 0, 0);
}

/** Rotates slot `slot` right by `amount` at the operation width. */
function rotate(s: Arm64State, slot: number, amount: number, sf: number): void {
  shift(s, slot, ShiftType.ROR, amount, sf);
}

/** Bitfield move (SBFM/BFM/UBFM, Arm ARM C6.2.30): R from A (source) and D (destination). */
function bitfield(s: Arm64State, insn: Arm64Insn): void {
  const t = s.scratch;
  rotate(s, A, insn.amount, insn.sf);
  const wlo = insn.imm;
  const whi = insn.immHi;
  const tlo = insn.imm2;
  const thi = insn.imm2Hi;
  // bot = ROR(src, R) AND wmask, merged into dst for BFM.
  let botLo = t[A] & wlo;
  let botHi = t[A + 1] & whi;
  let topLo = 0;
  let topHi = 0;
  if (insn.variant === 1) {
    botLo |= t[D] & ~wlo;
    botHi |= t[D + 1] & ~whi;
    topLo = t[D];
    topHi = t[D + 1];
  } else if (insn.variant === 0) {
    // top = Replicate(src<S>), read from the unrotated source.
    const bit = insn.shift;
    const word = bit >= 32 ? t[C + 1] : t[C];
    topLo = topHi = (word >>> (bit & 31)) & 1 ? 0xffffffff : 0;
  }
  t[R] = (topLo & ~tlo) | (botLo & tlo);
  t[R + 1] = insn.sf ? (topHi & ~thi) | (botHi & thi) : 0;
}

function reverseBits32(v: number): number {
  let x = v;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  return w.bswap32(x >>> 0);
}

function rev16(v: number): number {
  return (((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8)) >>> 0;
}

/** One-source operations on A into R. */
function dataProc1(s: Arm64State, insn: Arm64Insn): void {
  const t = s.scratch;
  const lo = t[A];
  const hi = t[A + 1];
  const sf = insn.sf;
  switch (insn.variant) {
    case 0:
      t[R] = sf ? reverseBits32(hi) : reverseBits32(lo);
      t[R + 1] = sf ? reverseBits32(lo) : 0;
      break;
    case 1:
      t[R] = rev16(lo);
      t[R + 1] = rev16(hi);
      break;
    case 2:
      t[R] = w.bswap32(lo);
      t[R + 1] = w.bswap32(hi);
      break;
    case 3:
      w.bswap64(t, R, t, A);
      break;
    case 4:
      t[R] = sf ? (hi ? Math.clz32(hi) : 32 + Math.clz32(lo)) : Math.clz32(lo);
      t[R + 1] = 0;
      break;
    default: {
      // CLS: leading bits equal to the sign bit, not counting the sign bit.
      const sign = sf ? hi >> 31 : lo >> 31;
      const xhi = (hi ^ sign) >>> 0;
      const xlo = (lo ^ sign) >>> 0;
      t[R] = (sf ? (xhi ? Math.clz32(xhi) : 32 + Math.clz32(xlo)) : Math.clz32(xlo)) - 1;
      t[R + 1] = 0;
    }
  }
}

/** Two-source operations: R = A op B. */
function dataProc2(s: Arm64State, insn: Arm64Insn): void {
  const t = s.scratch;
  const sf = insn.sf;
  const v = insn.variant;
  if (v >= 8) {
    const amount = t[B] & (sf ? 63 : 31);
    w.copy64(t, R, t, A);
    shift(s, R, v - 8, amount, sf);
    return;
  }
  // UDIV/SDIV: division by zero gives zero (Arm ARM C6.2.388).
  if (sf ? w.isZero64(t, B) : t[B] === 0) {
    t[R] = 0;
    t[R + 1] = 0;
  } else if (sf) {
    if (v === 2) w.divu64(t, R, t, A, t, B);
    else w.divs64(t, R, t, A, t, B);
  } else {
    t[R] = v === 2 ? Math.floor(t[A] / t[B]) : Math.trunc((t[A] | 0) / (t[B] | 0));
    t[R + 1] = 0;
  }
}

/** Three-source operations: R = C ± A*B (widening from 32 bits for variants 4..7), or the high half of A*B. */
function dataProc3(s: Arm64State, insn: Arm64Insn): void {
  const t = s.scratch;
  const v = insn.variant;
  switch (v) {
    case 2:
      w.mulhs64(t, R, t, A, t, B);
      return;
    case 3:
      w.mulhu64(t, R, t, A, t, B);
      return;
  }
  if (v >= 4) {
    // SMADDL/SMSUBL sign-extend Wn and Wm, UMADDL/UMSUBL zero-extend them.
    if (v < 6) {
      w.sext64(t, A, t, A, 32);
      w.sext64(t, B, t, B, 32);
    } else {
      t[A + 1] = 0;
      t[B + 1] = 0;
    }
  }
  if (insn.sf) {
    w.mul64(t, D, t, A, t, B);
    if ((v & 1) === 0) w.add64(t, R, t, C, t, D);
    else w.sub64(t, R, t, C, t, D);
  } else {
    const p = Math.imul(t[A], t[B]);
    t[R] = insn.variant === 0 ? t[C] + p : t[C] - p;
    t[R + 1] = 0;
  }
}

/** Conditional select: R = cond ? A : f(B). */
function condSelect(s: Arm64State, insn: Arm64Insn): void {
  const t = s.scratch;
  if (conditionHolds(insn.cond, s.nzcv)) {
    w.copy64(t, R, t, A);
    return;
  }
  switch (insn.variant) {
    case 0:
      w.copy64(t, R, t, B);
      break;
    case 1:
      t[D] = 1;
      t[D + 1] = 0;
      w.add64(t, R, t, B, t, D);
      break;
    case 2:
      t[R] = ~t[B];
      t[R + 1] = ~t[B + 1];
      break;
    default:
      w.neg64(t, R, t, B);
  }
}

/** Executes a data-processing instruction (every `Op` from AddSubImm to CondSelect, AddSubCarry, CondCompare). */
export function executeDataProcessing(insn: Arm64Insn, s: Arm64State): void {
  const t = s.scratch;
  switch (insn.op) {
    case Op.AddSubImm:
      read(s, insn.rn, A);
      t[B] = insn.imm;
      t[B + 1] = 0;
      addSub(s, insn.sf, insn.variant, insn.setFlags);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.AddSubShifted:
      read(s, insn.rn, A);
      read(s, insn.rm, B);
      shift(s, B, insn.shift, insn.amount, insn.sf);
      addSub(s, insn.sf, insn.variant, insn.setFlags);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.AddSubExtended:
      read(s, insn.rn, A);
      read(s, insn.rm, B);
      extend(s, B, insn.shift, insn.amount);
      addSub(s, insn.sf, insn.variant, insn.setFlags);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.AddSubCarry:
      read(s, insn.rn, A);
      read(s, insn.rm, B);
      addWithCarry(s, insn.sf, insn.variant, insn.setFlags, (s.nzcv & FLAG_C) >> 1);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.CondCompare:
      if (!conditionHolds(insn.cond, s.nzcv)) {
        s.nzcv = insn.imm2;
        return;
      }
      read(s, insn.rn, A);
      if (insn.mode) {
        t[B] = insn.imm;
        t[B + 1] = 0;
      } else {
        read(s, insn.rm, B);
      }
      addSub(s, insn.sf, insn.variant, 1);
      return;
    case Op.LogicalImm:
      read(s, insn.rn, A);
      t[B] = insn.imm;
      t[B + 1] = insn.immHi;
      logical(s, insn);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.LogicalShifted:
      read(s, insn.rn, A);
      read(s, insn.rm, B);
      shift(s, B, insn.shift, insn.amount, insn.sf);
      logical(s, insn);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.MoveWide: {
      const lo = insn.amount < 32 ? insn.imm << insn.amount : 0;
      const hi = insn.amount >= 32 ? insn.imm << (insn.amount - 32) : 0;
      if (insn.variant === 3) {
        read(s, insn.rd, R);
        const keep = insn.amount < 32 ? 0xffff << insn.amount : 0xffff << (insn.amount - 32);
        if (insn.amount < 32) t[R] = (t[R] & ~keep) | lo;
        else t[R + 1] = (t[R + 1] & ~keep) | hi;
      } else {
        t[R] = insn.variant === 0 ? ~lo : lo;
        t[R + 1] = insn.variant === 0 ? ~hi : hi;
      }
      write(s, insn.rd, R, insn.sf);
      return;
    }
    case Op.Bitfield:
      read(s, insn.rn, A);
      read(s, insn.rn, C);
      read(s, insn.rd, D);
      bitfield(s, insn);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.Extract: {
      read(s, insn.rm, A);
      read(s, insn.rn, B);
      const lsb = insn.amount;
      if (insn.sf) {
        w.shr64(t, A, t, A, lsb);
        w.shl64(t, B, t, B, (64 - lsb) & 63);
        t[R] = lsb ? t[A] | t[B] : t[A];
        t[R + 1] = lsb ? t[A + 1] | t[B + 1] : t[A + 1];
      } else {
        t[R] = lsb ? (t[A] >>> lsb) | (t[B] << (32 - lsb)) : t[A];
      }
      write(s, insn.rd, R, insn.sf);
      return;
    }
    case Op.Adr:
      writeAddress(s, insn.rd, vaWrap(s.pc + insn.imm));
      return;
    case Op.Adrp:
      writeAddress(s, insn.rd, vaWrap(s.pc - (s.pc % 4096) + insn.imm));
      return;
    case Op.DataProc1:
      read(s, insn.rn, A);
      dataProc1(s, insn);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.DataProc2:
      read(s, insn.rn, A);
      read(s, insn.rm, B);
      dataProc2(s, insn);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.DataProc3:
      read(s, insn.rn, A);
      read(s, insn.rm, B);
      read(s, insn.ra, C);
      dataProc3(s, insn);
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.CondSelect:
      read(s, insn.rn, A);
      read(s, insn.rm, B);
      condSelect(s, insn);
      write(s, insn.rd, R, insn.sf);
      return;
  }
}
