import { fail, hex } from '@execmem/core';
import type { Carved, ExecmemBackend } from './execmemBackend';
import { createFreeAreas, type FitStrategy } from './freeAreas';
import { lowerBound } from './lowerBound';
import { PROT_KERNEL_ROX, type ResolvedRange } from './resolvedRange';
import { fillTrappingInsns } from './trapFill';
import { alignUp, CHUNK_SIZE, isAligned, PAGE_SIZE } from './units';
import { PROT_KERNEL, type VmArea, type VmallocContext, vfree, vmallocRange } from './vmalloc';

/** Options of {@link createRoxCache}. */
export interface RoxCacheOptions {
  /** How a free area is picked. */
  readonly fit: FitStrategy;
  /**
   * Which populated areas reclaim returns: `pmdAligned` only those whose
   * start and size are PMD-aligned (the kernel's `execmem_cache_clean()`),
   * `whole` every populated area that is entirely free.
   */
  readonly reclaim: 'pmdAligned' | 'whole';
}

/**
 * The ROX cache (mm/execmem.c, v6.13+): large pages mapped read-only and
 * executable, filled with trapping instructions and carved into
 * allocations of 64-byte granules. A miss populates the cache with a
 * PMD-size huge mapping (the exact size when no large page fits); a free
 * refills the area with traps through the text-poke path and merges it
 * back; reclaim returns wholly free populated areas.
 */
export function createRoxCache(ctx: VmallocContext, options: RoxCacheOptions): ExecmemBackend {
  const free = createFreeAreas(options.fit);
  const populations = new Map<number, VmArea>();
  const starts: number[] = [];
  const large = ctx.port.largePageSize;

  /**
   * The pattern of the population holding `va`: a freed area is refilled
   * with the fill its population was made with, so every free byte of a
   * population holds one pattern whatever type used it.
   */
  function fillAt(va: number): Uint8Array {
    const area = populations.get(starts[lowerBound(starts, va + 1) - 1]);
    if (!area?.fill) fail('EINVAL', `${hex(va)} is not in the ROX cache`);
    return area.fill;
  }

  /** `execmem_cache_populate()`: vmalloc PMD-rounded (then exact) size, fill, set ROX. */
  function populate(range: ResolvedRange, size: number): VmArea | null {
    const request = {
      align: range.alignment,
      prot: PROT_KERNEL_ROX,
      allowHuge: true,
      fill: range.fill,
    };
    const area =
      (large > 0
        ? vmallocRange(ctx, range.windows, { ...request, size: alignUp(size, large) })
        : null) ?? vmallocRange(ctx, range.windows, { ...request, size });
    if (area === null) return null;
    populations.set(area.va, area);
    starts.splice(lowerBound(starts, area.va), 0, area.va);
    free.insert(area.va, area.size);
    return area;
  }

  function depopulate(area: VmArea): void {
    free.take(area.va, area.size);
    populations.delete(area.va);
    starts.splice(lowerBound(starts, area.va), 1);
    vfree(ctx, area);
  }

  return {
    alloc(range, size, rw) {
      // A read/write allocation gets whole pages so that forcing them RW
      // never takes execute permission from a neighbour.
      const granule = rw ? PAGE_SIZE : CHUNK_SIZE;
      const carve = alignUp(size, granule);
      let a = free.find(carve, granule, range.windows);
      let fresh: VmArea | null = null;
      if (a < 0) {
        fresh = populate(range, carve);
        if (fresh === null) return null;
        a = free.find(carve, granule, range.windows);
        if (a < 0) {
          depopulate(fresh);
          return null;
        }
      }
      free.take(a, carve);
      if (rw) {
        try {
          ctx.port.setMemory(a, carve, PROT_KERNEL, ctx.directMap);
        } catch (e) {
          free.insert(a, carve);
          if (fresh) depopulate(fresh);
          throw e;
        }
      }
      return { va: a, size: carve } satisfies Carved;
    },
    free(_range, area, rw) {
      const fill = fillAt(area.va);
      if (rw) {
        fillTrappingInsns(ctx.port, area.va, area.size, fill, 'store');
        ctx.port.setMemory(area.va, area.size, PROT_KERNEL_ROX, ctx.directMap);
      } else {
        fillTrappingInsns(ctx.port, area.va, area.size, fill, 'textPoke');
      }
      free.insert(area.va, area.size);
    },
    isRox() {
      return true;
    },
    reclaim() {
      let released = 0;
      for (const area of [...populations.values()]) {
        if (free.sizeAt(area.va) !== area.size) continue;
        if (
          options.reclaim === 'pmdAligned' &&
          !(large > 0 && isAligned(area.va, large) && isAligned(area.size, large))
        ) {
          continue;
        }
        depopulate(area);
        released += area.size;
      }
      return released;
    },
    areas() {
      return [...populations.values()].sort((x, y) => x.va - y.va);
    },
    freeAreas() {
      return free.list();
    },
  };
}
