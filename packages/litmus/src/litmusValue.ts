/**
 * Values a litmus register or memory cell holds. herd keeps addresses and
 * instructions symbolic, and so do we: a test can only compare them for
 * equality, store them and branch to them.
 *
 * - a number: `bigint` (64-bit, wrapped);
 * - a data location's address: its name (`'x'`);
 * - a code address: `'P1:#5'`, thread 1's instruction slot 5 (see {@link codeAddress});
 * - an instruction: `'instr:' + canonical text` (see {@link instrValue}).
 *
 * @module
 */

/** A symbolic litmus value (see the module comment). */
export type LitmusValue = bigint | string;

const MASK64 = (1n << 64n) - 1n;

/** The code address of instruction slot `slot` in code column `column` (`'P1'`, `'P1.F'`). */
export function codeAddress(column: string, slot: number): string {
  return `${column}:#${slot}`;
}

/** The column and slot of a code address, or `undefined` for any other value. */
export function parseCodeAddress(v: LitmusValue): { column: string; slot: number } | undefined {
  if (typeof v !== 'string') return undefined;
  const hash = v.indexOf(':#');
  if (hash < 0) return undefined;
  return { column: v.slice(0, hash), slot: Number(v.slice(hash + 2)) };
}

/** The value of an instruction whose canonical text is `text`. */
export function instrValue(text: string): string {
  return `instr:${text}`;
}

/** The canonical text of an instruction value, or `undefined` for any other value. */
export function instrText(v: LitmusValue): string | undefined {
  return typeof v === 'string' && v.startsWith('instr:') ? v.slice(6) : undefined;
}

/** Wraps a number to `bits` (32 or 64) bits; symbolic values pass through unchanged. */
export function truncate(v: LitmusValue, bits: 32 | 64): LitmusValue {
  if (typeof v !== 'bigint') return v;
  return bits === 32 ? v & 0xffffffffn : v & MASK64;
}
