import { fail, hex } from '@execmem/core';
import { lowerBound } from './lowerBound';
import { alignUp } from './units';
import type { Window } from './vmapSpace';

/**
 * How a cache picks the free area to carve: `firstFit` walks every free
 * area in address order and takes the first that fits (mm/execmem.c
 * `__execmem_cache_alloc()`, a linear `mas_for_each` over the maple tree);
 * `bestFit` keeps a second index ordered by size and takes the smallest
 * area that fits, found by binary search.
 */
export type FitStrategy = 'firstFit' | 'bestFit';

/** The free areas of a cache, merged with their neighbours. */
export interface FreeAreas {
  /** Adds `[start, start + size)`, merging with adjacent free areas. */
  insert(start: number, size: number): void;
  /**
   * Finds where `size` bytes aligned to `align` can be carved so that they
   * lie inside one of `windows`; returns the address or -1.
   */
  find(size: number, align: number, windows: readonly Window[]): number;
  /** Removes `[a, a + size)`, which must lie inside one free area (what remains of it stays free). */
  take(a: number, size: number): void;
  /** The size of the free area starting exactly at `start`, or -1. */
  sizeAt(start: number): number;
  /** Free areas in address order as `[start, size]`. */
  list(): [start: number, size: number][];
  /** Number of free areas. */
  readonly count: number;
  /** Free bytes. */
  readonly bytes: number;
}

/** Creates an empty set of free areas searched by `strategy`. */
export function createFreeAreas(strategy: FitStrategy): FreeAreas {
  const starts: number[] = [];
  const ends: number[] = [];
  // bestFit only: (size, start) pairs sorted by size then start.
  const bySize: number[] = [];
  const byStart: number[] = [];
  let bytes = 0;

  function sizeIndex(size: number, start: number): number {
    let lo = 0;
    let hi = bySize.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bySize[mid] < size || (bySize[mid] === size && byStart[mid] < start)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function indexAdd(start: number, size: number): void {
    if (strategy !== 'bestFit') return;
    const i = sizeIndex(size, start);
    bySize.splice(i, 0, size);
    byStart.splice(i, 0, start);
  }

  function indexRemove(start: number, size: number): void {
    if (strategy !== 'bestFit') return;
    const i = sizeIndex(size, start);
    bySize.splice(i, 1);
    byStart.splice(i, 1);
  }

  /** The carve address inside area `[s, e)` for the request, or -1. */
  function carveIn(s: number, e: number, size: number, align: number, windows: readonly Window[]) {
    for (const w of windows) {
      const a = alignUp(Math.max(s, w.start), align);
      if (a + size <= Math.min(e, w.end)) return a;
    }
    return -1;
  }

  return {
    insert(start, size) {
      const end = start + size;
      const i = lowerBound(starts, start);
      if ((i > 0 && ends[i - 1] > start) || (i < starts.length && starts[i] < end)) {
        fail('EINVAL', `free area ${hex(start)}+${size} overlaps a free area`);
      }
      let s = start;
      let e = end;
      let at = i;
      let remove = 0;
      if (i > 0 && ends[i - 1] === start) {
        s = starts[i - 1];
        indexRemove(s, start - s);
        at = i - 1;
        remove++;
      }
      if (i < starts.length && starts[i] === end) {
        e = ends[i];
        indexRemove(end, e - end);
        remove++;
      }
      starts.splice(at, remove, s);
      ends.splice(at, remove, e);
      indexAdd(s, e - s);
      bytes += size;
    },
    find(size, align, windows) {
      if (strategy === 'bestFit') {
        for (let j = sizeIndex(size, -1); j < bySize.length; j++) {
          const s = byStart[j];
          const a = carveIn(s, s + bySize[j], size, align, windows);
          if (a >= 0) return a;
        }
        return -1;
      }
      for (let i = 0; i < starts.length; i++) {
        if (ends[i] - starts[i] < size) continue;
        const a = carveIn(starts[i], ends[i], size, align, windows);
        if (a >= 0) return a;
      }
      return -1;
    },
    take(a, size) {
      const i = lowerBound(starts, a + 1) - 1;
      const s = starts[i];
      const e = ends[i];
      if (i < 0 || a < s || a + size > e)
        fail('EINVAL', `${hex(a)}+${size} is not inside a free area`);
      indexRemove(s, e - s);
      const pieces: [number, number][] = [];
      if (s < a) pieces.push([s, a]);
      if (a + size < e) pieces.push([a + size, e]);
      starts.splice(i, 1, ...pieces.map((p) => p[0]));
      ends.splice(i, 1, ...pieces.map((p) => p[1]));
      for (const [ps, pe] of pieces) indexAdd(ps, pe - ps);
      bytes -= size;
    },
    sizeAt(start) {
      const i = lowerBound(starts, start);
      return i < starts.length && starts[i] === start ? ends[i] - start : -1;
    },
    list() {
      return starts.map((s, i) => [s, ends[i] - s]);
    },
    get count() {
      return starts.length;
    },
    get bytes() {
      return bytes;
    },
  };
}
