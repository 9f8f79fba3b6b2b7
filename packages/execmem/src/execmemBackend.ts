import type { ResolvedRange } from './resolvedRange';
import type { VmArea } from './vmalloc';

/** An area an allocator handed out: its address and the bytes it reserved. */
export interface Carved {
  /** First address. */
  readonly va: number;
  /** Bytes reserved (the request rounded up to the allocator's granule). */
  readonly size: number;
}

/**
 * One allocation policy behind the `Execmem` API. Every method either
 * completes or throws having changed nothing.
 */
export interface ExecmemBackend {
  /**
   * Allocates `size` bytes for `range`, read/write when `rw` (for
   * `execmem_alloc_rw()`), otherwise with the range's protection, or
   * read-only and executable when {@link ExecmemBackend.isRox}; null when
   * no window has room.
   */
  alloc(range: ResolvedRange, size: number, rw: boolean): Carved | null;
  /** Frees an allocation; `rw` when it is still read/write. */
  free(range: ResolvedRange, area: Carved, rw: boolean): void;
  /** True when memory of `range` comes back read-only and executable. */
  isRox(range: ResolvedRange): boolean;
  /** Returns whole free populated areas to the system; returns the bytes released. */
  reclaim(): number;
  /** The vmalloc'd areas the backend holds (cache populations, packs, or one per allocation). */
  areas(): VmArea[];
  /** Free bytes inside {@link ExecmemBackend.areas}, address order as `[va, size]`. */
  freeAreas(): [va: number, size: number][];
}
