/**
 * Operand access for the A64 executor: the scratch slots every
 * instruction computes in, register reads and writes with the ZR/SP
 * distinction, NZ flags, shifts and extends of register operands, and the
 * canonical-address check. Everything works in place on `state.scratch`,
 * so executing allocates nothing.
 *
 * @module
 */
import {
  ExceptionCause,
  type MemoryPort,
  vaFromWords,
  vaHi,
  vaLo,
  word64 as w,
} from '@execmem/core';
import { FLAG_C, FLAG_N, FLAG_V, FLAG_Z } from './conditions';
import { ShiftType } from './insn';
import { ZR } from './registers';
import type { Arm64State } from './state';

/** Scratch slot: first operand (word index into `state.scratch`). */
export const A = 0;
/** Scratch slot: second operand. */
export const B = 2;
/** Scratch slot: result. */
export const R = 4;
/** Scratch slot: third operand or second result. */
export const C = 6;
/** Scratch slot: destination's old value or an intermediate. */
export const D = 8;

/** Copies register `r` (ZR reads as zero) into scratch slot `slot`. */
export function read(s: Arm64State, r: number, slot: number): void {
  const t = s.scratch;
  if (r === ZR) {
    t[slot] = 0;
    t[slot + 1] = 0;
  } else {
    t[slot] = s.regs[2 * r];
    t[slot + 1] = s.regs[2 * r + 1];
  }
}

/** Writes scratch slot `slot` to register `r` (ZR discards); a 32-bit write zeroes the upper half. */
export function write(s: Arm64State, r: number, slot: number, sf: number): void {
  if (r === ZR) return;
  s.regs[2 * r] = s.scratch[slot];
  s.regs[2 * r + 1] = sf ? s.scratch[slot + 1] : 0;
}

/** Writes an engine address (canonical 64-bit form) to register `r`. */
export function writeAddress(s: Arm64State, r: number, va: number): void {
  if (r === ZR) return;
  s.regs[2 * r] = vaLo(va);
  s.regs[2 * r + 1] = vaHi(va);
}

/** Sets N and Z from a result and C, V as given. */
export function setNz(s: Arm64State, slot: number, sf: number, c: number, v: number): void {
  const t = s.scratch;
  const n = sf ? t[slot + 1] >>> 31 : t[slot] >>> 31;
  const z = sf ? t[slot] === 0 && t[slot + 1] === 0 : t[slot] === 0;
  s.nzcv = (n ? FLAG_N : 0) | (z ? FLAG_Z : 0) | (c ? FLAG_C : 0) | (v ? FLAG_V : 0);
}

/** Shifts slot `slot` in place by `amount` (< width) with a ShiftType, at width 64 or 32. */
export function shift(s: Arm64State, slot: number, type: number, amount: number, sf: number): void {
  const t = s.scratch;
  if (sf) {
    if (type === ShiftType.LSL) w.shl64(t, slot, t, slot, amount);
    else if (type === ShiftType.LSR) w.shr64(t, slot, t, slot, amount);
    else if (type === ShiftType.ASR) w.sar64(t, slot, t, slot, amount);
    else w.ror64(t, slot, t, slot, amount);
    return;
  }
  const v = t[slot];
  if (type === ShiftType.LSL) t[slot] = v << amount;
  else if (type === ShiftType.LSR) t[slot] = v >>> amount;
  else if (type === ShiftType.ASR) t[slot] = (v | 0) >> amount;
  else t[slot] = amount ? (v >>> amount) | (v << (32 - amount)) : v;
  t[slot + 1] = 0;
}

/** ExtendReg (Arm ARM J1.1.3): extends slot `slot` in place by option 0..7, then shifts left by `amount`. */
export function extend(s: Arm64State, slot: number, option: number, amount: number): void {
  const t = s.scratch;
  const bits = 8 << (option & 3);
  if (option & 4) w.sext64(t, slot, t, slot, bits);
  else w.zext64(t, slot, t, slot, bits);
  w.shl64(t, slot, t, slot, amount);
}

/** The engine address in slot `slot`, or -1 after raising a fault for a non-canonical address. */
export function address(s: Arm64State, slot: number, port: MemoryPort): number {
  const va = vaFromWords(s.scratch[slot], s.scratch[slot + 1]);
  if (va < 0) port.exception(ExceptionCause.Protection, 0);
  return va;
}
