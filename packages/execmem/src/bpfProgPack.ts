import { fail, hex } from '@execmem/core';
import type { Carved, ExecmemBackend } from './execmemBackend';
import { PROT_KERNEL_ROX, type ResolvedRange } from './resolvedRange';
import { fillTrappingInsns } from './trapFill';
import { alignUp, CHUNK_SIZE, PAGE_SIZE } from './units';
import { type VmArea, type VmallocContext, vfree, vmallocRange } from './vmalloc';
import { createVmallocPerAllocation } from './vmallocPerAllocation';
import type { Window } from './vmapSpace';

interface Pack {
  readonly area: VmArea;
  /** One byte per 64-byte chunk: 1 = in use. */
  readonly used: Uint8Array;
  inUse: number;
}

/**
 * `bpf_prog_pack` (kernel/bpf/core.c, v5.18+): packs of one PMD (2 MiB;
 * one page without PMD mappings) mapped read-only and executable and
 * filled with traps at once, carved first-fit into 64-byte chunks with
 * one bitmap per pack; a free invalidates the chunks with traps through
 * the text-poke path (`bpf_arch_text_invalidate()`) and frees the pack when
 * it empties. Larger requests, and read/write ones, get their own area.
 */
export function createBpfProgPack(ctx: VmallocContext): ExecmemBackend {
  const packSize = ctx.port.largePageSize || PAGE_SIZE;
  const chunks = packSize / CHUNK_SIZE;
  const packs = new Map<number, Pack>();
  const own = createVmallocPerAllocation(ctx);
  const ownAreas = new Set<number>();

  function inside(area: VmArea, windows: readonly Window[]): boolean {
    return windows.some((w) => area.va >= w.start && area.va + area.size <= w.end);
  }

  /** First fit of `n` clear bits (`bitmap_find_next_zero_area()`); -1 when none. */
  function findRun(used: Uint8Array, n: number): number {
    let run = 0;
    for (let i = 0; i < used.length; i++) {
      run = used[i] ? 0 : run + 1;
      if (run === n) return i - n + 1;
    }
    return -1;
  }

  function newPack(range: ResolvedRange): Pack | null {
    const area = vmallocRange(ctx, range.windows, {
      size: packSize,
      align: Math.max(range.alignment, packSize),
      prot: PROT_KERNEL_ROX,
      allowHuge: true,
      fill: range.fill,
    });
    if (area === null) return null;
    const pack = { area, used: new Uint8Array(chunks), inUse: 0 };
    packs.set(area.va, pack);
    return pack;
  }

  return {
    alloc(range, size, rw) {
      if (rw || size > packSize) {
        const carved = own.alloc(range, size, rw);
        if (carved) ownAreas.add(carved.va);
        return carved;
      }
      const n = alignUp(size, CHUNK_SIZE) / CHUNK_SIZE;
      for (const pack of packs.values()) {
        if (chunks - pack.inUse < n || !inside(pack.area, range.windows)) continue;
        const first = findRun(pack.used, n);
        if (first < 0) continue;
        pack.used.fill(1, first, first + n);
        pack.inUse += n;
        return { va: pack.area.va + first * CHUNK_SIZE, size: n * CHUNK_SIZE } satisfies Carved;
      }
      const pack = newPack(range);
      if (pack === null) return null;
      pack.used.fill(1, 0, n);
      pack.inUse = n;
      return { va: pack.area.va, size: n * CHUNK_SIZE };
    },
    free(range, carved, rw) {
      if (ownAreas.has(carved.va)) {
        own.free(range, carved, rw);
        ownAreas.delete(carved.va);
        return;
      }
      const base = carved.va - (carved.va % packSize);
      const pack = packs.get(base);
      if (!pack) fail('EINVAL', `${hex(carved.va)} is not in a bpf_prog_pack`);
      fillTrappingInsns(ctx.port, carved.va, carved.size, pack.area.fill ?? range.fill, 'textPoke');
      const first = (carved.va - base) / CHUNK_SIZE;
      const n = carved.size / CHUNK_SIZE;
      pack.used.fill(0, first, first + n);
      pack.inUse -= n;
      if (pack.inUse === 0) {
        vfree(ctx, pack.area);
        packs.delete(base);
      }
    },
    isRox() {
      return true;
    },
    reclaim() {
      return 0;
    },
    areas() {
      return [...[...packs.values()].map((p) => p.area), ...own.areas()].sort(
        (x, y) => x.va - y.va,
      );
    },
    freeAreas() {
      const out: [number, number][] = [];
      for (const pack of [...packs.values()].sort((x, y) => x.area.va - y.area.va)) {
        let start = -1;
        for (let i = 0; i <= chunks; i++) {
          const isFree = i < chunks && pack.used[i] === 0;
          if (isFree && start < 0) start = i;
          if (!isFree && start >= 0) {
            out.push([pack.area.va + start * CHUNK_SIZE, (i - start) * CHUNK_SIZE]);
            start = -1;
          }
        }
      }
      return out;
    },
  };
}
