import { fail } from './errors';

/**
 * Virtual addresses inside the engine are `number`s of {@link VA_BITS}
 * bits: bits 47:0 of the 64-bit address, plus bit 48 standing for bits
 * 63:48 when they are all ones (the upper half). Exact in a double, cheap,
 * and every address whose bits 63:48 are equal has one: both halves of
 * 4-level x86-64, Sv39 and Sv48, and arm64's TTBR0 and TTBR1 ranges with
 * 48-bit VAs (whose TTBR1 range starts at 0xffff000000000000, below the
 * x86 canonical upper half). Which of these a page-table format
 * translates is the format's business (`isCanonicalFor`); these functions
 * only convert at the boundary, since public APIs take and return `bigint`.
 */
export const VA_BITS = 49;

const UPPER = 2 ** 48;
const VA_SPAN = 2 ** VA_BITS;
const LOW_MASK = (1n << 48n) - 1n;
const UPPER_BITS = 0xffffn << 48n;

/** Converts a 64-bit address to its engine number; `EINVAL` when bits 63:48 are not all equal. */
export function vaFromBigint(address: bigint): number {
  const a = BigInt.asUintN(64, address);
  const high = a >> 48n;
  if (high !== 0n && high !== 0xffffn) {
    fail(
      'EINVAL',
      `address 0x${a.toString(16)} is not canonical for any format: bits 63:48 are neither all zeros nor all ones`,
    );
  }
  return Number(a & LOW_MASK) + (high === 0n ? 0 : UPPER);
}

/** Converts an engine address back to its 64-bit form (bit 48 widened to bits 63:48). */
export function vaToBigint(va: number): bigint {
  const v = BigInt(va);
  return va >= UPPER ? UPPER_BITS | (v & LOW_MASK) : v;
}

/**
 * Wraps an engine address computation (`va + delta`) back into the
 * {@link VA_BITS}-bit span, as 64-bit addition wraps from the top of the
 * upper half to 0. A sum that leaves a half through the middle of the
 * 64-bit space (0x0000ffffffffffff / 0xffff000000000000) has no engine
 * number and lands at the other half's inner end instead: an address no
 * format here translates when the sum started from a translated one (as
 * the true sum would fault), but a register written with such a sum holds
 * the wrong upper bits.
 */
export function vaWrap(va: number): number {
  return ((va % VA_SPAN) + VA_SPAN) % VA_SPAN;
}

/**
 * Converts the 64-bit value held as two 32-bit halves to an engine
 * address; returns -1 when bits 63:48 are not all equal (the caller
 * raises the fault). Whether the address is canonical for the page
 * tables is checked by the walk.
 */
export function vaFromWords(lo: number, hi: number): number {
  const top = hi >>> 16;
  if (top !== 0 && top !== 0xffff) return -1;
  return (hi & 0xffff) * 2 ** 32 + (lo >>> 0) + (top === 0 ? 0 : UPPER);
}

/** Low 32 bits of an engine address. */
export function vaLo(va: number): number {
  return (va % 2 ** 32) >>> 0;
}

/** High 32 bits of the 64-bit form of an engine address. */
export function vaHi(va: number): number {
  const hi = Math.floor(va / 2 ** 32);
  return hi >= 0x10000 ? (hi | 0xffff0000) >>> 0 : hi;
}

/** Formats an address or value as `0x…` hex. */
export function hex(value: bigint | number, digits = 0): string {
  const s = value.toString(16);
  return `0x${s.padStart(digits, '0')}`;
}
