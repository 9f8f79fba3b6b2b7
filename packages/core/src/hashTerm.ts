/**
 * Order-independent hashing of a set: each member becomes a well-mixed
 * 32-bit term, and the terms are combined with a commutative operation, so
 * the set hashes alike whatever order its members were added in.
 *
 * @module
 */

/** A well-mixed 32-bit term for the pair (`a`, `v`) under `seed`; `a` may exceed 32 bits. */
export function hashTerm(a: number, v: number, seed: number): number {
  let h =
    Math.imul((a | 0) ^ seed, 0x85ebca6b) ^
    Math.imul(Math.floor(a / 2 ** 32) + v * 0x10001, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) | 0;
}
