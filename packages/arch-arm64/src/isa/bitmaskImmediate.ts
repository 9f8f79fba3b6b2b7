/**
 * The logical ("bitmask") immediate of AND/ORR/EOR/ANDS and the masks of
 * the bitfield instructions: DecodeBitMasks (Arm ARM J1.1.3
 * aarch64/instrs/integer/bitmasks/DecodeBitMasks) and its inverse.
 *
 * @module
 */

const MASK64 = (1n << 64n) - 1n;

function ones(n: number): bigint {
  return (1n << BigInt(n)) - 1n;
}

function rotateRight(value: bigint, amount: number, width: number): bigint {
  if (amount === 0) return value;
  const w = BigInt(width);
  const r = BigInt(amount);
  return ((value >> r) | (value << (w - r))) & ones(width);
}

function replicate(element: bigint, esize: number, width: number): bigint {
  let out = 0n;
  for (let i = 0; i < width; i += esize) out |= element << BigInt(i);
  return out;
}

/** The `wmask` and `tmask` of DecodeBitMasks, each as a bigint of the register width. */
export interface BitMasks {
  readonly wmask: bigint;
  readonly tmask: bigint;
}

/**
 * DecodeBitMasks(N, imms, immr, immediate) for a register of `width` bits;
 * `undefined` for the reserved encodings.
 */
export function decodeBitMasks(
  n: number,
  imms: number,
  immr: number,
  immediate: boolean,
  width: 32 | 64,
): BitMasks | undefined {
  const combined = (n << 6) | (~imms & 0x3f);
  if (combined === 0) return undefined;
  const len = 31 - Math.clz32(combined);
  if (len < 1 || (width === 32 && len > 5)) return undefined;
  const levels = (1 << len) - 1;
  if (immediate && (imms & levels) === levels) return undefined;
  const s = imms & levels;
  const r = immr & levels;
  const esize = 1 << len;
  const d = (s - r) & levels;
  const welem = ones(s + 1);
  const telem = ones(d + 1);
  return {
    wmask: replicate(rotateRight(welem, r, esize), esize, width),
    tmask: replicate(telem, esize, width),
  };
}

/** The N:immr:imms fields of a logical immediate. */
export interface BitmaskFields {
  readonly n: number;
  readonly immr: number;
  readonly imms: number;
}

/**
 * Encodes `value` (taken modulo 2^width) as a logical immediate, choosing
 * the smallest element size as the architecture requires for a unique
 * encoding; `undefined` when it has no encoding (0, all ones, or not a
 * replicated rotated run of ones).
 */
export function encodeBitmaskImmediate(value: bigint, width: 32 | 64): BitmaskFields | undefined {
  let v = BigInt.asUintN(width, value);
  if (width === 32) v |= v << 32n;
  if (v === 0n || v === MASK64) return undefined;
  let esize = 2;
  while (esize < 64) {
    const e = v & ones(esize);
    if (replicate(e, esize, 64) === v) break;
    esize *= 2;
  }
  const elem = v & ones(esize);
  let count = 0;
  for (let i = 0; i < esize; i++) if ((elem >> BigInt(i)) & 1n) count++;
  const run = ones(count);
  for (let r = 0; r < esize; r++) {
    if (rotateRight(run, r, esize) === elem) {
      const imms = (~(2 * esize - 1) & 0x3f) | (count - 1);
      return { n: esize === 64 ? 1 : 0, immr: r, imms };
    }
  }
  return undefined;
}
