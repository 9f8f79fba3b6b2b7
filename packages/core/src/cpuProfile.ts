/**
 * CPU profiles: the micro-architectural sizes the model charges costs
 * against (TLB reach, cache-line and fetch-block sizes). Each arch
 * package ships sensible defaults in its `mm/` folder.
 *
 * @module
 */

import { fail } from './errors';

/** One TLB size class: entries caching translations of `2^pageShift`-byte spans. */
export interface TlbSizeClass {
  /** log2 of the span one entry covers (12 for 4 KiB, 16 for a 64 KiB contiguous run, 21 for 2 MiB …). */
  readonly pageShift: number;
  /** Number of entries (fully associative, LRU). */
  readonly entries: number;
}

/** A TLB's geometry: its size classes, smallest span first. */
export interface TlbGeometry {
  /** Size classes, ascending `pageShift`. */
  readonly classes: readonly TlbSizeClass[];
}

/** What the model needs to know about one CPU implementation. */
export interface CpuProfile {
  /** Name of the modelled core, e.g. `Skylake`, `Neoverse N1`. */
  readonly name: string;
  /** First-level instruction TLB. */
  readonly itlb: TlbGeometry;
  /** First-level data TLB. */
  readonly dtlb: TlbGeometry;
  /** Instruction-cache line size in bytes (arm64: `4 << CTR_EL0.IminLine`). */
  readonly icacheLineSize: number;
  /** Data-cache line size in bytes (arm64: `4 << CTR_EL0.DminLine`). */
  readonly dcacheLineSize: number;
  /** Bytes the front end fetches as one block (x86: 16). */
  readonly fetchBlockSize: number;
}

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/** Checks a TLB geometry: `EINVAL` naming the bad class. */
export function validateTlbGeometry(geometry: TlbGeometry, what = 'TLB'): void {
  if (geometry.classes.length === 0) fail('EINVAL', `${what} has no size class`);
  let last = 0;
  for (const c of geometry.classes) {
    if (
      !Number.isInteger(c.pageShift) ||
      c.pageShift < 12 ||
      c.pageShift > 47 ||
      c.pageShift <= last
    ) {
      fail(
        'EINVAL',
        `${what} size class with pageShift ${c.pageShift} is out of order or outside 12..47`,
      );
    }
    if (!Number.isInteger(c.entries) || c.entries < 1) {
      fail('EINVAL', `${what} size class 2^${c.pageShift} has ${c.entries} entries`);
    }
    last = c.pageShift;
  }
}

/** Checks a profile: `EINVAL` naming the bad field. */
export function validateCpuProfile(profile: CpuProfile): CpuProfile {
  validateTlbGeometry(profile.itlb, `${profile.name} iTLB`);
  validateTlbGeometry(profile.dtlb, `${profile.name} dTLB`);
  for (const key of ['icacheLineSize', 'dcacheLineSize', 'fetchBlockSize'] as const) {
    if (!isPowerOfTwo(profile[key]))
      fail('EINVAL', `${profile.name} ${key} ${profile[key]} is not a power of two`);
  }
  return profile;
}
