/**
 * Address spaces: a root table in physical memory plus map / unmap /
 * protect over page-aligned ranges with every leaf size the format
 * allows. A large leaf that is only partly changed is split into a table
 * of smaller leaves (as x86 CPA and arm64 `split_pmd` do); a split table
 * that becomes uniform again (same protection, physically contiguous,
 * aligned) is collapsed back into one leaf (as x86
 * `collapse_large_pages` does). Every operation validates first, runs as
 * one journaled transaction, counts its costs and reports the virtual
 * range whose cached translations changed to the invalidation listeners.
 *
 * @module
 */

import { VA_BITS, vaFromBigint, vaToBigint } from './address';
import { Counter, type Counters } from './counters';
import { fail } from './errors';
import {
  assertExpressible,
  KERNEL_ATTRIBUTES,
  leafSizes,
  type PageTableFormat,
  PROT_ALL,
  type Prot,
  PteAttr,
  PteKind,
  pteHalves,
} from './pageTableFormat';
import { type PageTableTransaction, runPageTableTransaction } from './pageTableTransaction';
import {
  createWalkResult,
  forEachLeaf,
  PTE_SIZE,
  pteIndex,
  type WalkResult,
  walkPageTable,
} from './pageTableWalk';
import { PAGE_SIZE, type PhysicalMemory } from './physicalMemory';

const VA_SPAN = 2 ** VA_BITS;

/** Leaf size for {@link AddressSpace.map}: bytes (a leaf size of the format) or the largest that fits. */
export type PageSizeOption = number | 'largest';

/** Options for {@link AddressSpace.map}. */
export interface MapOptions {
  /**
   * The largest leaf to use (default 4 KiB). A number requires `va`, `pa`
   * and `size` aligned to it; `'largest'` uses the largest leaf each
   * aligned piece allows and collapses tables that become uniform.
   */
  readonly pageSize?: PageSizeOption;
  /**
   * Overwrite existing mappings in the range instead of failing with
   * `EEXIST` (the kernel's `set_direct_map_default_noflush`); large
   * leaves the range cuts are split.
   */
  readonly replace?: boolean;
}

/** One leaf mapping, as {@link AddressSpace.forEachMapping} reports it. */
export interface Mapping {
  /** Canonical virtual address of the leaf. */
  readonly va: bigint;
  /** Physical address it maps. */
  readonly pa: bigint;
  /** Leaf size in bytes. */
  readonly size: bigint;
  /** Protection ({@link Prot}). */
  readonly prot: Prot;
  /** Level of the leaf in the format. */
  readonly level: number;
  /** {@link PteAttr} flags. */
  readonly attributes: number;
}

/** The result of {@link AddressSpace.translate}. */
export interface Translation {
  /** The physical address. */
  readonly pa: bigint;
  /** Protection of the leaf. */
  readonly prot: Prot;
  /** Size of the leaf in bytes. */
  readonly size: bigint;
  /** Level of the leaf. */
  readonly level: number;
  /** {@link PteAttr} flags. */
  readonly attributes: number;
}

/** Called with the engine range `[start, end)` whose cached translations an operation changed. */
export type InvalidationListener = (start: number, end: number) => void;

/** Engine-level leaf visitor: addresses and sizes as numbers. */
export type LeafMappingVisitor = (
  va: number,
  pa: number,
  size: number,
  prot: Prot,
  level: number,
  attributes: number,
) => void;

/** One address space (a set of page tables). */
export interface AddressSpace {
  /** Name used in dumps and audit reports. */
  readonly name: string;
  /** The page-table format. */
  readonly format: PageTableFormat;
  /** The physical memory holding the tables. */
  readonly memory: PhysicalMemory;
  /** The counters operations are charged to. */
  readonly counters: Counters;
  /** Physical address of the root table. */
  readonly rootPa: number;
  /** Engine range whose large-leaf splits and collapses also count as direct-map ones (set by `mapDirectMap`). */
  directMapRange: { readonly start: number; readonly end: number } | undefined;
  /**
   * Maps `[va, va + size)` to `[pa, pa + size)`. `EINVAL` for unaligned
   * or non-canonical input or an inexpressible protection, `ERANGE` for
   * frames beyond memory, `EEXIST` when any page is already mapped,
   * `ENOMEM` when no frame is left for a table page; nothing changes on error.
   */
  map(va: bigint, pa: bigint, size: bigint, prot: Prot, options?: MapOptions): void;
  /** Unmaps a range, splitting large leaves it cuts; `EFAULT` when any page of it is unmapped. */
  unmap(va: bigint, size: bigint): void;
  /** Sets the protection of a mapped range (`EFAULT` when any page is unmapped). */
  protect(va: bigint, size: bigint, prot: Prot): void;
  /** Sets the bits `set` and clears the bits `clear` in the protection of every page of a mapped range. */
  changeProt(va: bigint, size: bigint, set: Prot, clear: Prot): void;
  /** Walks the tables for `va`; `undefined` when it is not mapped. */
  translate(va: bigint): Translation | undefined;
  /** Allocation-free walk of an engine address (counts `pageTableWalks`); `false` on a fault. */
  walk(va: number, out: WalkResult): boolean;
  /** The engine number of a 64-bit address (`vaFromBigint`: `EINVAL` when bits 63:48 are mixed). */
  toEngine(va: bigint): number;
  /** The 64-bit address of an engine number (`vaToBigint`). */
  fromEngine(va: number): bigint;
  /** Visits every leaf in address order (optionally only those meeting `[start, end)`). */
  forEachMapping(visit: (mapping: Mapping) => void, start?: bigint, end?: bigint): void;
  /** Visits every leaf in address order with engine addresses (for audits and dumps of large spaces). */
  forEachLeafMapping(visit: LeafMappingVisitor): void;
  /** Adds a listener for changed translations; returns a function that removes it. */
  addInvalidationListener(listener: InvalidationListener): () => void;
}

/** Options for {@link createAddressSpace}. */
export interface AddressSpaceOptions {
  /** Physical memory the tables are allocated from. */
  readonly memory: PhysicalMemory;
  /** The arch's page-table format. */
  readonly format: PageTableFormat;
  /** Counters charged with table pages, entry writes, splits and collapses. */
  readonly counters: Counters;
  /** Name for dumps and audits; default `mm`. */
  readonly name?: string;
}

/** The engine ranges the tables of a format translate (the ranges `isCanonicalFor` accepts), ascending. */
export function canonicalRanges(format: PageTableFormat): [start: number, end: number][] {
  if (format.halves === 'upper') return [[VA_SPAN - 2 ** format.vaBits, VA_SPAN]];
  const half = 2 ** (format.vaBits - 1);
  return [
    [0, half],
    [VA_SPAN - half, VA_SPAN],
  ];
}

/** {@link canonicalRanges} as 64-bit `0x…-0x…` text, for messages. */
function rangesText(format: PageTableFormat): string {
  return canonicalRanges(format)
    .map(([lo, hi]) => `0x${vaToBigint(lo).toString(16)}-0x${vaToBigint(hi - 1).toString(16)}`)
    .join(', ');
}

/** Creates an empty address space: one zeroed root table page. `ENOMEM` when no frame is free. */
export function createAddressSpace(options: AddressSpaceOptions): AddressSpace {
  const { memory, format, counters, name = 'mm' } = options;
  const { levels } = format;
  for (const level of levels) {
    if (2 ** level.bits * PTE_SIZE > PAGE_SIZE) {
      fail(
        'EINVAL',
        `level ${level.name} of ${format.name} has ${2 ** level.bits} entries, more than a page holds`,
      );
    }
  }
  const rootPa = memory.allocFrames(1) * PAGE_SIZE;
  counters.add(Counter.pageTablePages);
  const listeners: InvalidationListener[] = [];
  /** Tables created by splitting a large leaf: candidates for collapsing back. */
  const splitTables = new Set<number>();
  const sizeOf = (level: number) => 2 ** levels[level].shift;
  const scratch = new Uint32Array(2);

  const space: AddressSpace = {
    name,
    format,
    memory,
    counters,
    rootPa,
    directMapRange: undefined,
    map,
    unmap,
    protect(va, size, prot) {
      assertExpressible(format, prot);
      changeProt(va, size, prot, PROT_ALL);
    },
    changeProt,
    translate,
    walk(va, out) {
      counters.values[Counter.pageTableWalks]++;
      return walkPageTable(memory, format, rootPa, va, out);
    },
    toEngine: vaFromBigint,
    fromEngine: vaToBigint,
    forEachMapping,
    forEachLeafMapping,
    addInvalidationListener(listener) {
      listeners.push(listener);
      return () => {
        const i = listeners.indexOf(listener);
        if (i >= 0) listeners.splice(i, 1);
      };
    },
  };
  return space;

  // ---- validation ----------------------------------------------------

  function checkRange(va: bigint, size: bigint): [start: number, end: number] {
    if (typeof size !== 'bigint' || size <= 0n || size % BigInt(PAGE_SIZE) !== 0n) {
      fail('EINVAL', `size ${size} is not a positive multiple of ${PAGE_SIZE}`);
    }
    const start = vaFromBigint(va);
    if (start % PAGE_SIZE !== 0)
      fail('EINVAL', `address 0x${BigInt.asUintN(64, va).toString(16)} is not page aligned`);
    const end = start + Number(size);
    const inside = canonicalRanges(format).some(([lo, hi]) => start >= lo && end <= hi);
    if (!inside) {
      fail(
        'EINVAL',
        `range 0x${BigInt.asUintN(64, va).toString(16)} + 0x${size.toString(16)} is outside the canonical ${format.vaBits}-bit addresses ${format.name} translates (${rangesText(format)})`,
      );
    }
    return [start, end];
  }

  function leafAt(va: number, level: number): string {
    return `0x${vaToBigint(va).toString(16)} (${levels[level].name} leaf)`;
  }

  /** `EFAULT` naming the first page of `[start, end)` that is not mapped, then `check` on every leaf. */
  function requireMapped(
    start: number,
    end: number,
    check?: (lo: number, hi: number, level: number) => void,
  ): void {
    forEachLeaf(
      memory,
      format,
      rootPa,
      start,
      end,
      () => {},
      (hole) => fail('EFAULT', `address 0x${vaToBigint(hole).toString(16)} is not mapped`),
    );
    if (check)
      forEachLeaf(memory, format, rootPa, start, end, (_va, level, lo, hi) => check(lo, hi, level));
  }

  // ---- operations ----------------------------------------------------

  function map(va: bigint, pa: bigint, size: bigint, prot: Prot, options: MapOptions = {}): void {
    const [start, end] = checkRange(va, size);
    assertExpressible(format, prot);
    if (typeof pa !== 'bigint' || pa < 0n || pa % BigInt(PAGE_SIZE) !== 0n) {
      fail('EINVAL', `physical address ${pa} is not a page-aligned non-negative value`);
    }
    if (pa + size > BigInt(memory.size)) {
      fail(
        'ERANGE',
        `frames 0x${pa.toString(16)} + 0x${size.toString(16)} are beyond physical memory of 0x${memory.size.toString(16)} bytes`,
      );
    }
    const pageSize = options.pageSize ?? PAGE_SIZE;
    let maxSize = Number.POSITIVE_INFINITY;
    if (pageSize !== 'largest') {
      if (!leafSizes(format).includes(pageSize)) {
        fail(
          'EINVAL',
          `page size ${pageSize} is not a leaf size of ${format.name} (${leafSizes(format).join(', ')})`,
        );
      }
      const p = BigInt(pageSize);
      if (BigInt(start) % p || pa % p || size % p) {
        fail(
          'EINVAL',
          `address 0x${BigInt.asUintN(64, va).toString(16)}, frame 0x${pa.toString(16)} or size 0x${size.toString(16)} is not aligned to page size 0x${pageSize.toString(16)}`,
        );
      }
      maxSize = pageSize;
    }
    if (!options.replace) {
      forEachLeaf(memory, format, rootPa, start, end, (leafVa, level) => {
        fail(
          'EEXIST',
          `range overlaps the existing mapping at ${leafAt(Math.max(leafVa, start), level)}`,
        );
      });
    }
    const paStart = Number(pa);
    const collapse = pageSize === 'largest';
    transact((tx) =>
      mapRange(tx, rootPa, 0, start, end, { start, paStart, prot, maxSize, collapse }),
    );
  }

  function unmap(va: bigint, size: bigint): void {
    const [start, end] = checkRange(va, size);
    requireMapped(start, end);
    transact((tx) => unmapRange(tx, rootPa, 0, start, end));
  }

  function changeProt(va: bigint, size: bigint, set: Prot, clear: Prot): void {
    const [start, end] = checkRange(va, size);
    if ((set & ~PROT_ALL) !== 0 || (clear & ~PROT_ALL) !== 0) {
      fail('EINVAL', `protection bits 0x${(set | clear).toString(16)} are undefined`);
    }
    requireMapped(start, end, (lo, hi, level) =>
      assertExpressible(format, (format.prot(lo, hi, level) & ~clear) | set),
    );
    transact((tx) => protectRange(tx, rootPa, 0, start, end, set, clear));
  }

  function translate(va: bigint): Translation | undefined {
    const out = createWalkResult();
    if (!space.walk(vaFromBigint(va), out)) return undefined;
    return {
      pa: BigInt(out.pa),
      prot: out.prot,
      size: 1n << BigInt(out.leafShift),
      level: out.level,
      attributes: out.attributes,
    };
  }

  function forEachLeafMapping(visit: LeafMappingVisitor, start?: number, end?: number): void {
    for (const [lo, hi] of canonicalRanges(format)) {
      const from = Math.max(lo, start ?? lo);
      const to = Math.min(hi, end ?? hi);
      if (from >= to) continue;
      forEachLeaf(memory, format, rootPa, from, to, (leafVa, level, pteLo, pteHi) => {
        visit(
          leafVa,
          format.address(pteLo, pteHi, level),
          sizeOf(level),
          format.prot(pteLo, pteHi, level),
          level,
          format.attributes(pteLo, pteHi, level),
        );
      });
    }
  }

  function forEachMapping(visit: (mapping: Mapping) => void, start?: bigint, end?: bigint): void {
    const from = start === undefined ? undefined : vaFromBigint(start);
    const to = end === undefined ? undefined : vaFromBigint(end - 1n) + 1;
    forEachLeafMapping(
      (va, pa, size, prot, level, attributes) => {
        visit({
          va: vaToBigint(va),
          pa: BigInt(pa),
          size: BigInt(size),
          prot,
          level,
          attributes,
        });
      },
      from,
      to,
    );
  }

  // ---- the transaction and its steps ---------------------------------

  function transact(body: (tx: PageTableTransaction) => void): void {
    const { changed } = runPageTableTransaction(memory, counters, body);
    if (changed.start < changed.end)
      for (const listener of listeners) listener(changed.start, changed.end);
  }

  function writeEntry(tx: PageTableTransaction, ptePa: number, entry: bigint, fresh = false): void {
    const [lo, hi] = pteHalves(entry);
    if (fresh) tx.writeFreshPte(ptePa, lo, hi);
    else tx.writePte(ptePa, lo, hi);
  }

  function markSplit(tx: PageTableTransaction, table: number): void {
    splitTables.add(table);
    tx.onRollback(() => splitTables.delete(table));
  }

  function unmarkSplit(tx: PageTableTransaction, table: number): void {
    if (!splitTables.delete(table)) return;
    tx.onRollback(() => splitTables.add(table));
  }

  function inDirectMap(va: number): boolean {
    const r = space.directMapRange;
    return r !== undefined && va >= r.start && va < r.end;
  }

  interface MapContext {
    readonly start: number;
    readonly paStart: number;
    readonly prot: Prot;
    readonly maxSize: number;
    readonly collapse: boolean;
  }

  /** Calls `step` for each entry of `table` (at `level`) that `[from, to)` meets. */
  function forEachEntry(
    tx: PageTableTransaction,
    table: number,
    level: number,
    from: number,
    to: number,
    step: (
      ptePa: number,
      entryStart: number,
      va: number,
      next: number,
      lo: number,
      hi: number,
    ) => void,
  ): void {
    const size = sizeOf(level);
    for (let va = from; va < to; ) {
      const entryStart = Math.floor(va / size) * size;
      const next = Math.min(to, entryStart + size);
      const ptePa = table + pteIndex(format, level, va) * PTE_SIZE;
      tx.readPte(ptePa);
      step(ptePa, entryStart, va, next, tx.pte[0], tx.pte[1]);
      va = next;
    }
    updateContiguous(tx, table, level, from, to);
  }

  function mapRange(
    tx: PageTableTransaction,
    table: number,
    level: number,
    from: number,
    to: number,
    ctx: MapContext,
  ): void {
    const size = sizeOf(level);
    forEachEntry(tx, table, level, from, to, (ptePa, entryStart, va, next, lo, hi) => {
      const kind = format.kind(lo, hi, level);
      const pa = ctx.paStart + (va - ctx.start);
      const whole = va === entryStart && next === entryStart + size;
      if (
        kind !== PteKind.Table &&
        whole &&
        levels[level].leaf &&
        size <= ctx.maxSize &&
        pa % size === 0
      ) {
        const leaf = format.encodeLeaf(pa, ctx.prot, level, KERNEL_ATTRIBUTES);
        if (kind === PteKind.Leaf) {
          if (format.address(lo, hi, level) === pa && format.prot(lo, hi, level) === ctx.prot)
            return;
          tx.invalidate(entryStart, entryStart + size);
        }
        writeEntry(tx, ptePa, leaf);
        return;
      }
      let child: number;
      if (kind === PteKind.Table) child = format.address(lo, hi, level);
      else if (kind === PteKind.Leaf) child = split(tx, ptePa, level, entryStart, lo, hi);
      else {
        child = tx.allocTable();
        writeEntry(tx, ptePa, format.encodeTable(child));
      }
      mapRange(tx, child, level + 1, va, next, ctx);
      if ((ctx.collapse || splitTables.has(child)) && size <= ctx.maxSize)
        tryCollapse(tx, ptePa, level, entryStart, child);
    });
  }

  function unmapRange(
    tx: PageTableTransaction,
    table: number,
    level: number,
    from: number,
    to: number,
  ): void {
    const size = sizeOf(level);
    forEachEntry(tx, table, level, from, to, (ptePa, entryStart, va, next, lo, hi) => {
      const kind = format.kind(lo, hi, level);
      if (kind === PteKind.Invalid) return;
      const whole = va === entryStart && next === entryStart + size;
      if (whole) {
        if (kind === PteKind.Table) freeSubtree(tx, format.address(lo, hi, level), level + 1);
        tx.writePte(ptePa, 0, 0);
        tx.invalidate(entryStart, entryStart + size);
        return;
      }
      const child =
        kind === PteKind.Table
          ? format.address(lo, hi, level)
          : split(tx, ptePa, level, entryStart, lo, hi);
      unmapRange(tx, child, level + 1, va, next);
      if (isEmptyTable(tx, child, level + 1)) {
        tx.freeTable(child);
        unmarkSplit(tx, child);
        tx.writePte(ptePa, 0, 0);
      }
    });
  }

  function protectRange(
    tx: PageTableTransaction,
    table: number,
    level: number,
    from: number,
    to: number,
    set: Prot,
    clear: Prot,
  ): void {
    const size = sizeOf(level);
    forEachEntry(tx, table, level, from, to, (ptePa, entryStart, va, next, lo, hi) => {
      const kind = format.kind(lo, hi, level);
      if (kind === PteKind.Invalid) return;
      let child: number;
      if (kind === PteKind.Leaf) {
        const old = format.prot(lo, hi, level);
        const prot = (old & ~clear) | set;
        if (prot === old) return;
        if (va === entryStart && next === entryStart + size) {
          const pa = format.address(lo, hi, level);
          writeEntry(
            tx,
            ptePa,
            format.encodeLeaf(pa, prot, level, format.attributes(lo, hi, level)),
          );
          tx.invalidate(entryStart, entryStart + size);
          return;
        }
        child = split(tx, ptePa, level, entryStart, lo, hi);
      } else child = format.address(lo, hi, level);
      protectRange(tx, child, level + 1, va, next, set, clear);
      if (splitTables.has(child)) tryCollapse(tx, ptePa, level, entryStart, child);
    });
  }

  /** Replaces the leaf at `ptePa` by a new table of leaves one level down with the same mapping. */
  function split(
    tx: PageTableTransaction,
    ptePa: number,
    level: number,
    entryStart: number,
    lo: number,
    hi: number,
  ): number {
    const childLevel = level + 1;
    if (!levels[childLevel]?.leaf)
      fail('EINVAL', `level ${levels[level].name} of ${format.name} cannot be split into leaves`);
    const pa = format.address(lo, hi, level);
    const prot = format.prot(lo, hi, level);
    const attributes = format.attributes(lo, hi, level) & ~PteAttr.Contiguous;
    const childSize = sizeOf(childLevel);
    const child = tx.allocTable();
    const entries = 2 ** levels[childLevel].bits;
    for (let i = 0; i < entries; i++) {
      writeEntry(
        tx,
        child + i * PTE_SIZE,
        format.encodeLeaf(pa + i * childSize, prot, childLevel, attributes),
        true,
      );
    }
    updateContiguous(tx, child, childLevel, entryStart, entryStart + sizeOf(level));
    writeEntry(tx, ptePa, format.encodeTable(child));
    markSplit(tx, child);
    tx.count(Counter.largePageSplits);
    if (inDirectMap(entryStart)) tx.count(Counter.directMapSplits);
    tx.invalidate(entryStart, entryStart + sizeOf(level));
    return child;
  }

  /** Replaces the table `child` by one leaf when its leaves are uniform, contiguous and aligned. */
  function tryCollapse(
    tx: PageTableTransaction,
    ptePa: number,
    level: number,
    entryStart: number,
    child: number,
  ): void {
    if (!levels[level].leaf) return;
    const childLevel = level + 1;
    const childSize = sizeOf(childLevel);
    memory.read64(child, scratch, 0);
    if (format.kind(scratch[0], scratch[1], childLevel) !== PteKind.Leaf) return;
    const pa = format.address(scratch[0], scratch[1], childLevel);
    const prot = format.prot(scratch[0], scratch[1], childLevel);
    const attributes = format.attributes(scratch[0], scratch[1], childLevel) & ~PteAttr.Contiguous;
    if (pa % sizeOf(level) !== 0) return;
    const entries = 2 ** levels[childLevel].bits;
    for (let i = 1; i < entries; i++) {
      memory.read64(child + i * PTE_SIZE, scratch, 0);
      const lo = scratch[0];
      const hi = scratch[1];
      if (
        format.kind(lo, hi, childLevel) !== PteKind.Leaf ||
        format.address(lo, hi, childLevel) !== pa + i * childSize ||
        format.prot(lo, hi, childLevel) !== prot ||
        (format.attributes(lo, hi, childLevel) & ~PteAttr.Contiguous) !== attributes
      ) {
        return;
      }
    }
    writeEntry(tx, ptePa, format.encodeLeaf(pa, prot, level, attributes));
    tx.freeTable(child);
    unmarkSplit(tx, child);
    tx.count(Counter.largePageCollapses);
    if (inDirectMap(entryStart)) tx.count(Counter.directMapCollapses);
    tx.invalidate(entryStart, entryStart + sizeOf(level));
  }

  function isEmptyTable(tx: PageTableTransaction, table: number, level: number): boolean {
    const entries = 2 ** levels[level].bits;
    for (let i = 0; i < entries; i++) {
      tx.readPte(table + i * PTE_SIZE);
      if (format.kind(tx.pte[0], tx.pte[1], level) !== PteKind.Invalid) return false;
    }
    return true;
  }

  function freeSubtree(tx: PageTableTransaction, table: number, level: number): void {
    const entries = 2 ** levels[level].bits;
    for (let i = 0; i < entries; i++) {
      tx.readPte(table + i * PTE_SIZE);
      const lo = tx.pte[0];
      const hi = tx.pte[1];
      if (format.kind(lo, hi, level) === PteKind.Table)
        freeSubtree(tx, format.address(lo, hi, level), level + 1);
    }
    tx.freeTable(table);
    unmarkSplit(tx, table);
  }

  /**
   * Keeps the contiguous hint exact (arm64 Cont, Arm ARM D8.6.1): set on
   * every aligned group of `contiguousEntries` leaves that map one
   * aligned, physically contiguous block with equal protection and
   * attributes, clear everywhere else, for the groups `[from, to)` meets.
   */
  function updateContiguous(
    tx: PageTableTransaction,
    table: number,
    level: number,
    from: number,
    to: number,
  ): void {
    const n = format.contiguousEntries;
    if (n === 0 || !levels[level].leaf) return;
    const size = sizeOf(level);
    const span = size * n;
    const tableBase =
      Math.floor(from / (size * 2 ** levels[level].bits)) * size * 2 ** levels[level].bits;
    for (let group = Math.floor(from / span) * span; group < to; group += span) {
      const first = table + ((group - tableBase) / size) * PTE_SIZE;
      memory.read64(first, scratch, 0);
      let uniform = format.kind(scratch[0], scratch[1], level) === PteKind.Leaf;
      const pa = uniform ? format.address(scratch[0], scratch[1], level) : 0;
      const prot = uniform ? format.prot(scratch[0], scratch[1], level) : 0;
      const attributes = uniform
        ? format.attributes(scratch[0], scratch[1], level) & ~PteAttr.Contiguous
        : 0;
      uniform &&= pa % span === 0;
      for (let i = 1; uniform && i < n; i++) {
        memory.read64(first + i * PTE_SIZE, scratch, 0);
        const lo = scratch[0];
        const hi = scratch[1];
        uniform =
          format.kind(lo, hi, level) === PteKind.Leaf &&
          format.address(lo, hi, level) === pa + i * size &&
          format.prot(lo, hi, level) === prot &&
          (format.attributes(lo, hi, level) & ~PteAttr.Contiguous) === attributes;
      }
      for (let i = 0; i < n; i++) {
        memory.read64(first + i * PTE_SIZE, scratch, 0);
        const lo = scratch[0];
        const hi = scratch[1];
        if (format.kind(lo, hi, level) !== PteKind.Leaf) continue;
        const attrs = format.attributes(lo, hi, level);
        if (uniform === ((attrs & PteAttr.Contiguous) !== 0)) continue;
        const next = uniform ? attrs | PteAttr.Contiguous : attrs & ~PteAttr.Contiguous;
        writeEntry(
          tx,
          first + i * PTE_SIZE,
          format.encodeLeaf(format.address(lo, hi, level), format.prot(lo, hi, level), level, next),
        );
        tx.invalidate(group, group + span);
      }
    }
  }
}
