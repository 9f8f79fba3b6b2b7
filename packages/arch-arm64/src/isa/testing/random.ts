/**
 * Convenience draws over the core's seeded PRNG for the generated
 * differential tests.
 *
 * @module
 */
import { createPrng } from '@execmem/core';

/** A seeded random source. */
export interface Random {
  /** Uniform integer in `0..n-1`. */
  int(n: number): number;
  /** Uniform integer in `min..max`. */
  range(min: number, max: number): number;
  /** One element of `items`. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A uniform 32-bit unsigned integer. */
  u32(): number;
}

/** Creates a {@link Random} from a seed. */
export function createRandom(seed: number): Random {
  const prng = createPrng(seed);
  const int = (n: number) => prng.below(n);
  return {
    int,
    range: (min, max) => min + int(max - min + 1),
    pick: (items) => items[int(items.length)],
    chance: (p) => prng.next() / 2 ** 32 < p,
    u32: () => prng.next(),
  };
}
