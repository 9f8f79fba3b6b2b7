/**
 * Kernel virtual-address layouts as data (the tables in each arch's
 * `Documentation/arch/…/memory.rst`): named regions with canonical 64-bit
 * bounds, `start` inclusive and `end` exclusive.
 *
 * @module
 */

import { fail } from './errors';

/** Well-known region names; arches may add their own. */
export type RegionName =
  | 'kernelText'
  | 'modules'
  | 'vmalloc'
  | 'directMap'
  | 'vmemmap'
  | 'fixmap'
  | 'textPoke'
  | 'bpfJit'
  | (string & {});

/** One region of a layout. */
export interface AddressSpaceRegion {
  /** The region's name. */
  readonly name: RegionName;
  /** First address (canonical 64-bit). */
  readonly start: bigint;
  /** One past the last address (may be 2^64 for the top region). */
  readonly end: bigint;
  /** What the kernel keeps there. */
  readonly description: string;
}

/** An arch's kernel address-space layout. */
export interface AddressSpaceLayout {
  /** Human-readable name, e.g. `x86-64 4-level`. */
  readonly name: string;
  /** Virtual-address width the layout assumes. */
  readonly vaBits: number;
  /**
   * Lowest address of the kernel (upper) half. Default: the sign-extended
   * canonical half, `2^64 − 2^(vaBits−1)`; arm64 TTBR1 covers
   * `2^64 − 2^vaBits` and up.
   */
  readonly upperStart?: bigint;
  /** Regions, in address order. */
  readonly regions: readonly AddressSpaceRegion[];
}

/** The region called `name`; `ENOENT` when the layout has none. */
export function findRegion(layout: AddressSpaceLayout, name: RegionName): AddressSpaceRegion {
  const region = layout.regions.find((r) => r.name === name);
  if (!region) fail('ENOENT', `layout ${layout.name} has no region "${name}"`);
  return region;
}

/** The region containing `va`, if any. */
export function regionOf(layout: AddressSpaceLayout, va: bigint): AddressSpaceRegion | undefined {
  const a = BigInt.asUintN(64, va);
  return layout.regions.find((r) => a >= r.start && a < r.end);
}

/** Size of a region in bytes. */
export function regionSize(region: AddressSpaceRegion): bigint {
  return region.end - region.start;
}

/**
 * Checks a layout: every region non-empty, page aligned, inside the
 * canonical halves of `vaBits`, listed by ascending start. Regions may
 * nest (arm64 places the kernel image inside vmalloc space, riscv the BPF
 * JIT region inside the module region).
 * Returns the layout; `EINVAL` naming the first bad region.
 */
export function validateLayout(layout: AddressSpaceLayout): AddressSpaceLayout {
  const half = 1n << BigInt(layout.vaBits - 1);
  const highStart = layout.upperStart ?? (1n << 64n) - half;
  let previous: AddressSpaceRegion | undefined;
  for (const r of layout.regions) {
    const where = `region ${r.name} [0x${r.start.toString(16)}, 0x${r.end.toString(16)})`;
    if (r.start >= r.end || r.start % 4096n !== 0n || r.end % 4096n !== 0n) {
      fail('EINVAL', `${where} of ${layout.name} is empty or not page aligned`);
    }
    const low = r.end <= half;
    const high = r.start >= highStart && r.end <= 1n << 64n;
    if (!low && !high) {
      fail(
        'EINVAL',
        `${where} of ${layout.name} is not inside the lower half or the kernel half from 0x${highStart.toString(16)}`,
      );
    }
    if (previous && r.start < previous.start) {
      fail(
        'EINVAL',
        `${where} of ${layout.name} is listed after region ${previous.name}, which starts higher`,
      );
    }
    previous = r;
  }
  return layout;
}
