/**
 * How an architecture fetches instructions and keeps its instruction
 * views in step with data memory, stated as data: the rules object each
 * arch package configures and the machine's instruction views
 * (`instructionViews.ts`) execute. The mechanics are generic; see that
 * module for the versioned model the rules parameterize.
 *
 * @module
 */

import { fail } from './errors';
import { CacheOp } from './isa';

/**
 * How long a CPU may go on fetching bytes that memory no longer holds.
 *
 * - `coherent`: never; every fetch sees memory as it is (RISC-V Ziccid
 *   in its strongest reading, a simple interpreter).
 * - `untilContextSync`: the instruction cache is coherent with data
 *   writes, but instructions already fetched and decoded survive until the
 *   CPU's next context-synchronizing event (x86 SDM vol. 3 §8.1.3, cross-
 *   modifying code; AArch64 with `CTR_EL0.DIC` = 1).
 * - `untilInvalidated`: each CPU's instruction cache may hold any version
 *   since its last invalidation of the line, and its pipeline any version
 *   since its last context synchronization (AArch64 with DIC = 0, Arm ARM
 *   B2.4.4; RISC-V Zifencei without Ziccid).
 */
export type Staleness = 'coherent' | 'untilContextSync' | 'untilInvalidated';

/**
 * How one CPU's fetches are ordered among themselves.
 *
 * - `free`: each fetch picks independently among the versions its floor
 *   allows, so a CPU may fetch a new version and then an older one
 *   (AArch64 without maintenance, FACTS §4; RISC-V without Ziccid).
 * - `programOrder`: fetches happen at non-decreasing instants of the
 *   global write order (RISC-V Ziccid, `ir2 = [I];po;[I]`; AArch64 with
 *   DIC, `aarch64.cat`: `IC-ob ⊇ [IF]; po; [IF]; ca`): a fetch may
 *   not return a version that stopped being current before the instant
 *   an earlier fetch of the same CPU, of any location, was made at. Each
 *   fetch raises its CPU's floor to the start of the version it returned;
 *   alternative 0 (memory as it is) raises it to the block's latest write,
 *   so any fair chooser (a seeded one) eventually sees every store, the
 *   eventual visibility Ziccid promises.
 */
export type FetchOrder = 'free' | 'programOrder';

/** What a cache-maintenance operation does to the instruction views. */
export const CacheOpEffect = {
  /** No effect on fetch (the operation is a no-op for coherence here). */
  None: 0,
  /** Cleans the data cache line to the point of unification (DC CVAU). */
  CleanLine: 1,
  /** Invalidates the instruction cache line in every CPU (IC IVAU, broadcast). */
  InvalidateLineAll: 2,
  /** Invalidates this CPU's whole instruction cache (IC IALLU). */
  InvalidateLocal: 3,
  /** Invalidates every CPU's whole instruction cache (IC IALLUIS). */
  InvalidateAll: 4,
  /** Invalidates this CPU's instruction cache and restarts its fetch stream (RISC-V FENCE.I). */
  SyncLocal: 5,
} as const;
/** See the constant of the same name. */
export type CacheOpEffect = (typeof CacheOpEffect)[keyof typeof CacheOpEffect];

/** An architecture's instruction-fetch, maintenance and serialization rules. */
export interface FetchRules {
  /** A name for reports (`'x86-64 SDM'`, `'arm64 IDC=0 DIC=0'`, …). */
  readonly name: string;
  /**
   * Size of an aligned fetch block in bytes, a power of two: one fetch
   * reads a whole block atomically, so an instruction inside one block is
   * never torn, and one spanning two blocks may be (x86: 16; RISC-V
   * Ziccif: 4, aligned 32-bit fetches are atomic).
   */
  readonly fetchBlock: number;
  /** Instruction cache line size in bytes (the span of IC IVAU). */
  readonly icacheLine: number;
  /** Data cache line size in bytes (the span of DC CVAU). */
  readonly dcacheLine: number;
  /** See {@link Staleness}. */
  readonly staleness: Staleness;
  /**
   * Data writes reach instruction fetch only once cleaned to the point of
   * unification; until then fetch may see the line as it was at its last
   * clean (AArch64 with `CTR_EL0.IDC` = 0).
   */
  readonly cleanToPou: boolean;
  /**
   * A CPU's own store to a fetch block discards its stale copies of that
   * block (x86 SMC detection: "a write to a code location in the prefetch
   * queue invalidates it", SDM vol. 3 §8.1.3).
   */
  readonly ownStoreSyncs: boolean;
  /** Exception entry and exception return are context-synchronizing (x86: serializing; Arm ARM: IFB events). */
  readonly exceptionSyncs: boolean;
  /**
   * When cache maintenance takes effect: `'immediately'` (the default), or `'atBarrier'`,
   * at the issuing CPU's next barrier with the `FenceOrder.Completion` bit
   * (AArch64: DC and IC complete at a DSB, Arm ARM D7.5.10; FENCE.I is
   * always immediate).
   */
  readonly maintenanceCompletes?: 'immediately' | 'atBarrier';
  /** Effect of each {@link CacheOp}, indexed by its code; missing entries have no effect. */
  readonly cacheOps: readonly CacheOpEffect[];
  /** See {@link FetchOrder}; default `'free'`. */
  readonly fetchOrder?: FetchOrder;
  /**
   * Whether the CPU's own store discards its stale copy when it writes
   * the block through the same linear address it fetches from
   * (`'linear'`, x86 SDM vol. 3 §8.1.3: the prefetch queue is checked by
   * linear address) or through any alias of the physical block
   * (`'physical'`, the default). Only meaningful with `ownStoreSyncs`.
   */
  readonly ownStoreMatch?: 'physical' | 'linear';
}

/** Checks a rules object's sizes; `EINVAL` naming the bad field. */
export function checkFetchRules(rules: FetchRules): FetchRules {
  for (const field of ['fetchBlock', 'icacheLine', 'dcacheLine'] as const) {
    const v = rules[field];
    if (!Number.isInteger(v) || v < 1 || (v & (v - 1)) !== 0 || v > 4096) {
      fail('EINVAL', `fetch rules "${rules.name}": ${field} ${v} is not a power of two up to 4096`);
    }
  }
  return rules;
}

/** Rules under which every fetch sees memory as it is: no staleness, no maintenance needed. */
export function coherentFetchRules(fetchBlock = 4): FetchRules {
  return checkFetchRules({
    name: 'coherent',
    fetchBlock,
    icacheLine: 64,
    dcacheLine: 64,
    staleness: 'coherent',
    cleanToPou: false,
    ownStoreSyncs: false,
    exceptionSyncs: true,
    maintenanceCompletes: 'immediately',
    cacheOps: [],
  });
}

/** Options for {@link staleUntilSyncFetchRules}. */
export interface StaleUntilSyncOptions {
  readonly name?: string;
  readonly fetchBlock?: number;
  readonly icacheLine?: number;
  readonly dcacheLine?: number;
  /** Default `'untilInvalidated'`. */
  readonly staleness?: Exclude<Staleness, 'coherent'>;
  /** Default false. */
  readonly cleanToPou?: boolean;
  /** Default false. */
  readonly ownStoreSyncs?: boolean;
  /** Default true. */
  readonly exceptionSyncs?: boolean;
  /** Default `'immediately'`. */
  readonly maintenanceCompletes?: 'immediately' | 'atBarrier';
  /** Default `'free'`. */
  readonly fetchOrder?: FetchOrder;
  /** Default `'physical'`. */
  readonly ownStoreMatch?: 'physical' | 'linear';
}

/**
 * The generic "stale until synchronized" rules the arches specialize: a
 * CPU may fetch old bytes until it invalidates (or, for
 * `untilContextSync`, until it context-synchronizes). Cache operations
 * get their Arm/RISC-V meanings: DC CVAU cleans, IC IVAU invalidates the
 * line everywhere, IC IALLU locally, IC IALLUIS everywhere, FENCE.I
 * invalidates and resynchronizes the local CPU.
 */
export function staleUntilSyncFetchRules(options: StaleUntilSyncOptions = {}): FetchRules {
  const cacheOps: CacheOpEffect[] = [];
  cacheOps[CacheOp.DcCvau] = CacheOpEffect.CleanLine;
  cacheOps[CacheOp.IcIvau] = CacheOpEffect.InvalidateLineAll;
  cacheOps[CacheOp.IcIallu] = CacheOpEffect.InvalidateLocal;
  cacheOps[CacheOp.IcIalluis] = CacheOpEffect.InvalidateAll;
  cacheOps[CacheOp.FenceI] = CacheOpEffect.SyncLocal;
  return checkFetchRules({
    name: options.name ?? 'stale until synchronized',
    fetchBlock: options.fetchBlock ?? 4,
    icacheLine: options.icacheLine ?? 64,
    dcacheLine: options.dcacheLine ?? 64,
    staleness: options.staleness ?? 'untilInvalidated',
    cleanToPou: options.cleanToPou ?? false,
    ownStoreSyncs: options.ownStoreSyncs ?? false,
    exceptionSyncs: options.exceptionSyncs ?? true,
    maintenanceCompletes: options.maintenanceCompletes ?? 'immediately',
    cacheOps,
    fetchOrder: options.fetchOrder ?? 'free',
    ownStoreMatch: options.ownStoreMatch ?? 'physical',
  });
}
