import {
  EXECMEM_TYPES,
  type ExecmemInfo,
  type ExecmemType,
  fail,
  hex,
  isExecmemError,
} from '@execmem/core';
import { createBpfProgPack } from './bpfProgPack';
import type { Carved, ExecmemBackend } from './execmemBackend';
import { dumpOf, type ExecmemDump, type ExecmemStats, statsOf } from './execmemDump';
import type { DirectMapMode, ExecmemPort } from './execmemPort';
import { lowerBound } from './lowerBound';
import { PROT_KERNEL_ROX, type ResolvedRange, resolveRange, windowOf } from './resolvedRange';
import { createRoxCache } from './roxCache';
import { alignUp, PAGE_SIZE } from './units';
import type { VmallocContext } from './vmalloc';
import { createVmallocPerAllocation } from './vmallocPerAllocation';
import { createVmapSpace } from './vmapSpace';

/**
 * The allocation policies, all behind one API: `roxCache` is the kernel's
 * ROX cache (first fit, PMD-aligned reclaim), `indexedCache` the same
 * cache with a best-fit size index and whole-area reclaim,
 * `vmallocPerAllocation` one 4 KiB-page mapping per allocation (the old
 * `module_alloc()`), `bpfProgPack` 64-byte chunks in 2 MiB packs.
 */
export type ExecmemPolicy = 'roxCache' | 'indexedCache' | 'vmallocPerAllocation' | 'bpfProgPack';

/** Every {@link ExecmemPolicy}. */
export const EXECMEM_POLICIES: readonly ExecmemPolicy[] = [
  'roxCache',
  'indexedCache',
  'vmallocPerAllocation',
  'bpfProgPack',
];

/** Options of {@link createExecmemOnPort}. */
export interface ExecmemOptions {
  /** The policy serving code types (module data is always plain vmalloc); default `roxCache`. */
  readonly policy?: ExecmemPolicy;
  /** What happens to the direct-map alias of executable frames; default `readOnly`. */
  readonly directMap?: DirectMapMode;
}

/** One live allocation. */
interface Allocation extends Carved {
  readonly type: ExecmemType;
  /** Bytes the caller asked for. */
  readonly requested: number;
  /** Still read/write after `execmemAllocRw()` (until `execmemRestoreRox()`). */
  rw: boolean;
}

/**
 * The execmem API (include/linux/execmem.h) over one machine. Addresses
 * are canonical 64-bit `bigint`s. Every call either completes or throws an
 * `ExecmemError` and changes nothing; the one exception is a free whose
 * refill or re-protection fails, which parks the area as pending (as the
 * kernel does) until {@link Execmem.execmemCacheReclaim} retries it.
 */
export interface Execmem {
  /** The policy in use. */
  readonly policy: ExecmemPolicy;
  /** The direct-map alias handling in use. */
  readonly directMap: DirectMapMode;
  /** The arch's execmem info. */
  readonly info: ExecmemInfo;
  /** The machine operations it runs on, including the text-poke path for writing code into ROX memory. */
  readonly port: ExecmemPort;
  /**
   * `execmem_alloc()`: `size` bytes of `type`, inside the type's range or
   * once in its fallback; read-only and executable when
   * {@link Execmem.execmemIsRox}. `EINVAL` for a bad type or size, `E2BIG`
   * when no window of the type could ever hold it, `ENOMEM` when none has
   * room now.
   */
  execmemAlloc(type: ExecmemType, size: number): bigint;
  /**
   * `execmem_alloc_rw()`: like {@link Execmem.execmemAlloc} but read/write
   * (whole pages, never executable) for a ROX type; the caller writes the
   * code, then calls {@link Execmem.execmemRestoreRox}.
   */
  execmemAllocRw(type: ExecmemType, size: number): bigint;
  /**
   * `execmem_restore_rox()`: makes an `execmemAllocRw` allocation of a ROX
   * type read-only and executable. `size` must cover the allocation's
   * pages; `EINVAL` for anything else.
   */
  execmemRestoreRox(ptr: bigint, size: number): void;
  /** `execmem_free()`: `EINVAL` for an address that is not the start of a live allocation. */
  execmemFree(ptr: bigint): void;
  /** `execmem_is_rox()`: true when allocations of `type` come back read-only and executable. */
  execmemIsRox(type: ExecmemType): boolean;
  /**
   * The cache's reclaim worker (`execmem_cache_clean()`): retries pending
   * frees, then returns wholly free populated areas (their direct-map
   * alias restored); returns the bytes released.
   */
  execmemCacheReclaim(): number;
  /** Totals (see {@link ExecmemStats}). */
  stats(): ExecmemStats;
  /** Every busy, pending and free area and every populated area with its utilization. */
  dump(): ExecmemDump;
}

/**
 * Creates the execmem allocator for a machine reached through `port`,
 * with the arch's `info`.
 */
export function createExecmemOnPort(
  port: ExecmemPort,
  info: ExecmemInfo,
  options: ExecmemOptions = {},
): Execmem {
  const policy = options.policy ?? 'roxCache';
  if (!EXECMEM_POLICIES.includes(policy)) fail('EINVAL', `unknown execmem policy "${policy}"`);
  const directMap = options.directMap ?? 'readOnly';
  if (directMap !== 'readOnly' && directMap !== 'removed') {
    fail('EINVAL', `unknown direct-map mode "${directMap}"`);
  }
  const ranges = new Map<ExecmemType, ResolvedRange>(
    EXECMEM_TYPES.map((t) => [t, resolveRange(port, info, t)]),
  );
  const vmap = createVmapSpace(
    [
      windowOf(port, info.vmallocStart, info.vmallocEnd),
      ...[...ranges.values()].flatMap((r) => r.windows),
    ],
    info.reserved.map((r) => windowOf(port, r.start, r.end)),
  );
  const ctx: VmallocContext = { port, vmap, directMap };
  const code = backendFor(policy, ctx);
  const data = createVmallocPerAllocation(ctx);
  const live = new Map<number, Allocation>();
  const pending = new Map<number, Allocation>();
  const starts: number[] = [];

  const backend = (type: ExecmemType): ExecmemBackend => (type === 'moduleData' ? data : code);

  function rangeOf(type: unknown): ResolvedRange {
    const r = typeof type === 'string' ? ranges.get(type as ExecmemType) : undefined;
    if (!r) fail('EINVAL', `unknown execmem type ${JSON.stringify(type)}`);
    return r;
  }

  function checkSize(size: unknown, range: ResolvedRange): number {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) {
      fail('EINVAL', `execmem size ${String(size)} is not a positive integer`);
    }
    const widest = Math.max(...range.windows.map((w) => w.end - w.start));
    if (alignUp(size, PAGE_SIZE) > widest) {
      fail(
        'E2BIG',
        `execmem size ${size} is larger than every ${range.type} window (${widest} bytes)`,
      );
    }
    return size;
  }

  function allocate(type: ExecmemType, size: number, rw: boolean): bigint {
    const range = rangeOf(type);
    checkSize(size, range);
    const b = backend(type);
    const forceRw = rw && b.isRox(range);
    const carved = b.alloc(range, size, forceRw);
    if (carved === null) {
      fail('ENOMEM', `no room for ${size} bytes of ${type} in ${windowsText(port, range)}`);
    }
    live.set(carved.va, { ...carved, type, requested: size, rw: forceRw });
    starts.splice(lowerBound(starts, carved.va), 0, carved.va);
    return port.fromEngine(carved.va);
  }

  function lookup(ptr: unknown, what: string): Allocation {
    if (typeof ptr !== 'bigint') fail('EINVAL', `${what}: address ${String(ptr)} is not a bigint`);
    const va = port.toEngine(ptr);
    const a = live.get(va);
    if (a) return a;
    if (pending.has(va)) fail('EINVAL', `${what}: ${hex(ptr)} was already freed (free pending)`);
    const i = lowerBound(starts, va) - 1;
    const before = i >= 0 ? live.get(starts[i]) : undefined;
    if (before && va < before.va + before.size) {
      fail(
        'EINVAL',
        `${what}: ${hex(ptr)} is inside the allocation at ${hex(port.fromEngine(before.va))}`,
      );
    }
    return fail(
      'EINVAL',
      `${what}: ${hex(ptr)} is not an execmem allocation (never allocated or already freed)`,
    );
  }

  function release(a: Allocation): void {
    backend(a.type).free(rangeOf(a.type), a, a.rw);
    a.rw = false;
  }

  return {
    policy,
    directMap,
    info,
    port,
    execmemAlloc: (type, size) => allocate(type, size, false),
    execmemAllocRw: (type, size) => allocate(type, size, true),
    execmemRestoreRox(ptr, size) {
      const a = lookup(ptr, 'execmem_restore_rox');
      if (!a.rw)
        fail(
          'EINVAL',
          `execmem_restore_rox: ${hex(ptr)} is not a read/write allocation of a ROX cache type`,
        );
      if (
        typeof size !== 'number' ||
        !Number.isSafeInteger(size) ||
        size <= 0 ||
        alignUp(size, PAGE_SIZE) !== a.size
      ) {
        fail(
          'EINVAL',
          `execmem_restore_rox: size ${String(size)} does not cover the ${a.size}-byte allocation at ${hex(ptr)}`,
        );
      }
      port.setMemory(a.va, a.size, PROT_KERNEL_ROX, directMap);
      a.rw = false;
    },
    execmemFree(ptr) {
      const a = lookup(ptr, 'execmem_free');
      live.delete(a.va);
      starts.splice(lowerBound(starts, a.va), 1);
      try {
        release(a);
      } catch (e) {
        if (!isExecmemError(e)) throw e;
        pending.set(a.va, a);
      }
    },
    execmemIsRox(type) {
      const range = rangeOf(type);
      return backend(type).isRox(range);
    },
    execmemCacheReclaim() {
      for (const a of [...pending.values()]) {
        try {
          release(a);
          pending.delete(a.va);
        } catch (e) {
          if (!isExecmemError(e)) throw e;
        }
      }
      return code.reclaim() + data.reclaim();
    },
    stats() {
      return statsOf(port, [code, data], live.values(), pending.values());
    },
    dump() {
      return dumpOf(policy, directMap, port, [code, data], live.values(), pending.values());
    },
  };
}

function backendFor(policy: ExecmemPolicy, ctx: VmallocContext): ExecmemBackend {
  switch (policy) {
    case 'roxCache':
      return createRoxCache(ctx, { fit: 'firstFit', reclaim: 'pmdAligned' });
    case 'indexedCache':
      return createRoxCache(ctx, { fit: 'bestFit', reclaim: 'whole' });
    case 'vmallocPerAllocation':
      return createVmallocPerAllocation(ctx);
    case 'bpfProgPack':
      return createBpfProgPack(ctx);
  }
}

function windowsText(port: ExecmemPort, range: ResolvedRange): string {
  return range.windows
    .map((w) => `${hex(port.fromEngine(w.start))}..${hex(port.fromEngine(w.end - 1))}`)
    .join(' or ');
}
