import type { ExecmemType } from '@execmem/core';
import type { Carved, ExecmemBackend } from './execmemBackend';

/** A live or pending allocation as the dump sees it. */
type Recorded = Carved & {
  readonly type: ExecmemType;
  readonly requested: number;
  readonly rw: boolean;
};

import type { DirectMapMode, ExecmemPort } from './execmemPort';
import type { VmArea } from './vmalloc';

/** One allocation in a {@link ExecmemDump}. */
export interface DumpedAllocation {
  /** First address. */
  readonly address: bigint;
  /** Bytes reserved. */
  readonly size: number;
  /** Bytes the caller asked for. */
  readonly requested: number;
  /** Its type. */
  readonly type: ExecmemType;
  /** Still read/write (allocated with `execmemAllocRw` and not yet restored). */
  readonly rw: boolean;
}

/** A free area in a {@link ExecmemDump}. */
export interface DumpedFreeArea {
  /** First address. */
  readonly address: bigint;
  /** Size in bytes. */
  readonly size: number;
}

/** A vmalloc'd area (a cache population, a pack, or a per-allocation mapping) or one large page of it. */
export interface DumpedArea {
  /** First address. */
  readonly address: bigint;
  /** Size in bytes. */
  readonly size: number;
  /** Leaf size of its mapping. */
  readonly leafSize: number;
  /** Bytes of it held by live allocations. */
  readonly busyBytes: number;
  /** `busyBytes / size`. */
  readonly utilization: number;
  /** The pattern its free bytes hold, when it was filled. */
  readonly fill: Uint8Array | undefined;
}

/** Everything the allocator holds, address order within each list. */
export interface ExecmemDump {
  /** The policy. */
  readonly policy: string;
  /** The direct-map alias handling. */
  readonly directMap: DirectMapMode;
  /** Live allocations. */
  readonly busy: readonly DumpedAllocation[];
  /** Freed allocations whose refill or re-protection failed, awaiting a retry. */
  readonly pending: readonly DumpedAllocation[];
  /** Free space inside populated areas (cache free areas, free pack chunks). */
  readonly free: readonly DumpedFreeArea[];
  /** Every vmalloc'd area. */
  readonly areas: readonly DumpedArea[];
  /** Every PMD-size leaf of the areas mapped with large pages. */
  readonly largePages: readonly DumpedArea[];
}

/** Totals of a {@link ExecmemDump}. */
export interface ExecmemStats {
  /** Live allocations. */
  readonly allocations: number;
  /** Bytes held by live allocations. */
  readonly busyBytes: number;
  /** Free bytes inside populated areas. */
  readonly freeBytes: number;
  /** Bytes awaiting a retried free. */
  readonly pendingBytes: number;
  /** Bytes of all vmalloc'd areas: `busyBytes + freeBytes + pendingBytes`. */
  readonly populatedBytes: number;
  /** Number of vmalloc'd areas. */
  readonly areas: number;
  /** PMD-size leaves in use. */
  readonly largePages: number;
  /** Bytes the live allocations asked for (busy bytes before rounding to the allocator's granule). */
  readonly requestedBytes: number;
  /** `requestedBytes / populatedBytes`: the share of populated memory holding what callers asked for (1 when nothing is populated). */
  readonly utilization: number;
}

const sum = (xs: Iterable<{ readonly size: number }>): number => {
  let n = 0;
  for (const x of xs) n += x.size;
  return n;
};

/** Computes the {@link ExecmemStats} of a set of backends and allocations. */
export function statsOf(
  port: ExecmemPort,
  backends: readonly ExecmemBackend[],
  live: Iterable<Recorded>,
  pending: Iterable<Carved>,
): ExecmemStats {
  const areas = backends.flatMap((b) => b.areas());
  const list = [...live];
  const busyBytes = sum(list);
  const requestedBytes = list.reduce((n, a) => n + a.requested, 0);
  const populatedBytes = sum(areas);
  return {
    allocations: list.length,
    busyBytes,
    freeBytes: backends.reduce((n, b) => n + b.freeAreas().reduce((m, [, s]) => m + s, 0), 0),
    pendingBytes: sum(pending),
    populatedBytes,
    areas: areas.length,
    largePages: largePagesOf(port, areas).length,
    requestedBytes,
    utilization: populatedBytes === 0 ? 1 : requestedBytes / populatedBytes,
  };
}

function largePagesOf(
  port: ExecmemPort,
  areas: readonly VmArea[],
): [va: number, size: number, fill: Uint8Array | undefined][] {
  const large = port.largePageSize;
  const out: [number, number, Uint8Array | undefined][] = [];
  for (const a of areas) {
    if (large === 0 || a.leafSize !== large) continue;
    for (let off = 0; off < a.size; off += large) out.push([a.va + off, large, a.fill]);
  }
  return out;
}

/** Builds the {@link ExecmemDump}. */
export function dumpOf(
  policy: string,
  directMap: DirectMapMode,
  port: ExecmemPort,
  backends: readonly ExecmemBackend[],
  live: Iterable<Recorded>,
  pending: Iterable<Recorded>,
): ExecmemDump {
  const busy = [...live].sort((x, y) => x.va - y.va);
  const areas = backends.flatMap((b) => b.areas()).sort((x, y) => x.va - y.va);
  const busyIn = (start: number, size: number): number => {
    let n = 0;
    for (const a of busy) {
      const lo = Math.max(a.va, start);
      const hi = Math.min(a.va + a.size, start + size);
      if (hi > lo) n += hi - lo;
    }
    return n;
  };
  const dumped = (
    start: number,
    size: number,
    leafSize: number,
    fill: Uint8Array | undefined,
  ): DumpedArea => {
    const busyBytes = busyIn(start, size);
    return {
      address: port.fromEngine(start),
      size,
      leafSize,
      busyBytes,
      utilization: busyBytes / size,
      fill,
    };
  };
  const allocation = (a: Recorded) => ({
    address: port.fromEngine(a.va),
    size: a.size,
    requested: a.requested,
    type: a.type,
    rw: a.rw,
  });
  return {
    policy,
    directMap,
    busy: busy.map(allocation),
    pending: [...pending].sort((x, y) => x.va - y.va).map(allocation),
    free: backends
      .flatMap((b) => b.freeAreas())
      .sort((x, y) => x[0] - y[0])
      .map(([va, size]) => ({ address: port.fromEngine(va), size })),
    areas: areas.map((a) => dumped(a.va, a.size, a.leafSize, a.fill)),
    largePages: largePagesOf(port, areas).map(([va, size, fill]) => dumped(va, size, size, fill)),
  };
}
