/**
 * The generic, read-only page-table walker: given any
 * {@link PageTableFormat} and a root table in physical memory, translate
 * one address (allocation-free, for TLB misses) or visit the leaves that
 * intersect a range (for validation, dumps and the W^X audit).
 *
 * @module
 */

import { VA_BITS } from './address';
import { fail } from './errors';
import type { PageTableFormat } from './pageTableFormat';
import { PteAttr, PteKind } from './pageTableFormat';
import type { PhysicalMemory } from './physicalMemory';

/** Bytes per page-table entry. */
export const PTE_SIZE = 8;

/**
 * The result of {@link walkPageTable}, reused across calls so a walk
 * allocates nothing. Valid only after a walk that returned `true`.
 */
export interface WalkResult {
  /** Physical address the walked virtual address translates to. */
  pa: number;
  /** The leaf's protection. */
  prot: number;
  /** The leaf's attributes ({@link PteAttr}). */
  attributes: number;
  /** Level of the leaf (index into `format.levels`). */
  level: number;
  /** log2 of the leaf size. */
  leafShift: number;
  /** log2 of the span a TLB may cache as one entry (larger than `leafShift` for a contiguous run). */
  reachShift: number;
  /** Level at which the last walk stopped on an invalid entry (when it returned `false`). */
  faultLevel: number;
}

/** Creates a zeroed {@link WalkResult}. */
export function createWalkResult(): WalkResult {
  return { pa: 0, prot: 0, attributes: 0, level: 0, leafShift: 0, reachShift: 0, faultLevel: -1 };
}

const entry = new Uint32Array(2);

/** The index of `va` in a table at `level`. */
export function pteIndex(format: PageTableFormat, level: number, va: number): number {
  const { shift, bits } = format.levels[level];
  return Math.floor(va / 2 ** shift) % 2 ** bits;
}

/**
 * True when the tables of `format` translate the engine address `va`: it
 * is canonical for the format's width and in a half the format covers
 * (see {@link PageTableFormat.halves}).
 */
export function isCanonicalFor(format: PageTableFormat, va: number): boolean {
  const { vaBits } = format;
  if (format.halves === 'upper')
    return Math.floor(va / 2 ** vaBits) === 2 ** (VA_BITS - vaBits) - 1;
  const top = Math.floor(va / 2 ** (vaBits - 1));
  return top === 0 || top === 2 ** (VA_BITS + 1 - vaBits) - 1;
}

/**
 * Walks the tables rooted at `rootPa` for the engine address `va`. Fills
 * `out` and returns `true` on a leaf; returns `false` on a non-canonical
 * address or an invalid entry (`out.faultLevel` says where).
 */
export function walkPageTable(
  memory: PhysicalMemory,
  format: PageTableFormat,
  rootPa: number,
  va: number,
  out: WalkResult,
): boolean {
  out.faultLevel = 0;
  if (!isCanonicalFor(format, va)) return false;
  let table = rootPa;
  const { levels } = format;
  for (let level = 0; level < levels.length; level++) {
    memory.read64(table + pteIndex(format, level, va) * PTE_SIZE, entry, 0);
    const lo = entry[0];
    const hi = entry[1];
    const kind = format.kind(lo, hi, level);
    if (kind === PteKind.Table) {
      table = format.address(lo, hi, level);
      continue;
    }
    if (kind === PteKind.Invalid) {
      out.faultLevel = level;
      return false;
    }
    const shift = levels[level].shift;
    const size = 2 ** shift;
    const attributes = format.attributes(lo, hi, level);
    out.pa = format.address(lo, hi, level) + (va % size);
    out.prot = format.prot(lo, hi, level);
    out.attributes = attributes;
    out.level = level;
    out.leafShift = shift;
    out.reachShift =
      attributes & PteAttr.Contiguous ? shift + Math.log2(format.contiguousEntries) : shift;
    return true;
  }
  return fail('EFAULT', `page table of format ${format.name} has no leaf for 0x${va.toString(16)}`);
}

/** One leaf visited by {@link forEachLeaf}. `va` is the engine address of the leaf's first byte. */
export type LeafVisitor = (
  va: number,
  level: number,
  lo: number,
  hi: number,
  pteAddress: number,
) => void;

/**
 * Visits, in address order, every leaf that intersects the engine range
 * `[start, end)` (whole leaves, which may extend past the range), and
 * calls `onHole(start, end)` for each part of the range no leaf maps.
 */
export function forEachLeaf(
  memory: PhysicalMemory,
  format: PageTableFormat,
  rootPa: number,
  start: number,
  end: number,
  onLeaf: LeafVisitor,
  onHole?: (start: number, end: number) => void,
): void {
  const pte = new Uint32Array(2);
  const visit = (table: number, level: number, from: number, to: number): void => {
    const size = 2 ** format.levels[level].shift;
    for (let va = from; va < to; ) {
      const entryStart = Math.floor(va / size) * size;
      const next = Math.min(to, entryStart + size);
      const pteAddress = table + pteIndex(format, level, va) * PTE_SIZE;
      memory.read64(pteAddress, pte, 0);
      const lo = pte[0];
      const hi = pte[1];
      const kind = format.kind(lo, hi, level);
      if (kind === PteKind.Table) visit(format.address(lo, hi, level), level + 1, va, next);
      else if (kind === PteKind.Leaf) onLeaf(entryStart, level, lo, hi, pteAddress);
      else onHole?.(va, next);
      va = next;
    }
  };
  visit(rootPa, 0, start, end);
}
