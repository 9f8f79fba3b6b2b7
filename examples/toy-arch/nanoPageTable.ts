/**
 * The nano64 page-table format, as data the generic walker reads: four
 * levels of 512 entries (48-bit VA), leaves at the `pud` (1 GiB), `pmd`
 * (2 MiB) and `pte` (4 KiB) levels. One 64-bit entry layout:
 *
 * | bit | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 51:12 | 63 |
 * | --- | - | - | - | - | - | - | - | ----- | -- |
 * |     | P (present) | W | U | G | A | D | H (huge: leaf above `pte`) | physical address | NX |
 *
 * Every present leaf is readable; executable unless NX. At the last level
 * a present entry is always a leaf and H is reserved (the entry reads as
 * invalid).
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
} from '@execmem/core';

const P = 1 << 0;
const W = 1 << 1;
const U = 1 << 2;
const G = 1 << 3;
const A = 1 << 4;
const D = 1 << 5;
const H = 1 << 6;
/** NX is bit 63: bit 31 of the high half. */
const NX_HI = 1 << 31;
const ADDRESS_HI_MASK = 0xfffff; // address bits 51:32
const LAST_LEVEL = 3;

/** The nano64 entry bits (low half, and NX in the high half), for tests that inspect raw entries. */
export const NANO_PTE = { P, W, U, G, A, D, H, NX_HI } as const;

/** The nano64 4-level format. */
export const nanoPageTableFormat: PageTableFormat = {
  name: 'nano64 4-level',
  levels: [
    { name: 'pgd', shift: 39, bits: 9, leaf: false },
    { name: 'pud', shift: 30, bits: 9, leaf: true },
    { name: 'pmd', shift: 21, bits: 9, leaf: true },
    { name: 'pte', shift: 12, bits: 9, leaf: true },
  ],
  vaBits: 48,
  contiguousEntries: 0,
  encodeTable(pa) {
    const [lo, hi] = paHalves(pa);
    return pteFromHalves(lo | P, hi);
  },
  encodeLeaf(pa, prot, level, attributes) {
    const [lo, hi] = paHalves(pa);
    const bits =
      P |
      (level === LAST_LEVEL ? 0 : H) |
      (prot & PROT_WRITE ? W : 0) |
      (prot & PROT_USER ? U : 0) |
      (prot & PROT_GLOBAL ? G : 0) |
      (attributes & PteAttr.Accessed ? A : 0) |
      (attributes & PteAttr.Dirty ? D : 0);
    return pteFromHalves(lo | bits, hi | (prot & PROT_EXEC ? 0 : NX_HI));
  },
  kind(lo, _hi, level) {
    if (!(lo & P)) return PteKind.Invalid;
    if (level === LAST_LEVEL) return lo & H ? PteKind.Invalid : PteKind.Leaf;
    if (!(lo & H)) return PteKind.Table;
    return level === 0 ? PteKind.Invalid : PteKind.Leaf;
  },
  address: (lo, hi) => (hi & ADDRESS_HI_MASK) * 4294967296 + ((lo & ~0xfff) >>> 0),
  prot(lo, hi) {
    return (
      PROT_READ |
      (lo & W ? PROT_WRITE : 0) |
      (hi & NX_HI ? 0 : PROT_EXEC) |
      (lo & U ? PROT_USER : 0) |
      (lo & G ? PROT_GLOBAL : 0)
    );
  },
  attributes: (lo) => (lo & A ? PteAttr.Accessed : 0) | (lo & D ? PteAttr.Dirty : 0),
  // Presence implies read: write-only and execute-only leaves cannot be expressed.
  canExpress: (prot) => (prot & PROT_READ) !== 0,
};
