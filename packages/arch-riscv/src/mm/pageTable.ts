/**
 * RISC-V Sv39 and Sv48 (Privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory
 * System" and Sv48; arch/riscv/include/asm/pgtable-bits.h). Any level may
 * hold a leaf (an entry with R, W or X set); an entry with V and no RWX
 * points to the next level. W without R is reserved, and a superpage
 * whose low PPN fields are not zero is misaligned: both fault.
 *
 * @module
 */

import {
  type PageTableFormat,
  type PageTableLevel,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_USER,
  PROT_WRITE,
  PteAttr,
  PteKind,
  pteFromHalves,
} from '@execmem/core';

/** PTE bits (`_PAGE_*`); the PPN starts at bit 10 (`_PAGE_PFN_SHIFT`). */
export const RISCV_PTE = {
  V: 1 << 0,
  R: 1 << 1,
  W: 1 << 2,
  X: 1 << 3,
  U: 1 << 4,
  G: 1 << 5,
  A: 1 << 6,
  D: 1 << 7,
  PFN_SHIFT: 10,
} as const;

const { V, R, W, X, U, G, A, D } = RISCV_PTE;
/** PPN bits 53:32 of the entry (PPN[43:22]) in the high half. */
const PPN_HIGH = 0x3fffff;

function ppnHalves(pa: number): [lo: number, hi: number] {
  // PPN << 10 = pa >> 2 (pa is page aligned).
  const shifted = pa / 4;
  return [shifted % 4294967296, Math.floor(shifted / 4294967296)];
}

function address(lo: number, hi: number): number {
  return ((hi & PPN_HIGH) * 4294967296 + (((lo >>> 10) << 10) >>> 0)) * 4;
}

function createSvFormat(name: string, levels: readonly PageTableLevel[]): PageTableFormat {
  const last = levels.length - 1;
  return {
    name,
    levels,
    vaBits: levels[0].shift + levels[0].bits,
    contiguousEntries: 0,
    encodeTable(pa) {
      const [lo, hi] = ppnHalves(pa);
      return pteFromHalves(lo | V, hi);
    },
    encodeLeaf(pa, prot, _level, attributes) {
      const [lo, hi] = ppnHalves(pa);
      const bits =
        V |
        (prot & PROT_READ ? R : 0) |
        (prot & PROT_WRITE ? W : 0) |
        (prot & PROT_EXEC ? X : 0) |
        (prot & PROT_USER ? U : 0) |
        (prot & PROT_GLOBAL ? G : 0) |
        (attributes & PteAttr.Accessed ? A : 0) |
        (attributes & PteAttr.Dirty ? D : 0);
      return pteFromHalves(lo | bits, hi);
    },
    kind(lo, hi, level) {
      if (!(lo & V)) return PteKind.Invalid;
      if (!(lo & (R | W | X))) return level === last ? PteKind.Invalid : PteKind.Table;
      if (lo & W && !(lo & R)) return PteKind.Invalid;
      const misaligned = address(lo, hi) % 2 ** levels[level].shift !== 0;
      return misaligned ? PteKind.Invalid : PteKind.Leaf;
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
}

/** Sv39: three levels, 4 KiB pages, 2 MiB megapages, 1 GiB gigapages. */
export const sv39PageTableFormat: PageTableFormat = createSvFormat('Sv39', [
  { name: 'pgd', shift: 30, bits: 9, leaf: true },
  { name: 'pmd', shift: 21, bits: 9, leaf: true },
  { name: 'pte', shift: 12, bits: 9, leaf: true },
]);

/** Sv48: four levels, adding 512 GiB terapages. */
export const sv48PageTableFormat: PageTableFormat = createSvFormat('Sv48', [
  { name: 'pgd', shift: 39, bits: 9, leaf: true },
  { name: 'pud', shift: 30, bits: 9, leaf: true },
  { name: 'pmd', shift: 21, bits: 9, leaf: true },
  { name: 'pte', shift: 12, bits: 9, leaf: true },
]);
