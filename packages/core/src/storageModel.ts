/**
 * Data memory as the CPUs observe it: the coherent memory (physical
 * memory), one store buffer per CPU, and the rules of a memory model as
 * configuration. Every reordering the model allows is a decision of the
 * machine's {@link Chooser}: a buffered store drains when the scheduler
 * picks it, and under a relaxed drain order the scheduler also picks which
 * eligible store drains. Loads read their own CPU's youngest buffered
 * store to each byte, else memory (store-to-load forwarding).
 *
 * - SC: no buffering; every store reaches memory when it executes.
 * - TSO (x86-TSO, Sewell et al. 2010): FIFO store buffers; a fence that
 *   orders stores before loads (MFENCE, locked instructions) drains them.
 * - PSO-like `perAddress`: buffered stores to different addresses may
 *   drain out of order (store→store reordering), kept in order by a
 *   store-store fence. Load→load reordering for ARMv8/RVWMO extends
 *   {@link StorageConfig} with a load-side rule; the explorer, chooser and
 *   fingerprint plumbing already carry it.
 *
 * @module
 */

import type { Chooser } from './chooser';
import { fail } from './errors';
import type { PhysicalMemory } from './physicalMemory';
import type { StateHasher } from './stateHash';

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
  /** `'sc'`, `'tso'`, `'pso'`, or an arch's own name. */
  readonly name: string;
  /** Stores wait in a per-CPU buffer before reaching memory. */
  readonly buffered: boolean;
  /** `'fifo'`: buffered stores drain in program order; `'perAddress'`: any store with no older store to an overlapping address and no older store-store fence may drain. */
  readonly drainOrder: 'fifo' | 'perAddress';
  /** Most stores one CPU may buffer; a store to a full buffer drains the oldest first (the CPU stalls). */
  readonly bufferCapacity: number;
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

/** The built-in configurations by name. */
export const STORAGE_CONFIGS: Readonly<Record<string, StorageConfig>> = {
  sc: SC,
  tso: TSO,
  pso: PSO,
};

/** Resolves `'sc' | 'tso' | 'pso'` or passes a {@link StorageConfig} through; `EINVAL` for an unknown name. */
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
  count = 0;
  constructor(capacity: number) {
    // One spare slot so a barrier can sit behind a full buffer's stores.
    this.pa = new Float64Array(capacity + 1);
    this.size = new Uint8Array(capacity + 1);
    this.lo = new Uint32Array(capacity + 1);
    this.hi = new Uint32Array(capacity + 1);
  }
  remove(i: number): void {
    for (let j = i + 1; j < this.count; j++) {
      this.pa[j - 1] = this.pa[j];
      this.size[j - 1] = this.size[j];
      this.lo[j - 1] = this.lo[j];
      this.hi[j - 1] = this.hi[j];
    }
    this.count--;
  }
}

/** Byte `k` (0..7) of the 64-bit value `lo`/`hi`. */
function byteOf(lo: number, hi: number, k: number): number {
  return (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
}

/** Data memory with per-CPU store buffers under a {@link StorageConfig}. */
export class StorageModel {
  /** The configuration in force. */
  readonly config: StorageConfig;
  /** Number of CPUs. */
  readonly cpus: number;
  private readonly buffers: StoreBuffer[];
  private readonly monitor: Float64Array;
  private readonly memory: PhysicalMemory;
  private observer: CommitObserver | undefined;
  private writes = 0;
  // Order-independent hash of memory's changed bytes (XOR of per-byte terms), two lanes.
  private memHash1 = 0;
  private memHash2 = 0;

  constructor(memory: PhysicalMemory, cpus: number, config: StorageConfig) {
    if (!Number.isInteger(cpus) || cpus < 1)
      fail('EINVAL', `CPU count ${cpus} is not a positive integer`);
    this.memory = memory;
    this.cpus = cpus;
    this.config = config;
    this.buffers = Array.from(
      { length: cpus },
      () => new StoreBuffer(Math.max(config.bufferCapacity, 1)),
    );
    this.monitor = new Float64Array(cpus).fill(-1);
  }

  /** Registers the one observer of commits (the instruction views). */
  observe(observer: CommitObserver): void {
    this.observer = observer;
  }

  /** Writes that have reached memory so far; the current instant of the global write order. */
  get instant(): number {
    return this.writes;
  }

  /** Loads `size` bytes at `pa` as `cpu` sees them into `out[index..index+1]`. */
  load(cpu: number, pa: number, size: number, out: Uint32Array, index: number): void {
    const b = this.buffers[cpu];
    let lo = 0;
    let hi = 0;
    for (let k = size - 1; k >= 0; k--) {
      const a = pa + k;
      let v = -1;
      for (let i = b.count - 1; i >= 0 && v < 0; i--) {
        const d = a - b.pa[i];
        if (d >= 0 && d < b.size[i]) v = byteOf(b.lo[i], b.hi[i], d);
      }
      if (v < 0) v = this.memory.read8(a);
      if (k >= 4) hi = ((hi << 8) | v) >>> 0;
      else lo = ((lo << 8) | v) >>> 0;
    }
    out[index] = lo;
    out[index + 1] = hi;
  }

  /** A store by `cpu`: buffered, or written to memory at once under SC. */
  store(cpu: number, pa: number, size: number, lo: number, hi: number): void {
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
  }

  /** Applies a barrier's orderings for `cpu` (see {@link FenceOrder}). */
  fence(cpu: number, order: number): void {
    if (order & FenceOrder.StoreLoad) this.flush(cpu);
    else if (order & FenceOrder.StoreStore && this.config.drainOrder === 'perAddress') {
      const b = this.buffers[cpu];
      if (b.count > 0 && b.size[b.count - 1] !== BARRIER) {
        b.pa[b.count] = 0;
        b.size[b.count] = BARRIER;
        b.count++;
      }
    }
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
    for (let k = 0; k < size; k++) {
      const a = pa + k;
      const old = this.memory.read8(a);
      const v = byteOf(lo, hi, k);
      if (old !== v) {
        this.memHash1 ^= byteTerm(a, old, 0x2545f491) ^ byteTerm(a, v, 0x2545f491);
        this.memHash2 ^= byteTerm(a, old, 0x9e3779b9) ^ byteTerm(a, v, 0x9e3779b9);
        this.memory.write8(a, v);
      }
    }
    this.writes++;
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

  /** Mixes everything that decides future behaviour into `h`: buffers, monitors and memory contents. */
  fingerprint(h: StateHasher): void {
    h.add(this.memHash1);
    h.add(this.memHash2);
    for (let c = 0; c < this.cpus; c++) {
      const b = this.buffers[c];
      h.add(b.count);
      for (let i = 0; i < b.count; i++) {
        h.add(b.pa[i]);
        h.add(b.size[i]);
        h.add(b.lo[i]);
        h.add(b.hi[i]);
      }
      h.add(this.monitor[c]);
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

/** A well-mixed 32-bit term for "byte `a` holds `v`". */
function byteTerm(a: number, v: number, seed: number): number {
  let h =
    Math.imul((a | 0) ^ seed, 0x85ebca6b) ^
    Math.imul(Math.floor(a / 2 ** 32) + v * 0x10001, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) | 0;
}
