import { fail, hex } from '@execmem/core';
import { alignUp, PAGE_SIZE } from './units';

/** A half-open window `[start, end)` of engine addresses. */
export interface Window {
  /** First address. */
  readonly start: number;
  /** One past the last address. */
  readonly end: number;
}

/**
 * The kernel's vmap-area allocator (mm/vmalloc.c `alloc_vmap_area`): one
 * address-ordered set of free blocks covering the kernel's virtual space,
 * searched for the lowest address that fits inside the caller's window
 * with the requested alignment. Every area carries the guard page the
 * kernel appends to each `vm_struct` (unless `VM_NO_GUARD`), so two areas
 * are never adjacent and an overrun faults.
 */
export interface VmapSpace {
  /**
   * Reserves `size` bytes plus the guard page at the lowest `align`-aligned
   * address inside `window` (guard included); returns the address, or -1
   * when nothing fits (state unchanged).
   */
  alloc(size: number, align: number, window: Window): number;
  /** Releases the area starting at `va` (with its guard); returns its size without the guard. */
  free(va: number): number;
  /** The size (without guard) of the area starting at `va`, or -1. */
  sizeOf(va: number): number;
  /** Number of areas in use. */
  readonly busyCount: number;
  /** Free blocks, address order (for dumps and checks). */
  freeBlocks(): Window[];
}

/** Size of the guard page after every vmap area. */
export const GUARD_SIZE = PAGE_SIZE;

/**
 * Creates a vmap space whose free blocks are `windows` (merged) minus
 * `reserved` (the kernel image and other fixed areas already in `vmlist`).
 */
export function createVmapSpace(
  windows: readonly Window[],
  reserved: readonly Window[],
): VmapSpace {
  const starts: number[] = [];
  const ends: number[] = [];
  const busy = new Map<number, number>();

  for (const w of [...windows].sort((a, b) => a.start - b.start)) {
    const n = starts.length;
    if (n > 0 && w.start <= ends[n - 1]) ends[n - 1] = Math.max(ends[n - 1], w.end);
    else {
      starts.push(w.start);
      ends.push(w.end);
    }
  }
  for (const r of reserved) carve(r.start, r.end);

  /** Removes `[s, e)` from the free blocks wherever it overlaps them. */
  function carve(s: number, e: number): void {
    for (let i = 0; i < starts.length; i++) {
      const bs = starts[i];
      const be = ends[i];
      if (be <= s || bs >= e) continue;
      i += cut(i, s, e) - 1;
    }
  }

  /** Replaces free block `i` by what is left of it outside `[s, e)`; returns the number of pieces left. */
  function cut(i: number, s: number, e: number): number {
    const bs = starts[i];
    const be = ends[i];
    const pieces: [number, number][] = [];
    if (bs < s) pieces.push([bs, s]);
    if (e < be) pieces.push([e, be]);
    starts.splice(i, 1, ...pieces.map((p) => p[0]));
    ends.splice(i, 1, ...pieces.map((p) => p[1]));
    return pieces.length;
  }

  /** Index of the first free block ending after `va`. */
  function firstEndingAfter(va: number): number {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid] <= va) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  return {
    alloc(size, align, window) {
      const need = size + GUARD_SIZE;
      for (let i = firstEndingAfter(window.start); i < starts.length; i++) {
        if (starts[i] >= window.end) break;
        const a = alignUp(Math.max(starts[i], window.start), align);
        if (a + need > Math.min(ends[i], window.end)) continue;
        cut(i, a, a + need);
        busy.set(a, size);
        return a;
      }
      return -1;
    },
    free(va) {
      const size = busy.get(va);
      if (size === undefined) fail('EINVAL', `no vmap area starts at ${hex(va)}`);
      busy.delete(va);
      const s = va;
      const e = va + size + GUARD_SIZE;
      const i = firstEndingAfter(s);
      const joinLeft = i > 0 && ends[i - 1] === s;
      const joinRight = i < starts.length && starts[i] === e;
      if (joinLeft && joinRight) {
        ends[i - 1] = ends[i];
        starts.splice(i, 1);
        ends.splice(i, 1);
      } else if (joinLeft) ends[i - 1] = e;
      else if (joinRight) starts[i] = s;
      else {
        starts.splice(i, 0, s);
        ends.splice(i, 0, e);
      }
      return size;
    },
    sizeOf(va) {
      return busy.get(va) ?? -1;
    },
    get busyCount() {
      return busy.size;
    },
    freeBlocks() {
      return starts.map((s, i) => ({ start: s, end: ends[i] }));
    },
  };
}
