/**
 * x86-64 canonical addresses with 4-level paging: bits 63 down to 47
 * equal (Intel SDM Vol. 1 3.3.7.1). The check precedes paging, so a
 * non-canonical memory reference or branch target raises #GP instead of
 * a page fault.
 *
 * @module
 */
import { vaFromWords } from '@execmem/core';

/** The engine address of the 64-bit value `hi:lo` when it is canonical, else -1 (the caller raises #GP). */
export function canonicalVa(lo: number, hi: number): number {
  const top = hi >>> 15;
  return top === 0 || top === 0x1ffff ? vaFromWords(lo, hi) : -1;
}
