/**
 * A page-table transaction: every entry write, table-page allocation and
 * counter change an MMU operation makes is journaled, so a step that
 * fails halfway (out of frames for a table page) rolls back and the
 * address space is exactly as before. Frees are deferred to commit so
 * rollback never needs to reallocate a frame.
 *
 * @module
 */

import type { Counters } from './counters';
import { Counter } from './counters';
import { PAGE_SIZE, type PhysicalMemory } from './physicalMemory';

/** An open transaction on one address space's tables. */
export interface PageTableTransaction {
  /** Writes an entry (halves), journaling the old value and counting `pteWrites`. */
  writePte(pa: number, lo: number, hi: number): void;
  /** Writes an entry of a table page allocated in this transaction (no journal needed: rollback frees the page). */
  writeFreshPte(pa: number, lo: number, hi: number): void;
  /** Reads an entry's halves into the shared scratch `pte` array. */
  readonly pte: Uint32Array;
  /** Reads the entry at `pa` into {@link PageTableTransaction.pte}. */
  readPte(pa: number): void;
  /** Allocates a zeroed table page and returns its physical address (`ENOMEM` when none is free). */
  allocTable(): number;
  /** Frees the table page at `pa` when the transaction commits. */
  freeTable(pa: number): void;
  /** Adds `n` to a counter when the transaction commits. */
  count(id: number, n?: number): void;
  /** Registers an undo step for state kept outside physical memory. */
  onRollback(undo: () => void): void;
  /** Widens the range of virtual addresses whose cached translations changed. */
  invalidate(start: number, end: number): void;
  /** The changed range, `start >= end` when nothing changed. */
  readonly changed: { start: number; end: number };
}

/**
 * Runs `body` as one transaction: commits its writes, deferred frees and
 * counter changes when it returns, undoes everything when it throws (and
 * rethrows). Returns what `body` returned and the changed range.
 */
export function runPageTableTransaction<T>(
  memory: PhysicalMemory,
  counters: Counters,
  body: (tx: PageTableTransaction) => T,
): { result: T; changed: { start: number; end: number } } {
  const undo: (() => void)[] = [];
  const frees: number[] = [];
  const delta = new Float64Array(counters.values.length);
  const pte = new Uint32Array(2);
  const changed = { start: Number.POSITIVE_INFINITY, end: 0 };
  const tx: PageTableTransaction = {
    pte,
    changed,
    readPte(pa) {
      memory.read64(pa, pte, 0);
    },
    writePte(pa, lo, hi) {
      memory.read64(pa, pte, 0);
      const oldLo = pte[0];
      const oldHi = pte[1];
      undo.push(() => memory.write64(pa, oldLo, oldHi));
      memory.write64(pa, lo, hi);
      delta[Counter.pteWrites]++;
    },
    writeFreshPte(pa, lo, hi) {
      memory.write64(pa, lo, hi);
      delta[Counter.pteWrites]++;
    },
    allocTable() {
      const pfn = memory.allocFrames(1);
      undo.push(() => memory.freeFrames(pfn));
      delta[Counter.pageTablePages]++;
      return pfn * PAGE_SIZE;
    },
    freeTable(pa) {
      frees.push(pa / PAGE_SIZE);
      delta[Counter.pageTablePages]--;
    },
    count(id, n = 1) {
      delta[id] += n;
    },
    onRollback(step) {
      undo.push(step);
    },
    invalidate(start, end) {
      if (start < changed.start) changed.start = start;
      if (end > changed.end) changed.end = end;
    },
  };
  let result: T;
  try {
    result = body(tx);
  } catch (e) {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]();
    throw e;
  }
  for (const pfn of frees) memory.freeFrames(pfn);
  for (let i = 0; i < delta.length; i++) if (delta[i] !== 0) counters.values[i] += delta[i];
  return { result, changed };
}
