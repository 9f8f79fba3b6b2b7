/**
 * The machine's cost counters: every cost the kernel cares about, each a
 * slot in one `Float64Array` so a hot path bumps `values[Counter.x]`
 * without a lookup or an allocation.
 *
 * @module
 */

import { fail } from './errors';

/** The counter names, in slot order. */
export const COUNTER_NAMES = [
  'instructions',
  'ipis',
  'tlbShootdowns',
  'tlbFlushesLocal',
  'itlbHits',
  'itlbMisses',
  'dtlbHits',
  'dtlbMisses',
  'pageTableWalks',
  'pageTablePages',
  'pteWrites',
  'largePageSplits',
  'largePageCollapses',
  'directMapSplits',
  'directMapCollapses',
  'setMemoryCalls',
  'trapBytesWritten',
  'textPokes',
  'staleFetches',
  'tornFetches',
  'hazards',
  'faults',
  'exceptions',
  'contextSyncs',
  'cacheMaintenanceOps',
] as const;

/** One counter's name. */
export type CounterName = (typeof COUNTER_NAMES)[number];

/**
 * Counter ids (slot indexes), named like the counters.
 * `pageTablePages` is a gauge: pages currently holding page tables.
 */
export const Counter: { readonly [K in CounterName]: number } = Object.freeze(
  Object.fromEntries(COUNTER_NAMES.map((name, i) => [name, i])) as Record<CounterName, number>,
);

/** A plain-object copy of every counter, for reports and diffs. */
export type CounterSnapshot = { readonly [K in CounterName]: number };

/** The counters of one machine. */
export interface Counters {
  /** The slots, indexed by {@link Counter} ids; hot paths add to them directly. */
  readonly values: Float64Array;
  /** Adds `n` (default 1, may be negative for gauges) to counter `id`. */
  add(id: number, n?: number): void;
  /** The current value of the counter called `name`; `EINVAL` for an unknown name. */
  get(name: CounterName): number;
  /** Sets every counter to zero. */
  reset(): void;
  /** A plain-object copy of every counter. */
  snapshot(): CounterSnapshot;
  /** What changed between two snapshots (see {@link diffCounters}). */
  diff(a: CounterSnapshot, b: CounterSnapshot): CounterSnapshot;
}

/** Creates a set of counters, all zero. */
export function createCounters(): Counters {
  const values = new Float64Array(COUNTER_NAMES.length);
  return {
    values,
    add(id, n = 1) {
      values[id] += n;
    },
    get(name) {
      const id = Counter[name];
      if (id === undefined) fail('EINVAL', `unknown counter "${name}"`);
      return values[id];
    },
    reset() {
      values.fill(0);
    },
    snapshot() {
      return Object.fromEntries(
        COUNTER_NAMES.map((name, i) => [name, values[i]]),
      ) as CounterSnapshot;
    },
    diff: diffCounters,
  };
}

/** What changed from snapshot `a` to snapshot `b`: `b[name] - a[name]` for every counter. */
export function diffCounters(a: CounterSnapshot, b: CounterSnapshot): CounterSnapshot {
  return Object.fromEntries(
    COUNTER_NAMES.map((name) => [name, b[name] - a[name]]),
  ) as CounterSnapshot;
}
