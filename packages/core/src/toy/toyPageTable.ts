/**
 * The toy page-table format core's own tests run on: small but real.
 * Three levels of 512 entries (39-bit VA), leaves at every level (1 GiB,
 * 2 MiB, 4 KiB), one 64-bit entry layout for all levels:
 *
 * | bit | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 51:12 |
 * | --- | - | - | - | - | - | - | - | - | - | ----- |
 * |     | V | L (leaf) | R | W | X | U | G | A | D | physical address |
 *
 * At the last level an entry must be a leaf (V without L is reserved and
 * reads as invalid). Like RISC-V, W without R is reserved.
 *
 * @module
 */

import {
  type PageTableFormat,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_USER,
  PROT_WRITE,
  PteAttr,
  PteKind,
  paHalves,
  pteFromHalves,
} from '../pageTableFormat';

const V = 1 << 0;
const L = 1 << 1;
const R = 1 << 2;
const W = 1 << 3;
const X = 1 << 4;
const U = 1 << 5;
const G = 1 << 6;
const A = 1 << 7;
const D = 1 << 8;
const ADDRESS_HI_MASK = 0xfffff; // address bits 51:32
const LAST_LEVEL = 2;

/** The toy format's bit positions, for tests that inspect raw entries. */
export const TOY_PTE = { V, L, R, W, X, U, G, A, D } as const;

function address(lo: number, hi: number): number {
  return (hi & ADDRESS_HI_MASK) * 4294967296 + ((lo & ~0xfff) >>> 0);
}

/** The toy 3-level format. */
export const toyPageTableFormat: PageTableFormat = {
  name: 'toy 3-level',
  levels: [
    { name: 'pud', shift: 30, bits: 9, leaf: true },
    { name: 'pmd', shift: 21, bits: 9, leaf: true },
    { name: 'pte', shift: 12, bits: 9, leaf: true },
  ],
  vaBits: 39,
  contiguousEntries: 0,
  encodeTable(pa) {
    const [lo, hi] = paHalves(pa);
    return pteFromHalves(lo | V, hi);
  },
  encodeLeaf(pa, prot, _level, attributes) {
    const [lo, hi] = paHalves(pa);
    const bits =
      V |
      L |
      (prot & PROT_READ ? R : 0) |
      (prot & PROT_WRITE ? W : 0) |
      (prot & PROT_EXEC ? X : 0) |
      (prot & PROT_USER ? U : 0) |
      (prot & PROT_GLOBAL ? G : 0) |
      (attributes & PteAttr.Accessed ? A : 0) |
      (attributes & PteAttr.Dirty ? D : 0);
    return pteFromHalves(lo | bits, hi);
  },
  kind(lo, _hi, level) {
    if (!(lo & V)) return PteKind.Invalid;
    if (lo & L) return PteKind.Leaf;
    return level === LAST_LEVEL ? PteKind.Invalid : PteKind.Table;
  },
  address: (lo, hi) => address(lo, hi),
  prot(lo) {
    return (
      (lo & R ? PROT_READ : 0) |
      (lo & W ? PROT_WRITE : 0) |
      (lo & X ? PROT_EXEC : 0) |
      (lo & U ? PROT_USER : 0) |
      (lo & G ? PROT_GLOBAL : 0)
    );
  },
  attributes: (lo) => (lo & A ? PteAttr.Accessed : 0) | (lo & D ? PteAttr.Dirty : 0),
  canExpress: (prot) => !(prot & PROT_WRITE) || (prot & PROT_READ) !== 0,
};
