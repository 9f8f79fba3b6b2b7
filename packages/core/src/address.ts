import { fail } from './errors';

/**
 * Virtual addresses inside the engine are `number`s holding the low 48 bits
 * of the canonical 64-bit address: exact (48 < 53 bits), cheap, and enough
 * for 4-level x86-64, AArch64 with 48-bit VAs, and Sv39/Sv48. Public APIs
 * take and return `bigint`; these functions convert at the boundary.
 */
export const VA_BITS = 48;

const VA_SPAN = 2 ** VA_BITS;
const VA_MASK = (1n << 48n) - 1n;
const SIGN = 1n << 47n;

/** Converts a canonical 64-bit address to the engine's 48-bit form; `EINVAL` when not canonical. */
export function vaFromBigint(address: bigint): number {
  const a = BigInt.asUintN(64, address);
  const high = a >> 47n;
  if (high !== 0n && high !== (1n << 17n) - 1n) {
    fail(
      'EINVAL',
      `address 0x${a.toString(16)} is not canonical for ${VA_BITS}-bit virtual addresses`,
    );
  }
  return Number(a & VA_MASK);
}

/** Converts an engine address back to its canonical 64-bit form (bit 47 sign-extended). */
export function vaToBigint(va: number): bigint {
  const v = BigInt(va);
  return v & SIGN ? v | (~VA_MASK & ((1n << 64n) - 1n)) : v;
}

/** Wraps an engine address computation (`va + delta`) back into the 48-bit span. */
export function vaWrap(va: number): number {
  return ((va % VA_SPAN) + VA_SPAN) % VA_SPAN;
}

/**
 * Converts the 64-bit value held as two 32-bit halves to an engine address;
 * returns -1 when it is not canonical (the caller raises the fault).
 */
export function vaFromWords(lo: number, hi: number): number {
  const top = hi >>> 15;
  if (top !== 0 && top !== 0x1ffff) return -1;
  return (hi & 0xffff) * 2 ** 32 + (lo >>> 0);
}

/** Low 32 bits of an engine address. */
export function vaLo(va: number): number {
  return (va % 2 ** 32) >>> 0;
}

/** High 32 bits of the canonical 64-bit form of an engine address. */
export function vaHi(va: number): number {
  const hi = Math.floor(va / 2 ** 32);
  return hi & 0x8000 ? (hi | 0xffff0000) >>> 0 : hi;
}

/** Formats an address or value as `0x…` hex. */
export function hex(value: bigint | number, digits = 0): string {
  const s = value.toString(16);
  return `0x${s.padStart(digits, '0')}`;
}
