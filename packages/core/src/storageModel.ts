/**
 * Data memory as the CPUs observe it: the coherent memory (physical
 * memory), one store buffer per CPU, and the rules of a memory model as
 * configuration. Every reordering the model allows is a decision of the
 * machine's {@link Chooser}: a buffered store drains when the scheduler
 * picks it, under a relaxed drain order the scheduler also picks which
 * eligible store drains, and under relaxed load ordering the chooser picks
 * which allowed value a load reads. Loads read their own CPU's youngest
 * buffered store to each byte, else memory (store-to-load forwarding).
 *
 * - SC: no buffering; every store reaches memory when it executes.
 * - TSO (x86-TSO, Sewell et al. 2010): FIFO store buffers; a fence that
 *   orders stores before loads (MFENCE, locked instructions) drains them.
 * - PSO-like `perAddress`: buffered stores to different addresses may
 *   drain out of order (store→store reordering), kept in order by a
 *   store-store fence.
 * - `loadOrder: 'relaxed'` ({@link RELAXED}, ARMv8 and RVWMO): loads may
 *   be satisfied out of order. It follows Promising-ARM/RISC-V (Pulte et
 *   al., PLDI 2019) without promises: timestamps are the instants of the
 *   global commit order, a recent-commit log lets a load read memory as of
 *   an earlier instant, and each CPU keeps views (`threadView.ts`). A load
 *   reads the newest write as of max(pre-view, its coherence for the
 *   location) or any later one; its pre-view is the CPU's floor `vRNew`
 *   and the views of its address registers (address dependencies, taken
 *   from `Isa.registerUse`); fences with LoadLoad raise the floor to what
 *   earlier loads read, with StoreLoad to the CPU's own writes; acquire
 *   loads raise it to what they read; with `ctrlIsbOrdersLoads` an ISB
 *   raises it to what earlier branches and addresses depended on.
 *   With `loadBuffering`, a plain load may also perform after later
 *   independent instructions, stores included (load→store reordering):
 *   the CPU keeps it in a load buffer (`loadBuffer.ts`) until something
 *   depends on it or is ordered after it, which gives the LB shape
 *   without Promising's promises, since a store never reaches memory
 *   before the instructions it depends on have run.
 *
 * @module
 */

import type { Chooser } from './chooser';
import { CommitLog } from './commitLog';
import { fail } from './errors';
import { hashTerm } from './hashTerm';
import { AccessKind } from './isa';
import type { PhysicalMemory } from './physicalMemory';
import type { StateHasher } from './stateHash';
import { ThreadView } from './threadView';

/** Orderings a barrier enforces, as bits (combine with `|`). */
export const FenceOrder = {
  /** Earlier loads before later loads. */
  LoadLoad: 1,
  /** Earlier loads before later stores. */
  LoadStore: 2,
  /** Earlier stores before later loads: drains the store buffer. */
  StoreLoad: 4,
  /** Earlier stores before later stores. */
  StoreStore: 8,
  /** Every ordering. */
  Full: 15,
  /** Waits for the CPU's earlier cache maintenance to complete (AArch64 DSB; see `FetchRules.maintenanceCompletes`). */
  Completion: 16,
} as const;

/** A data-memory model as configuration. */
export interface StorageConfig {
  /** `'sc'`, `'tso'`, `'pso'`, `'relaxed'`, or an arch's own name. */
  readonly name: string;
  /** Stores wait in a per-CPU buffer before reaching memory. */
  readonly buffered: boolean;
  /** `'fifo'`: buffered stores drain in program order; `'perAddress'`: any store with no older store to an overlapping address and no older store-store fence may drain. */
  readonly drainOrder: 'fifo' | 'perAddress';
  /** Most stores one CPU may buffer; a store to a full buffer drains the oldest first (the CPU stalls). */
  readonly bufferCapacity: number;
  /**
   * `'program'` (default): a load reads memory as it is when the load
   * executes, so loads stay in program order. `'relaxed'`: a load may read
   * an older value its CPU's views allow (see the module comment), which
   * lets loads be satisfied out of order as ARMv8 and RVWMO permit.
   */
  readonly loadOrder?: 'program' | 'relaxed';
  /** `'relaxed'` only: how many recent commits are kept for reading older values; default 64. */
  readonly historyDepth?: number;
  /**
   * `'relaxed'` only: a context synchronization (ISB) orders later loads
   * after the sources of earlier branches and the addresses of earlier
   * accesses (Arm ARM B2.3.2 dependency-ordered-before, `ctrl; ISB` and
   * `addr; po; ISB`). True for ARMv8; false for RVWMO, where control
   * dependencies never order loads.
   */
  readonly ctrlIsbOrdersLoads?: boolean;
  /**
   * `'relaxed'` only: a CPU's later loads read no older than the newest
   * write its instruction fetches have returned (`aarch64.cat` f-ob: a
   * fetch is ordered before every po-later access). True for ARMv8; RISC-V
   * orders a fetch only before the effects of the instruction it fetched.
   */
  readonly fetchOrdersLoads?: boolean;
  /**
   * `'relaxed'` only: a plain load may perform after later instructions
   * that neither depend on it nor are ordered after it, stores included
   * (load→store reordering, the LB shape; see `loadBuffer.ts`). Needs the
   * arch's `Isa.registerUse`. True in {@link RELAXED}: ARMv8 and RVWMO
   * both allow it.
   */
  readonly loadBuffering?: boolean;
}

/** Sequential consistency: every access reaches memory in program order. */
export const SC: StorageConfig = {
  name: 'sc',
  buffered: false,
  drainOrder: 'fifo',
  bufferCapacity: 0,
};
/** Total store order (x86-TSO): FIFO store buffers with forwarding. */
export const TSO: StorageConfig = {
  name: 'tso',
  buffered: true,
  drainOrder: 'fifo',
  bufferCapacity: 32,
};
/** Partial store order: stores to different addresses may become visible out of order. */
export const PSO: StorageConfig = {
  name: 'pso',
  buffered: true,
  drainOrder: 'perAddress',
  bufferCapacity: 32,
};

/**
 * Weak memory in the ARMv8/RVWMO family: per-address store buffers (store→store
 * and store→load reordering) and relaxed load ordering (load→load), ordered
 * only by fences, acquire loads and dependencies. Control dependencies do not
 * order loads; an ARMv8 configuration sets `ctrlIsbOrdersLoads`.
 */
export const RELAXED: StorageConfig = {
  name: 'relaxed',
  buffered: true,
  drainOrder: 'perAddress',
  bufferCapacity: 32,
  loadOrder: 'relaxed',
  historyDepth: 64,
  ctrlIsbOrdersLoads: false,
  fetchOrdersLoads: false,
  loadBuffering: true,
};

/** The built-in configurations by name. */
export const STORAGE_CONFIGS: Readonly<Record<string, StorageConfig>> = {
  sc: SC,
  tso: TSO,
  pso: PSO,
  relaxed: RELAXED,
};

/** Resolves `'sc' | 'tso' | 'pso' | 'relaxed'` or passes a {@link StorageConfig} through; `EINVAL` for an unknown name. */
export function storageConfig(config: string | StorageConfig): StorageConfig {
  if (typeof config !== 'string') return config;
  const c = STORAGE_CONFIGS[config];
  if (!c)
    fail(
      'EINVAL',
      `unknown storage model "${config}" (known: ${Object.keys(STORAGE_CONFIGS).join(', ')})`,
    );
  return c;
}

/** Told about every store that reaches memory, before and after it changes the bytes. */
export interface CommitObserver {
  /** `cpu` is about to write `size` bytes at `pa`. */
  beforeCommit(cpu: number, pa: number, size: number): void;
  /** The write is done; `instant` is its place in the global order of writes (1, 2, …). */
  afterCommit(cpu: number, pa: number, size: number, instant: number): void;
}

/** Marks a store-store fence entry in a buffer (an entry of size 0). */
const BARRIER = 0;

/** One CPU's store buffer in typed arrays; entry 0 is the oldest. */
class StoreBuffer {
  readonly pa: Float64Array;
  readonly size: Uint8Array;
  readonly lo: Uint32Array;
  readonly hi: Uint32Array;
  /** Relaxed loads: the view of the store's address and data, which a load forwarded from it inherits. */
  readonly view: Float64Array;
  /** 1 for a release store (an acquire load after it waits for it to drain). */
  readonly release: Uint8Array;
  count = 0;
  constructor(capacity: number) {
    // One spare slot so a barrier can sit behind a full buffer's stores.
    this.pa = new Float64Array(capacity + 1);
    this.size = new Uint8Array(capacity + 1);
    this.lo = new Uint32Array(capacity + 1);
    this.hi = new Uint32Array(capacity + 1);
    this.view = new Float64Array(capacity + 1);
    this.release = new Uint8Array(capacity + 1);
  }
  remove(i: number): void {
    for (let j = i + 1; j < this.count; j++) {
      this.pa[j - 1] = this.pa[j];
      this.size[j - 1] = this.size[j];
      this.lo[j - 1] = this.lo[j];
      this.hi[j - 1] = this.hi[j];
      this.view[j - 1] = this.view[j];
      this.release[j - 1] = this.release[j];
    }
    this.count--;
  }
  hasRelease(): boolean {
    for (let i = 0; i < this.count; i++) if (this.release[i]) return true;
    return false;
  }
}

/** Byte `k` (0..7) of the 64-bit value `lo`/`hi`. */
function byteOf(lo: number, hi: number, k: number): number {
  return (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
}

/** Most commits a relaxed configuration may keep. */
const MAX_HISTORY_DEPTH = 4096;

function isAcquire(kind: AccessKind): boolean {
  return (
    kind === AccessKind.Acquire ||
    kind === AccessKind.AcquireExclusive ||
    kind === AccessKind.SeqCst
  );
}

function isRelease(kind: AccessKind): boolean {
  return (
    kind === AccessKind.Release ||
    kind === AccessKind.ReleaseExclusive ||
    kind === AccessKind.SeqCst
  );
}

/** Exclusive and sequentially consistent loads read the newest value (they are, or start, an atomic access). */
function readsLatest(kind: AccessKind): boolean {
  return (
    kind === AccessKind.Exclusive ||
    kind === AccessKind.AcquireExclusive ||
    kind === AccessKind.SeqCst
  );
}

/** Data memory with per-CPU store buffers under a {@link StorageConfig}. */
export class StorageModel {
  /** The configuration in force. */
  readonly config: StorageConfig;
  /** Number of CPUs. */
  readonly cpus: number;
  /** True when loads may be satisfied out of order (`loadOrder: 'relaxed'`); the CPUs then report each instruction's register use. */
  readonly relaxedLoads: boolean;
  /** True when plain loads may perform after later instructions (`loadBuffering` under relaxed loads). */
  readonly loadBuffering: boolean;
  private readonly buffers: StoreBuffer[];
  private readonly monitor: Float64Array;
  private readonly memory: PhysicalMemory;
  private readonly chooser: Chooser | undefined;
  private readonly log: CommitLog;
  private readonly threads: ThreadView[];
  private readonly scratch = new Uint32Array(2);
  private observer: CommitObserver | undefined;
  private writes = 0;
  // Order-independent hash of memory's changed bytes (XOR of per-byte terms), two lanes.
  private memHash1 = 0;
  private memHash2 = 0;

  /**
   * `chooser` decides which value a relaxed load reads when its views allow
   * several; it is required when `config.loadOrder` is `'relaxed'`.
   * `EINVAL` for a bad CPU count or history depth.
   */
  constructor(memory: PhysicalMemory, cpus: number, config: StorageConfig, chooser?: Chooser) {
    if (!Number.isInteger(cpus) || cpus < 1)
      fail('EINVAL', `CPU count ${cpus} is not a positive integer`);
    this.relaxedLoads = config.loadOrder === 'relaxed';
    this.loadBuffering = this.relaxedLoads && config.loadBuffering === true;
    const depth = config.historyDepth ?? 64;
    if (this.relaxedLoads) {
      if (!Number.isInteger(depth) || depth < 1 || depth > MAX_HISTORY_DEPTH)
        fail('EINVAL', `history depth ${depth} is not an integer in 1..${MAX_HISTORY_DEPTH}`);
      if (!chooser)
        fail('EINVAL', `storage model "${config.name}" reorders loads and needs a chooser`);
    }
    this.memory = memory;
    this.cpus = cpus;
    this.config = config;
    this.chooser = chooser;
    this.buffers = Array.from(
      { length: cpus },
      () => new StoreBuffer(Math.max(config.bufferCapacity, 1)),
    );
    this.monitor = new Float64Array(cpus).fill(-1);
    this.log = new CommitLog(this.relaxedLoads ? depth : 1);
    this.threads = Array.from({ length: this.relaxedLoads ? cpus : 0 }, () => new ThreadView());
  }

  /** Registers the one observer of commits (the instruction views). */
  observe(observer: CommitObserver): void {
    this.observer = observer;
  }

  /** Writes that have reached memory so far; the current instant of the global write order. */
  get instant(): number {
    return this.writes;
  }

  /**
   * Loads `size` bytes at `pa` as `cpu` sees them into `out[index..index+1]`:
   * its own youngest buffered store to each byte, else memory. Under
   * relaxed load ordering memory is read as of an instant the CPU's views
   * allow, chosen by the chooser (label `'read'`, alternative 0 the newest
   * value); exclusive and sequentially consistent loads read the newest.
   * An acquire load first drains the CPU's buffered release stores
   * (release→acquire is ordered: Arm ARM B2.3.7 RCsc).
   */
  load(
    cpu: number,
    pa: number,
    size: number,
    out: Uint32Array,
    index: number,
    kind: AccessKind = AccessKind.Plain,
  ): void {
    const acquire = isAcquire(kind);
    const b = this.buffers[cpu];
    if (acquire) while (b.hasRelease()) this.drain(cpu, 0);
    const t = this.relaxedLoads ? this.threads[cpu] : undefined;
    let memoryView = -1;
    let forwardedView = 0;
    let lo = 0;
    let hi = 0;
    for (let k = size - 1; k >= 0; k--) {
      const a = pa + k;
      let v = -1;
      for (let i = b.count - 1; i >= 0 && v < 0; i--) {
        const d = a - b.pa[i];
        if (d >= 0 && d < b.size[i]) {
          v = byteOf(b.lo[i], b.hi[i], d);
          if (b.view[i] > forwardedView) forwardedView = b.view[i];
        }
      }
      if (v < 0) {
        if (t === undefined) v = this.memory.read8(a);
        else {
          // Every byte not forwarded comes from one read of memory as of a single instant.
          if (memoryView < 0) memoryView = this.readRelaxed(t, pa, size, kind);
          const s = this.scratch;
          v = byteOf(s[0], s[1], k);
        }
      }
      if (k >= 4) hi = ((hi << 8) | v) >>> 0;
      else lo = ((lo << 8) | v) >>> 0;
    }
    out[index] = lo;
    out[index + 1] = hi;
    if (t === undefined) return;
    if (t.addr > t.vCap) t.vCap = t.addr;
    const post = Math.max(memoryView, forwardedView, this.preView(t));
    t.cohere(pa, size, post, this.log.horizon);
    if (post > t.vrOld) t.vrOld = post;
    if (post > t.loaded) t.loaded = post;
    if (acquire && post > t.vRNew) t.vRNew = post;
  }

  /** Pre-view of a load by thread `t`: its floor and its address registers' views (and earlier loads' when its register use is unknown). */
  private preView(t: ThreadView): number {
    const v = Math.max(t.vRNew, t.addr);
    return t.inOrder ? Math.max(v, t.vrOld) : v;
  }

  /**
   * Reads `[pa, pa + size)` into the scratch words as of an instant `t`'s
   * views allow (Promising-ARM's read rule: the newest write as of
   * max(pre-view, coherence) or any later one) and returns the load's
   * view of the write read.
   */
  private readRelaxed(t: ThreadView, pa: number, size: number, kind: AccessKind): number {
    const log = this.log;
    const pre = this.preView(t);
    const floor = Math.max(pre, t.coherence(pa, size), log.horizon);
    let asOf = this.writes;
    if (!readsLatest(kind)) {
      let newer = 0;
      for (let i = this.writes; i > floor; i--) if (log.overlaps(i, pa, size)) newer++;
      const pick = newer > 0 ? this.chooser!.choose(newer + 1, 'read') : 0;
      // Alternative j < newer is the j-th newest later write; `newer` reads as of the floor.
      asOf = floor;
      for (let i = this.writes, j = 0; i > floor; i--) {
        if (log.overlaps(i, pa, size) && j++ === pick) {
          asOf = i;
          break;
        }
      }
    }
    log.readAsOf(this.memory, asOf, pa, size, this.scratch, 0);
    return Math.max(pre, log.lastWriteAtOrBefore(asOf, pa, size));
  }

  /** A store by `cpu`: buffered, or written to memory at once under SC. `kind` marks release stores. */
  store(
    cpu: number,
    pa: number,
    size: number,
    lo: number,
    hi: number,
    kind: AccessKind = AccessKind.Plain,
  ): void {
    const t = this.relaxedLoads ? this.threads[cpu] : undefined;
    if (t !== undefined && t.addr > t.vCap) t.vCap = t.addr;
    if (!this.config.buffered) {
      this.commit(cpu, pa, size, lo, hi);
      return;
    }
    const b = this.buffers[cpu];
    while (this.storesIn(b) >= this.config.bufferCapacity) this.drain(cpu, 0);
    const i = b.count++;
    b.pa[i] = pa;
    b.size[i] = size;
    b.lo[i] = lo;
    b.hi[i] = hi;
    b.view[i] = t === undefined ? 0 : Math.max(t.addr, t.data);
    b.release[i] = isRelease(kind) ? 1 : 0;
  }

  /**
   * Applies a barrier's orderings for `cpu` (see {@link FenceOrder}). Under
   * relaxed load ordering, LoadLoad makes later loads read no older than
   * what earlier loads read, and StoreLoad no older than the CPU's own
   * writes (Promising-ARM's `dmb` rule).
   */
  fence(cpu: number, order: number): void {
    if (order & FenceOrder.StoreLoad) this.flush(cpu);
    else if (order & FenceOrder.StoreStore && this.config.drainOrder === 'perAddress') {
      const b = this.buffers[cpu];
      if (b.count > 0 && b.size[b.count - 1] !== BARRIER) {
        b.pa[b.count] = 0;
        b.size[b.count] = BARRIER;
        b.release[b.count] = 0;
        b.count++;
      }
    }
    if (!this.relaxedLoads) return;
    const t = this.threads[cpu];
    if (order & FenceOrder.LoadLoad) t.vRNew = Math.max(t.vRNew, t.vrOld);
    if (order & FenceOrder.StoreLoad) t.vRNew = Math.max(t.vRNew, t.vwOld);
  }

  /**
   * A context synchronization (ISB) on `cpu`: with `ctrlIsbOrdersLoads`,
   * later loads read no older than what earlier branches and earlier
   * accesses' addresses depended on.
   */
  contextSync(cpu: number): void {
    if (!this.relaxedLoads || !this.config.ctrlIsbOrdersLoads) return;
    const t = this.threads[cpu];
    t.vRNew = Math.max(t.vRNew, t.vCtrl, t.vCap);
  }

  /** A fetch of `cpu` returned a write of instant `t`: with `fetchOrdersLoads`, its later loads read no older. */
  fetchObserved(cpu: number, t: number): void {
    if (!this.relaxedLoads || !this.config.fetchOrdersLoads) return;
    const th = this.threads[cpu];
    if (t > th.vRNew) th.vRNew = t;
  }

  /** `cpu`'s read floor: the part of its next load's pre-view that is not the load's own address registers. */
  readFloor(cpu: number): number {
    return this.threads[cpu].vRNew;
  }

  /**
   * Sets `cpu`'s read floor and returns the one it had: a buffered load
   * performs under the floor it issued with, not one later barriers of
   * the CPU raised (they wait for it).
   */
  swapReadFloor(cpu: number, floor: number): number {
    const t = this.threads[cpu];
    const old = t.vRNew;
    t.vRNew = floor;
    return old;
  }

  /**
   * Starts an instruction of `cpu` under relaxed load ordering: `use` is
   * its register use (`Isa.registerUse`), or `undefined` when the arch does
   * not describe it, which keeps that CPU's loads in program order.
   */
  beginInstruction(cpu: number, use: Uint32Array | undefined): void {
    this.threads[cpu].begin(use);
  }

  /** Ends the instruction begun by {@link beginInstruction}: registers it wrote take their views; `faulted` when it may have stopped short. */
  endInstruction(cpu: number, use: Uint32Array | undefined, faulted: boolean): void {
    this.threads[cpu].end(use, faulted);
  }

  /**
   * Drains every buffered store of `cpu` in an order the model allows.
   * Draining them back to back is one of the schedules the explorer would
   * also try, and every other schedule reaches the same point through
   * separate drain decisions, so no behaviour is lost.
   */
  flush(cpu: number): void {
    while (this.buffers[cpu].count > 0) this.drain(cpu, 0);
  }

  /** Number of stores `cpu` may drain next: 0 when its buffer is empty. */
  drainChoices(cpu: number): number {
    const b = this.buffers[cpu];
    if (b.count === 0) return 0;
    if (this.config.drainOrder === 'fifo') return 1;
    let n = 0;
    for (let i = 0; i < b.count; i++) if (this.eligible(b, i)) n++;
    return n;
  }

  /** Drains the `choice`-th eligible store of `cpu` (see {@link drainChoices}). */
  drain(cpu: number, choice: number): void {
    const b = this.buffers[cpu];
    while (b.count > 0 && b.size[0] === BARRIER) b.remove(0);
    if (b.count === 0 && choice === 0) return;
    for (let i = 0, n = 0; i < b.count; i++) {
      if (!this.eligible(b, i)) continue;
      if (n++ === choice) {
        const pa = b.pa[i];
        const size = b.size[i];
        const lo = b.lo[i];
        const hi = b.hi[i];
        b.remove(i);
        while (b.count > 0 && b.size[0] === BARRIER) b.remove(0);
        this.commit(cpu, pa, size, lo, hi);
        return;
      }
    }
    fail('EINVAL', `CPU ${cpu} has no drainable store number ${choice}`);
  }

  /** Asks `chooser` which of `cpu`'s eligible stores drains, and drains it. */
  drainChosen(cpu: number, chooser: Chooser): void {
    const n = this.drainChoices(cpu);
    this.drain(cpu, n > 1 ? chooser.choose(n, 'drain') : 0);
  }

  /** Sets `cpu`'s exclusive monitor on `pa` (load-exclusive, LR). */
  markExclusive(cpu: number, pa: number): void {
    this.monitor[cpu] = pa;
  }

  /** Clears `cpu`'s monitor and says whether it still covered `pa` (store-exclusive, SC). */
  claimExclusive(cpu: number, pa: number): boolean {
    const ok = this.monitor[cpu] === pa;
    this.monitor[cpu] = -1;
    return ok;
  }

  /** Writes a store to memory now, bypassing any buffer (drains, atomics, SC). */
  commit(cpu: number, pa: number, size: number, lo: number, hi: number): void {
    this.observer?.beforeCommit(cpu, pa, size);
    if (this.relaxedLoads) this.log.record(this.writes + 1, pa, size, this.memory);
    for (let k = 0; k < size; k++) {
      const a = pa + k;
      const old = this.memory.read8(a);
      const v = byteOf(lo, hi, k);
      if (old !== v) {
        this.memHash1 ^= hashTerm(a, old, 0x2545f491) ^ hashTerm(a, v, 0x2545f491);
        this.memHash2 ^= hashTerm(a, old, 0x9e3779b9) ^ hashTerm(a, v, 0x9e3779b9);
        this.memory.write8(a, v);
      }
    }
    this.writes++;
    if (this.relaxedLoads) {
      const t = this.threads[cpu];
      t.vwOld = this.writes;
      t.cohere(pa, size, this.writes, this.log.horizon);
    }
    // Another CPU's write to a monitored location breaks its reservation.
    for (let c = 0; c < this.cpus; c++) {
      const m = this.monitor[c];
      if (c !== cpu && m >= 0 && m < pa + size && pa < m + 8) this.monitor[c] = -1;
    }
    this.observer?.afterCommit(cpu, pa, size, this.writes);
  }

  /** True when `cpu` has buffered stores. */
  hasBuffered(cpu: number): boolean {
    return this.buffers[cpu].count > 0;
  }

  /**
   * Mixes everything that decides future behaviour into `h`: buffers,
   * monitors and memory contents, and under relaxed load ordering every
   * CPU's views and the commits some CPU can still read, all as distances
   * from the current instant, so interleavings that differ only in when
   * independent steps ran still merge.
   */
  fingerprint(h: StateHasher): void {
    h.add(this.memHash1);
    h.add(this.memHash2);
    const now = this.writes;
    const horizon = this.log.horizon;
    let oldest = now;
    for (let c = 0; c < this.threads.length; c++)
      oldest = Math.min(oldest, Math.max(this.threads[c].vRNew, horizon));
    if (this.relaxedLoads) this.log.fingerprint(h, oldest);
    for (let c = 0; c < this.cpus; c++) {
      const b = this.buffers[c];
      const t = this.relaxedLoads ? this.threads[c] : undefined;
      // No later read of this CPU goes below its floor, so views under it act alike.
      const floor = t === undefined ? 0 : Math.max(t.vRNew, horizon);
      h.add(b.count);
      for (let i = 0; i < b.count; i++) {
        h.add(b.pa[i]);
        h.add(b.size[i]);
        h.add(b.lo[i]);
        h.add(b.hi[i]);
        h.add(b.release[i]);
        if (t !== undefined) h.add(now - Math.max(b.view[i], floor));
      }
      h.add(this.monitor[c]);
      if (t === undefined) continue;
      h.add(now - floor);
      t.fingerprint(h, now, floor);
    }
  }

  private storesIn(b: StoreBuffer): number {
    let n = 0;
    for (let i = 0; i < b.count; i++) if (b.size[i] !== BARRIER) n++;
    return n;
  }

  private eligible(b: StoreBuffer, i: number): boolean {
    if (b.size[i] === BARRIER) return false;
    const pa = b.pa[i];
    const end = pa + b.size[i];
    for (let j = 0; j < i; j++) {
      if (b.size[j] === BARRIER) return false;
      if (b.pa[j] < end && pa < b.pa[j] + b.size[j]) return false;
    }
    return true;
  }
}
