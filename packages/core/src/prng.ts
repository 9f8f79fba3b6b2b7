/**
 * The engine's one pseudo-random generator: xoshiro128** (Blackman and
 * Vigna, 2018), seeded through splitmix32 so that every 32-bit seed,
 * including 0, gives a well-mixed state. Small, fast, allocation-free per
 * draw, and identical on every platform, so a seed replays exactly.
 *
 * @module
 */

import { fail } from './errors';

/** A seeded stream of pseudo-random numbers. */
export interface Prng {
  /** The next 32-bit unsigned value. */
  next(): number;
  /** A value uniformly distributed in `[0, n)`; `n` is a positive integer below 2^32. */
  below(n: number): number;
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Creates a xoshiro128** generator from an integer seed (only its low 32 bits matter). */
export function createPrng(seed: number): Prng {
  if (!Number.isInteger(seed)) fail('EINVAL', `seed ${seed} is not an integer`);
  const s = new Uint32Array(4);
  let x = seed >>> 0;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    s[i] = splitmix32(x);
  }
  function next(): number {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  return {
    next,
    below(n) {
      if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
        fail('EINVAL', `bound ${n} is not an integer in 1..2^32`);
      }
      // Rejection sampling keeps the distribution exactly uniform.
      const limit = 2 ** 32 - (2 ** 32 % n);
      let v = next();
      while (v >= limit) v = next();
      return v % n;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
