/**
 * Bit-field helpers shared by the A64 encoders, decoders and printers.
 *
 * @module
 */

/** The `width`-bit field of `word` starting at bit `lsb` (width < 32). */
export function field(word: number, lsb: number, width: number): number {
  return (word >>> lsb) & ((1 << width) - 1);
}

/** Sign-extends the low `width` bits of `value`. */
export function signExtend(value: number, width: number): number {
  const s = 32 - width;
  return (value << s) >> s;
}

/** `0x…` lower-case hex of a non-negative number or bigint, as objdump prints immediates. */
export function hexImm(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}

/** An address or branch target as objdump prints it: bare lower-case hex, modulo 2^64. */
export function hexAddress(value: bigint): string {
  return BigInt.asUintN(64, value).toString(16);
}
