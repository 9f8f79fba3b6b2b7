/**
 * Per-CPU instruction views: what each CPU's fetch may return, executed
 * from an arch's {@link FetchRules}.
 *
 * The model keeps, for every fetch block of instruction memory, its last
 * old versions with the interval of the global write order during which
 * each was current. Instruction memory is every frame a CPU fetched from
 * and every frame {@link InstructionViews.track} names (the machine names
 * code it loads or pokes through an executable mapping); data frames cost
 * nothing. A CPU may fetch
 * any version that was current at some instant at or after its *floor*
 * for the block; the floor rises with the events the rules name:
 * invalidation (IC IVAU, FENCE.I) and, for the pipeline, context
 * synchronization (ISB, serializing instructions, exceptions), a CPU's
 * own store (x86 SMC detection, by physical block or by linear address)
 * and, under `fetchOrder: 'programOrder'`, the CPU's previous fetch
 * (RISC-V Ziccid, AArch64 with DIC). A fetch that returned a write made
 * after an invalidation completed also shows the CPU's fetch stream is past
 * that invalidation, so it applies to every later fetch without waiting for
 * a context synchronization (herd `aarch64.cat`, `IC-ob`). This is the
 * operational reading of the published models (ESOP 2020 "each thread's
 * instruction cache is a set of possibly stale writes"; x86 SDM
 * cross-modifying code): a fetch that is not forbidden is a {@link Chooser}
 * decision, so the simulator runs stale code exactly where the explorer
 * finds it allowed.
 *
 * Versions carry the write-order interval they were current in, which is
 * "which write each fetched byte came from" at block granularity: a fetch
 * is stale when it returns a version no longer current, and an instruction
 * is torn when the blocks it spans come from versions that were never
 * current at the same instant.
 *
 * @module
 */

import type { Chooser } from './chooser';
import { CacheOpEffect, type FetchRules } from './fetchRules';
import type { CacheOp } from './isa';
import { PAGE_SIZE, type PhysicalMemory } from './physicalMemory';
import type { StateHasher } from './stateHash';
import type { CommitObserver, StorageModel } from './storageModel';

/** Old versions kept per fetch block; older ones are forgotten (a CPU can no longer fetch them). */
export const MAX_BLOCK_VERSIONS = 8;
const CLEANS = 4;

/** The old versions of one fetch block, oldest first in a ring that grows up to {@link MAX_BLOCK_VERSIONS}. */
class BlockHistory {
  bytes: Uint8Array;
  from: Float64Array;
  to: Float64Array;
  head = 0;
  count = 0;
  /** Instant since which memory's bytes are current. */
  currentFrom = 0;
  /** The last few DC CVAU instants, in a ring (created by the first clean). */
  cleans: Float64Array | undefined;
  cleanCount = 0;
  constructor(private readonly block: number) {
    this.bytes = new Uint8Array(block);
    this.from = new Float64Array(1);
    this.to = new Float64Array(1);
  }
  slot(i: number): number {
    return (this.head + i) % this.from.length;
  }
  /** A slot for a new youngest version: grows the ring, or forgets the oldest version when full. */
  push(): number {
    const cap = this.from.length;
    if (this.count === cap) {
      if (cap < MAX_BLOCK_VERSIONS) {
        const bytes = new Uint8Array(2 * cap * this.block);
        const from = new Float64Array(2 * cap);
        const to = new Float64Array(2 * cap);
        for (let i = 0; i < cap; i++) {
          const s = this.slot(i);
          bytes.set(this.bytes.subarray(s * this.block, (s + 1) * this.block), i * this.block);
          from[i] = this.from[s];
          to[i] = this.to[s];
        }
        this.bytes = bytes;
        this.from = from;
        this.to = to;
        this.head = 0;
      } else {
        this.head = (this.head + 1) % cap;
        this.count--;
      }
    }
    return this.slot(this.count++);
  }
  clean(t: number): void {
    if (!this.cleans) this.cleans = new Float64Array(CLEANS);
    this.cleans[this.cleanCount++ % CLEANS] = t;
  }
  /** The latest recorded clean at or before `t`, or 0 when none is known. */
  cleanBefore(t: number): number {
    let best = 0;
    for (let i = 0; i < Math.min(this.cleanCount, CLEANS); i++) {
      const c = this.cleans![i];
      if (c <= t && c > best) best = c;
    }
    return best;
  }
}

/** What the last fetched instruction saw (see {@link InstructionViews.endFetch}). */
export const FetchStatus = {
  Fresh: 0,
  /** Some byte came from a version no longer current. */
  Stale: 1,
  /** The blocks came from versions never current together. */
  Torn: 2,
} as const;

/** The instruction views of every CPU of a machine. */
export class InstructionViews implements CommitObserver {
  /** The rules in force. */
  readonly rules: FetchRules;
  private readonly memory: PhysicalMemory;
  private readonly storage: StorageModel;
  private readonly cpus: number;
  private readonly block: number;
  private readonly tracked = new Set<number>();
  private readonly histories = new Map<number, BlockHistory>();
  /** Instant of each CPU's last context synchronization. */
  private readonly ctxSync: Float64Array;
  /** Per CPU: [last, previous] whole-cache invalidation instants. */
  private readonly allInval: Float64Array;
  /** Per CPU: per block [last, previous] line invalidation instants. */
  private readonly lineInval: Map<number, Float64Array>[];
  /**
   * Per CPU: per block the instant of its own last store there (SMC
   * detection); with `ownStoreMatch: 'linear'` keyed by the linear block
   * the store went through.
   */
  private readonly ownStore: Map<number, number>[];
  /** Per CPU, with `ownStoreMatch: 'linear'`: per linear block of {@link ownStore} the physical block it was. */
  private readonly ownStorePhysical: Map<number, number>[];
  /** Per CPU, with `ownStoreMatch: 'linear'`: the linear address of each store to instruction memory issued and not yet committed, by physical address. */
  private readonly storeLinear: Map<number, number>[];
  /**
   * Per CPU: the newest instant a fetch of it returned a write of (the
   * start of the version returned); with `fetchOrder: 'programOrder'`
   * later fetches may not go back before it.
   */
  private readonly fetched: Float64Array;
  private readonly linear: boolean;
  private readonly programOrder: boolean;
  /** Whether {@link fetched} decides later fetches: in program order, or past invalidations that wait for the fetch stream. */
  private readonly ordersFetches: boolean;
  /** Per CPU: maintenance issued but not yet completed, as (effect, address) pairs. */
  private readonly pending: number[][];
  /** Scratch for {@link rankInstants}: the distinct instants the views hold, sorted. */
  private readonly ranks: number[] = [];
  /**
   * Set by the machine when it checks concurrent modification: a fetch
   * that may return several versions then leaves them in
   * {@link alternativeBytes}.
   */
  collectAlternatives = false;
  /**
   * Versions the last fetch block of the current instruction could have
   * returned, when more than one (else 0): {@link alternativeBytes} holds
   * them oldest first, `alternativeLength` bytes each, memory as it is last.
   */
  alternatives = 0;
  /** Bytes of each alternative (see {@link alternatives}). */
  alternativeLength = 0;
  /** Scratch holding the alternatives' bytes; reused, never reallocated. */
  readonly alternativeBytes: Uint8Array;
  private fetchLo = 0;
  private fetchHi = Number.POSITIVE_INFINITY;
  private fetchStale = false;

  constructor(memory: PhysicalMemory, storage: StorageModel, rules: FetchRules) {
    this.memory = memory;
    this.storage = storage;
    this.rules = rules;
    this.cpus = storage.cpus;
    this.block = rules.fetchBlock;
    this.ctxSync = new Float64Array(this.cpus);
    this.allInval = new Float64Array(2 * this.cpus);
    this.lineInval = Array.from({ length: this.cpus }, () => new Map());
    this.ownStore = Array.from({ length: this.cpus }, () => new Map());
    this.ownStorePhysical = Array.from({ length: this.cpus }, () => new Map());
    this.storeLinear = Array.from({ length: this.cpus }, () => new Map());
    this.fetched = new Float64Array(this.cpus);
    this.alternativeBytes = new Uint8Array((MAX_BLOCK_VERSIONS + 1) * this.block);
    this.linear = rules.ownStoreSyncs && rules.ownStoreMatch === 'linear';
    this.programOrder = rules.fetchOrder === 'programOrder';
    this.ordersFetches =
      this.programOrder ||
      (rules.staleness === 'untilInvalidated' &&
        rules.cacheOps.some(
          (e) =>
            e === CacheOpEffect.InvalidateLineAll ||
            e === CacheOpEffect.InvalidateLocal ||
            e === CacheOpEffect.InvalidateAll,
        ));
    this.pending = Array.from({ length: this.cpus }, () => []);
    storage.observe(this);
  }

  /** Marks the frames of `[pa, pa + size)` as instruction memory, whose old versions are kept from now on. */
  track(pa: number, size: number): void {
    for (let p = Math.floor(pa / PAGE_SIZE); p * PAGE_SIZE < pa + size; p++) this.tracked.add(p);
  }

  /**
   * The newest instant of the global write order whose write a fetch of
   * `cpu` returned (0 before any). AArch64 orders a fetch before every
   * po-later access (`aarch64.cat`: `f-ob = [IF]; po; [~IF]`), so the
   * CPU's later loads may not read memory as of an earlier instant.
   */
  fetchedInstant(cpu: number): number {
    return this.fetched[cpu];
  }

  /** True when a block of `[pa, pa + n)` has old versions (a fetch there may see one). */
  versioned(pa: number, n: number): boolean {
    for (let blk = Math.floor(pa / this.block); blk * this.block < pa + n; blk++)
      if (this.histories.has(blk)) return true;
    return false;
  }

  /** Starts fetching one instruction. */
  beginFetch(): void {
    this.fetchLo = 0;
    this.fetchHi = Number.POSITIVE_INFINITY;
    this.fetchStale = false;
    this.alternatives = 0;
  }

  /**
   * Fetches `n` bytes at `pa`, all inside one fetch block, for `cpu` into
   * `out[offset..]`, letting `chooser` pick among the versions the rules
   * allow (alternative 0 is memory as it is). Fetching tracks the frame.
   * `va` is the linear address fetched from (default `pa`), which
   * `ownStoreMatch: 'linear'` compares with the CPU's own stores.
   */
  fetch(
    cpu: number,
    pa: number,
    n: number,
    out: Uint8Array,
    offset: number,
    chooser: Chooser,
    va = pa,
  ): void {
    const pfn = Math.floor(pa / PAGE_SIZE);
    if (!this.tracked.has(pfn)) this.tracked.add(pfn);
    if (this.linear && this.storeLinear[cpu].size > 0 && this.storesTo(cpu, va)) {
      // The store is detected against the fetch (SDM vol. 3 §8.1.3): it reaches memory before the fetch reads it; draining a store buffer early is always allowed.
      this.storage.flush(cpu);
    }
    const blk = Math.floor(pa / this.block);
    const h = this.histories.get(blk);
    let from = h ? h.currentFrom : 0;
    let to = Number.POSITIVE_INFINITY;
    let pick = 0;
    if (h !== undefined && h.count > 0 && this.rules.staleness !== 'coherent') {
      let floor = this.floor(cpu, blk, h, Math.floor(va / this.block));
      if (this.programOrder && this.fetched[cpu] > floor) floor = this.fetched[cpu];
      let k = 0;
      for (let i = 0; i < h.count; i++) if (h.to[h.slot(i)] > floor) k++;
      if (k > 0) {
        if (this.collectAlternatives) this.keepAlternatives(h, floor, pa, n);
        pick = chooser.choose(k + 1, 'fetch');
      }
      if (pick > 0) {
        for (let i = 0, seen = 0; i < h.count; i++) {
          const s = h.slot(i);
          if (h.to[s] > floor && ++seen === pick) {
            const base = s * this.block + (pa % this.block);
            for (let j = 0; j < n; j++) out[offset + j] = h.bytes[base + j];
            from = h.from[s];
            to = h.to[s];
            break;
          }
        }
      }
    }
    if (pick === 0) for (let j = 0; j < n; j++) out[offset + j] = this.memory.read8(pa + j);
    else this.fetchStale = true;
    if (from > this.fetched[cpu]) this.fetched[cpu] = from;
    if (from > this.fetchLo) this.fetchLo = from;
    if (to < this.fetchHi) this.fetchHi = to;
  }

  /** Copies the versions of `pa..pa+n` allowed above `floor`, then memory's bytes, into {@link alternativeBytes}. */
  private keepAlternatives(h: BlockHistory, floor: number, pa: number, n: number): void {
    const out = this.alternativeBytes;
    let at = 0;
    for (let i = 0; i < h.count; i++) {
      const s = h.slot(i);
      if (h.to[s] <= floor) continue;
      const base = s * this.block + (pa % this.block);
      for (let j = 0; j < n; j++) out[at++] = h.bytes[base + j];
    }
    for (let j = 0; j < n; j++) out[at++] = this.memory.read8(pa + j);
    this.alternativeLength = n;
    this.alternatives = at / n;
  }

  /** Ends the instruction's fetch: a {@link FetchStatus} bit set. */
  endFetch(): number {
    return (
      (this.fetchStale ? FetchStatus.Stale : 0) |
      (this.fetchLo >= this.fetchHi ? FetchStatus.Torn : 0)
    );
  }

  /** A context-synchronizing event on `cpu`: its pipeline restarts from the instruction cache. */
  contextSync(cpu: number): void {
    this.ctxSync[cpu] = this.storage.instant;
  }

  /** Exception entry or return on `cpu`. */
  exception(cpu: number): void {
    if (this.rules.exceptionSyncs) this.contextSync(cpu);
  }

  /**
   * A cache-maintenance operation by `cpu` on the line containing `pa`.
   * Under `maintenanceCompletes: 'atBarrier'` it takes effect at the
   * issuing CPU's next completion barrier ({@link completeMaintenance});
   * until then hardware may not have done it yet, so every fetch it would
   * forbid stays allowed.
   */
  cacheOp(cpu: number, op: CacheOp, pa: number): void {
    const effect = this.rules.cacheOps[op] ?? CacheOpEffect.None;
    if (this.rules.maintenanceCompletes === 'atBarrier' && effect !== CacheOpEffect.SyncLocal) {
      this.pending[cpu].push(effect, pa);
    } else this.apply(cpu, effect, pa);
  }

  /** A barrier that waits for `cpu`'s earlier maintenance (AArch64 DSB): its pending operations take effect now. */
  completeMaintenance(cpu: number): void {
    const p = this.pending[cpu];
    for (let i = 0; i < p.length; i += 2) this.apply(cpu, p[i] as CacheOpEffect, p[i + 1]);
    p.length = 0;
  }

  private apply(cpu: number, effect: CacheOpEffect, pa: number): void {
    const now = this.storage.instant;
    switch (effect) {
      case CacheOpEffect.CleanLine:
        this.forBlocks(pa, this.rules.dcacheLine, (blk) => {
          const h = this.histories.get(blk);
          h?.clean(now);
        });
        break;
      case CacheOpEffect.InvalidateLineAll:
        for (let c = 0; c < this.cpus; c++) {
          this.forBlocks(pa, this.rules.icacheLine, (blk) => {
            let r = this.lineInval[c].get(blk);
            if (!r) this.lineInval[c].set(blk, (r = new Float64Array(2)));
            this.invalidate(c, r, 0, now);
          });
        }
        break;
      case CacheOpEffect.InvalidateLocal:
        this.invalidate(cpu, this.allInval, 2 * cpu, now);
        break;
      case CacheOpEffect.InvalidateAll:
        for (let c = 0; c < this.cpus; c++) this.invalidate(c, this.allInval, 2 * c, now);
        break;
      case CacheOpEffect.SyncLocal:
        this.invalidate(cpu, this.allInval, 2 * cpu, now);
        this.ctxSync[cpu] = now;
        break;
    }
  }

  beforeCommit(_cpu: number, pa: number, size: number): void {
    const instant = this.storage.instant + 1;
    for (let blk = Math.floor(pa / this.block); blk * this.block < pa + size; blk++) {
      const start = blk * this.block;
      if (!this.tracked.has(Math.floor(start / PAGE_SIZE))) continue;
      let h = this.histories.get(blk);
      if (!h) this.histories.set(blk, (h = new BlockHistory(this.block)));
      const s = h.push();
      for (let j = 0; j < this.block; j++)
        h.bytes[s * this.block + j] = this.memory.read8(start + j);
      h.from[s] = h.currentFrom;
      h.to[s] = instant;
      h.currentFrom = instant;
    }
  }

  /**
   * `cpu` issued a store of `pa` through linear address `va`; with
   * `ownStoreMatch: 'linear'` its commit discards the CPU's stale copy
   * only for fetches through the same linear address. A commit with no
   * issued store recorded (a direct write through some other mapping)
   * discards nothing.
   */
  storeIssued(cpu: number, pa: number, va: number): void {
    if (this.linear && this.tracked.has(Math.floor(pa / PAGE_SIZE)))
      this.storeLinear[cpu].set(pa, va);
  }

  /** True when `cpu` has an issued store (of up to 8 bytes) that may touch the fetch block of linear address `va`. */
  private storesTo(cpu: number, va: number): boolean {
    const blk = Math.floor(va / this.block);
    for (const v of this.storeLinear[cpu].values()) {
      if (Math.floor(v / this.block) === blk || Math.floor((v + 7) / this.block) === blk)
        return true;
    }
    return false;
  }

  afterCommit(cpu: number, pa: number, size: number, instant: number): void {
    if (!this.rules.ownStoreSyncs) return;
    let va = -1;
    if (this.linear) {
      const issued = this.storeLinear[cpu].get(pa);
      if (issued !== undefined) {
        va = issued;
        this.storeLinear[cpu].delete(pa);
      }
    }
    for (let blk = Math.floor(pa / this.block); blk * this.block < pa + size; blk++) {
      if (!this.histories.has(blk)) continue;
      if (!this.linear) this.ownStore[cpu].set(blk, instant);
      else if (va >= 0) {
        const linearBlk = Math.floor((va + Math.max(pa, blk * this.block) - pa) / this.block);
        this.ownStore[cpu].set(linearBlk, instant);
        this.ownStorePhysical[cpu].set(linearBlk, blk);
      }
    }
  }

  /** Mixes every CPU's view into `h`. */
  fingerprint(h: StateHasher): void {
    const rank = this.rankInstants();
    h.add(rank(this.storage.instant));
    for (const t of this.ctxSync) h.add(rank(t));
    for (const t of this.allInval) h.add(rank(t));
    // Otherwise the fetched instants change nothing later: states differing only there are alike.
    if (this.ordersFetches) for (const t of this.fetched) h.add(rank(t));
    for (let c = 0; c < this.cpus; c++) {
      h.add(this.lineInval[c].size);
      for (const [blk, r] of this.lineInval[c]) {
        h.add(blk);
        h.add(rank(r[0]));
        h.add(rank(r[1]));
      }
      h.add(this.ownStore[c].size);
      for (const [blk, t] of this.ownStore[c]) {
        h.add(blk);
        h.add(rank(t));
        h.add(this.ownStorePhysical[c].get(blk) ?? -1);
      }
      h.add(this.storeLinear[c].size);
      for (const [pa, va] of this.storeLinear[c]) {
        h.add(pa);
        h.add(va);
      }
      h.add(this.pending[c].length);
      for (const v of this.pending[c]) h.add(v);
    }
    h.add(this.histories.size);
    for (const [blk, v] of this.histories) {
      h.add(blk);
      h.add(rank(v.currentFrom));
      h.add(v.count);
      for (let i = 0; i < v.count; i++) {
        const s = v.slot(i);
        h.add(rank(v.from[s]));
        h.add(rank(v.to[s]));
        h.addWords(v.bytes, s * this.block, (s + 1) * this.block);
      }
      for (let i = 0; i < Math.min(v.cleanCount, CLEANS); i++) h.add(rank(v.cleans![i]));
    }
  }

  /**
   * Sorts every instant the views hold, with 0 and the current one, into
   * {@link ranks} and returns the rank lookup. The rules only compare
   * instants with each other (`t - 1` included: they are whole numbers) and
   * every later instant exceeds them all, so states whose instants are
   * ordered alike behave alike, whatever number of data stores came
   * between two code writes.
   */
  private rankInstants(): (t: number) => number {
    const all = this.ranks;
    all.length = 0;
    all.push(0, this.storage.instant, ...this.ctxSync, ...this.allInval);
    if (this.ordersFetches) all.push(...this.fetched);
    for (let c = 0; c < this.cpus; c++) {
      for (const r of this.lineInval[c].values()) all.push(r[0], r[1]);
      for (const t of this.ownStore[c].values()) all.push(t);
    }
    for (const v of this.histories.values()) {
      all.push(v.currentFrom);
      for (let i = 0; i < v.count; i++) all.push(v.from[v.slot(i)], v.to[v.slot(i)]);
      for (let i = 0; i < Math.min(v.cleanCount, CLEANS); i++) all.push(v.cleans![i]);
    }
    all.sort((a, b) => a - b);
    let n = 0;
    for (const t of all) if (n === 0 || all[n - 1] !== t) all[n++] = t;
    all.length = n;
    return (t) => {
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (all[mid] < t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
  }

  /** The earliest instant whose version of `blk`, fetched through linear block `linearBlk`, `cpu` may still fetch. */
  private floor(cpu: number, blk: number, h: BlockHistory, linearBlk: number): number {
    let f: number;
    if (this.rules.staleness === 'untilContextSync') f = this.ctxSync[cpu];
    else {
      const past = this.past(cpu);
      f = effective(this.allInval, 2 * cpu, past);
      const r = this.lineInval[cpu].get(blk);
      if (r) f = Math.max(f, effective(r, 0, past));
    }
    const own = this.ownStore[cpu].get(this.linear ? linearBlk : blk);
    if (
      own !== undefined &&
      own > f &&
      (!this.linear || this.ownStorePhysical[cpu].get(linearBlk) === blk)
    )
      f = own;
    return this.rules.cleanToPou ? h.cleanBefore(f) : f;
  }

  /**
   * The latest instant `cpu`'s fetch stream is known to be past: its last
   * context synchronization, or the instant before the newest write one of
   * its fetches returned. `aarch64.cat` orders a fetch before what follows
   * a completed IC when a po-later fetch is not after the IC
   * (`IC-ob = [IF]; po; [IF]; IC-after; [IC]; DSB-ob`), so once a fetch
   * returned a write made after an invalidation, every later fetch is
   * after it. Instants are whole numbers: an invalidation at `t` precedes
   * a write made at `t + 1`.
   */
  private past(cpu: number): number {
    return Math.max(this.ctxSync[cpu], this.fetched[cpu] - 1);
  }

  /** Records an invalidation at `now` in the [last, previous] pair `r[i..i+1]` of `cpu`. */
  private invalidate(cpu: number, r: Float64Array, i: number, now: number): void {
    if (r[i] <= this.past(cpu)) r[i + 1] = r[i];
    r[i] = now;
  }

  private forBlocks(pa: number, line: number, f: (blk: number) => void): void {
    const start = pa - (pa % line);
    for (let a = start; a < start + line; a += this.block) f(Math.floor(a / this.block));
  }
}

/**
 * An invalidation takes effect in a CPU's fetch stream only once the
 * stream is past it (the pipeline may hold what it fetched before), at its
 * next context synchronization or fetch of a later write: the last one if
 * the stream is past it (`past`), else the one before.
 */
function effective(r: Float64Array, i: number, past: number): number {
  return r[i] <= past ? r[i] : r[i + 1];
}
