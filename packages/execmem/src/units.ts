/** Rounds `x` up to a multiple of the power of two `a` (exact for addresses below 2^53). */
export function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

/** True when `x` is a multiple of `a`. */
export function isAligned(x: number, a: number): boolean {
  return x % a === 0;
}

export { PAGE_SIZE } from '@execmem/core';

/**
 * Granule of sub-page allocations from the ROX caches and packs: 64 bytes,
 * `BPF_PROG_CHUNK_SIZE` (kernel/bpf/core.c), one cache line.
 */
export const CHUNK_SIZE = 64;
