/**
 * x86-64 4-level paging (Intel SDM vol. 3A §4.5; arch/x86/include/asm/pgtable_types.h):
 * PML4 (`pgd`), PDPT (`pud`, 1 GiB leaves with PS), PD (`pmd`, 2 MiB
 * leaves with PS) and PT (`pte`). Present implies readable, so every
 * mapping the format can express includes read.
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

/** The PTE bits, named as in pgtable_types.h (`_PAGE_BIT_*`). `NX` is bit 63, i.e. bit 31 of the high half. */
export const X86_PTE = {
  PRESENT: 1 << 0,
  RW: 1 << 1,
  USER: 1 << 2,
  PWT: 1 << 3,
  PCD: 1 << 4,
  ACCESSED: 1 << 5,
  DIRTY: 1 << 6,
  /** PS in a PDPTE/PDE (a leaf); PAT in a 4 KiB PTE. */
  PSE: 1 << 7,
  GLOBAL: 1 << 8,
  /** Bit 63, in the high half. */
  NX_HIGH: 1 << 31,
} as const;

const { PRESENT, RW, USER, ACCESSED, DIRTY, PSE, GLOBAL, NX_HIGH } = X86_PTE;
/** Physical-address bits 51:32 in the high half (MAXPHYADDR 52). */
const ADDRESS_HIGH = 0xfffff;
const PT_LEVEL = 3;
const SHIFTS = [39, 30, 21, 12];

/**
 * `_PAGE_TABLE`: present, writable, user, accessed, dirty. Table entries
 * grant everything so the leaf alone decides access, as on user tables.
 */
const TABLE_BITS = PRESENT | RW | USER | ACCESSED | DIRTY;

/** The x86-64 4-level format. */
export const x86PageTableFormat: PageTableFormat = {
  name: 'x86-64 4-level',
  levels: [
    { name: 'pgd', shift: SHIFTS[0], bits: 9, leaf: false },
    { name: 'pud', shift: SHIFTS[1], bits: 9, leaf: true },
    { name: 'pmd', shift: SHIFTS[2], bits: 9, leaf: true },
    { name: 'pte', shift: SHIFTS[3], bits: 9, leaf: true },
  ],
  vaBits: 48,
  contiguousEntries: 0,
  encodeTable(pa) {
    const [lo, hi] = paHalves(pa);
    return pteFromHalves(lo | TABLE_BITS, hi);
  },
  encodeLeaf(pa, prot, level, attributes) {
    const [lo, hi] = paHalves(pa);
    const low =
      PRESENT |
      (prot & PROT_WRITE ? RW : 0) |
      (prot & PROT_USER ? USER : 0) |
      (attributes & PteAttr.Accessed ? ACCESSED : 0) |
      (attributes & PteAttr.Dirty ? DIRTY : 0) |
      (level < PT_LEVEL ? PSE : 0) |
      (prot & PROT_GLOBAL ? GLOBAL : 0);
    return pteFromHalves(lo | low, hi | (prot & PROT_EXEC ? 0 : NX_HIGH));
  },
  kind(lo, _hi, level) {
    if (!(lo & PRESENT)) return PteKind.Invalid;
    if (level === PT_LEVEL) return PteKind.Leaf;
    if (!(lo & PSE)) return PteKind.Table;
    // PS is reserved in a PML4E (SDM Table 4-15): the walk faults.
    return level === 0 ? PteKind.Invalid : PteKind.Leaf;
  },
  address(lo, hi, level) {
    // In a large leaf, bit 12 is PAT, not an address bit.
    const lowMask = level === PT_LEVEL || !(lo & PSE) ? ~0xfff : -(2 ** SHIFTS[level]);
    return (hi & ADDRESS_HIGH) * 4294967296 + ((lo & lowMask) >>> 0);
  },
  prot(lo, hi) {
    return (
      PROT_READ |
      (lo & RW ? PROT_WRITE : 0) |
      (hi & NX_HIGH ? 0 : PROT_EXEC) |
      (lo & USER ? PROT_USER : 0) |
      (lo & GLOBAL ? PROT_GLOBAL : 0)
    );
  },
  attributes: (lo) => (lo & ACCESSED ? PteAttr.Accessed : 0) | (lo & DIRTY ? PteAttr.Dirty : 0),
  canExpress: (prot) => (prot & PROT_READ) !== 0,
};
