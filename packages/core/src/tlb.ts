/**
 * Per-CPU translation lookaside buffers: one fully associative LRU array
 * per size class (see {@link TlbGeometry}), all state in typed arrays so a
 * lookup allocates nothing, plus the broadcast invalidation the kernel
 * calls `flush_tlb_kernel_range()`.
 *
 * @module
 */

import { Counter, type Counters } from './counters';
import { type TlbGeometry, validateTlbGeometry } from './cpuProfile';

/** Which TLB: instruction fetches or data accesses (they count into different counters). */
export type TlbKind = 'instruction' | 'data';

/** One TLB. After a successful {@link Tlb.lookup}, `pa` and `prot` hold the result. */
export interface Tlb {
  /** Instruction or data TLB. */
  readonly kind: TlbKind;
  /** Its size classes. */
  readonly geometry: TlbGeometry;
  /** Physical address found by the last successful lookup. */
  pa: number;
  /** Protection found by the last successful lookup. */
  prot: number;
  /** Looks up the engine address `va`; counts a hit or a miss. */
  lookup(va: number): boolean;
  /**
   * Caches the translation of `va` to `pa` with `prot`, covering the
   * naturally aligned `2^reachShift` span around it (stored in the
   * largest size class not larger than the span), evicting the least
   * recently used entry of that class when full.
   */
  insert(va: number, pa: number, prot: number, reachShift: number): void;
  /** Drops every entry covering `va`. */
  invalidatePage(va: number): void;
  /** Drops every entry that overlaps `[start, end)`. */
  invalidateRange(start: number, end: number): void;
  /** Drops everything. */
  invalidateAll(): void;
  /** Number of valid entries. */
  readonly occupancy: number;
}

interface SizeClass {
  readonly shift: number;
  readonly span: number;
  readonly tags: Float64Array;
  readonly bases: Float64Array;
  readonly prots: Uint8Array;
  readonly stamps: Float64Array;
  readonly index: Map<number, number>;
}

/** Creates an empty TLB with `geometry`, charging hits and misses to `counters`. */
export function createTlb(geometry: TlbGeometry, counters: Counters, kind: TlbKind): Tlb {
  validateTlbGeometry(geometry, `${kind} TLB`);
  const classes: SizeClass[] = geometry.classes.map((c) => ({
    shift: c.pageShift,
    span: 2 ** c.pageShift,
    tags: new Float64Array(c.entries).fill(-1),
    bases: new Float64Array(c.entries),
    prots: new Uint8Array(c.entries),
    stamps: new Float64Array(c.entries),
    index: new Map(),
  }));
  const values = counters.values;
  const hitId = kind === 'instruction' ? Counter.itlbHits : Counter.dtlbHits;
  const missId = kind === 'instruction' ? Counter.itlbMisses : Counter.dtlbMisses;
  let tick = 0;

  function drop(c: SizeClass, slot: number): void {
    c.index.delete(c.tags[slot]);
    c.tags[slot] = -1;
    c.stamps[slot] = 0;
  }

  const tlb: Tlb = {
    kind,
    geometry,
    pa: 0,
    prot: 0,
    lookup(va) {
      for (let i = 0; i < classes.length; i++) {
        const c = classes[i];
        const tag = Math.floor(va / c.span);
        const slot = c.index.get(tag);
        if (slot !== undefined) {
          tlb.pa = c.bases[slot] + (va - tag * c.span);
          tlb.prot = c.prots[slot];
          c.stamps[slot] = ++tick;
          values[hitId]++;
          return true;
        }
      }
      values[missId]++;
      return false;
    },
    insert(va, pa, prot, reachShift) {
      let c = classes[0];
      for (const candidate of classes) if (candidate.shift <= reachShift) c = candidate;
      const tag = Math.floor(va / c.span);
      let slot = c.index.get(tag);
      if (slot === undefined) {
        slot = 0;
        for (let s = 1; s < c.stamps.length && c.stamps[slot] !== 0; s++) {
          if (c.stamps[s] < c.stamps[slot]) slot = s;
        }
        if (c.tags[slot] >= 0) c.index.delete(c.tags[slot]);
        c.tags[slot] = tag;
        c.index.set(tag, slot);
      }
      c.bases[slot] = pa - (va % c.span);
      c.prots[slot] = prot;
      c.stamps[slot] = ++tick;
    },
    invalidatePage(va) {
      tlb.invalidateRange(va, va + 1);
    },
    invalidateRange(start, end) {
      values[Counter.tlbFlushesLocal]++;
      for (const c of classes) {
        const first = Math.floor(start / c.span);
        const last = Math.floor((end - 1) / c.span);
        if (last - first < c.tags.length) {
          for (let tag = first; tag <= last; tag++) {
            const slot = c.index.get(tag);
            if (slot !== undefined) drop(c, slot);
          }
        } else {
          for (let slot = 0; slot < c.tags.length; slot++) {
            if (c.tags[slot] >= first && c.tags[slot] <= last) drop(c, slot);
          }
        }
      }
    },
    invalidateAll() {
      values[Counter.tlbFlushesLocal]++;
      for (const c of classes) {
        c.tags.fill(-1);
        c.stamps.fill(0);
        c.index.clear();
      }
    },
    get occupancy() {
      let n = 0;
      for (const c of classes) n += c.index.size;
      return n;
    },
  };
  return tlb;
}

/** The TLBs of one CPU. */
export interface CpuTlbs {
  /** Instruction TLB. */
  readonly itlb: Tlb;
  /** Data TLB. */
  readonly dtlb: Tlb;
}

/**
 * How an arch reaches remote TLBs: `'ipi'` when invalidation is local and
 * other CPUs must be interrupted (x86 INVLPG, RISC-V SFENCE.VMA: FACTS §4),
 * `'hardware'` when one instruction broadcasts it (arm64 `TLBI …IS`).
 */
export type TlbBroadcast = 'ipi' | 'hardware';

/** Options for {@link flushTlbKernelRange}. */
export interface TlbFlushOptions {
  /** How the arch reaches remote TLBs. */
  readonly broadcast: TlbBroadcast;
  /** The CPU doing the flush. */
  readonly initiator: number;
  /** Counters for shootdowns, IPIs and local flushes. */
  readonly counters: Counters;
  /**
   * Delivers an IPI to a remote CPU whose handler will flush its own TLBs
   * (and counts it). Without it, remote TLBs are flushed at once and the
   * IPIs are counted here.
   */
  readonly sendIpi?: (cpu: number) => void;
}

/**
 * `flush_tlb_kernel_range()`: invalidates `[start, end)` in every CPU's
 * TLBs. Counts one `tlbShootdowns` when other CPUs exist and, for
 * `'ipi'` arches, one IPI per remote CPU.
 */
export function flushTlbKernelRange(
  cpus: readonly CpuTlbs[],
  start: number,
  end: number,
  options: TlbFlushOptions,
): void {
  const { broadcast, initiator, counters, sendIpi } = options;
  if (cpus.length > 1) counters.add(Counter.tlbShootdowns);
  cpus.forEach((cpu, i) => {
    if (i !== initiator && broadcast === 'ipi') {
      if (sendIpi) {
        sendIpi(i);
        return;
      }
      counters.add(Counter.ipis);
    }
    cpu.itlb.invalidateRange(start, end);
    cpu.dtlb.invalidateRange(start, end);
  });
}
