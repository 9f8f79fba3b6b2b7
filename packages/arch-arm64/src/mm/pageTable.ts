/**
 * AArch64 stage-1 translation with a 4 KiB granule and 48-bit VAs (Arm ARM
 * D8.3, "Translation table descriptor formats"; arch/arm64/include/asm/pgtable-hwdef.h):
 * levels 0–3 (`pgd`, `pud`, `pmd`, `pte`); 1 GiB and 2 MiB block
 * descriptors at levels 1 and 2, page descriptors at level 3; the
 * contiguous hint marks 16 adjacent entries a TLB may cache as one.
 *
 * Write permission follows Linux: `PTE_WRITE` is DBM (bit 51), and a
 * writable entry is hardware-dirty when AP[2] (`PTE_RDONLY`) is clear;
 * a read-only entry records dirtiness in the software bit `PTE_DIRTY` (55).
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

/** Descriptor bits; `*_HIGH` values are bit positions minus 32, in the high half. */
export const ARM64_PTE = {
  VALID: 1 << 0,
  /** Table descriptor at levels 0–2, page descriptor at level 3. */
  TABLE_OR_PAGE: 1 << 1,
  /** AttrIndx[2:0], bits 4:2: index into MAIR_EL1 (Linux `MT_NORMAL` = 0). */
  ATTRINDX_SHIFT: 2,
  /** AP[1]: EL0 access (`PTE_USER`). */
  USER: 1 << 6,
  /** AP[2]: read-only (`PTE_RDONLY`). */
  RDONLY: 1 << 7,
  /** SH[1:0] = 0b11, inner shareable (`PTE_SHARED`). */
  SHARED: 3 << 8,
  /** Access flag (`PTE_AF`). */
  AF: 1 << 10,
  /** Not global (`PTE_NG`). */
  NG: 1 << 11,
  /** Bit 51, dirty bit modifier (`PTE_DBM`, Linux's `PTE_WRITE`). */
  DBM_HIGH: 1 << 19,
  /** Bit 52, contiguous hint (`PTE_CONT`). */
  CONT_HIGH: 1 << 20,
  /** Bit 53, privileged execute-never (`PTE_PXN`). */
  PXN_HIGH: 1 << 21,
  /** Bit 54, unprivileged execute-never (`PTE_UXN`). */
  UXN_HIGH: 1 << 22,
  /** Bit 55, software dirty (`PTE_DIRTY`). */
  DIRTY_HIGH: 1 << 23,
} as const;

const {
  VALID,
  TABLE_OR_PAGE,
  USER,
  RDONLY,
  SHARED,
  AF,
  NG,
  DBM_HIGH,
  CONT_HIGH,
  PXN_HIGH,
  UXN_HIGH,
  DIRTY_HIGH,
} = ARM64_PTE;
/** Output-address bits 47:32 in the high half. */
const ADDRESS_HIGH = 0xffff;
const PAGE_LEVEL = 3;
const SHIFTS = [39, 30, 21, 12];

/** The AArch64 4 KiB-granule, 48-bit, 4-level format. */
export const arm64PageTableFormat: PageTableFormat = {
  name: 'arm64 4K granule 48-bit',
  levels: [
    // Level 0 blocks need FEAT_LPA2 with a 4 KiB granule; not modelled.
    { name: 'pgd', shift: SHIFTS[0], bits: 9, leaf: false },
    { name: 'pud', shift: SHIFTS[1], bits: 9, leaf: true },
    { name: 'pmd', shift: SHIFTS[2], bits: 9, leaf: true },
    { name: 'pte', shift: SHIFTS[3], bits: 9, leaf: true },
  ],
  vaBits: 48,
  // Kernel tables are TTBR1's: VA[63:48] all ones selects them (Arm ARM D8.2.4), VA[47:0] indexes them.
  halves: 'upper',
  contiguousEntries: 16,
  encodeTable(pa) {
    const [lo, hi] = paHalves(pa);
    return pteFromHalves(lo | VALID | TABLE_OR_PAGE, hi);
  },
  encodeLeaf(pa, prot, level, attributes) {
    const [lo, hi] = paHalves(pa);
    const user = (prot & PROT_USER) !== 0;
    const write = (prot & PROT_WRITE) !== 0;
    const dirty = (attributes & PteAttr.Dirty) !== 0;
    const exec = (prot & PROT_EXEC) !== 0;
    const low =
      VALID |
      (level === PAGE_LEVEL ? TABLE_OR_PAGE : 0) |
      SHARED |
      (user ? USER : 0) |
      (write && dirty ? 0 : RDONLY) |
      (attributes & PteAttr.Accessed ? AF : 0) |
      (prot & PROT_GLOBAL ? 0 : NG);
    // Kernel code is executable only at EL1 (UXN set), user code only at EL0 (PXN set), as PAGE_KERNEL_ROX and PAGE_READONLY_EXEC.
    const high =
      (write ? DBM_HIGH : 0) |
      (attributes & PteAttr.Contiguous ? CONT_HIGH : 0) |
      (user ? PXN_HIGH : UXN_HIGH) |
      (exec ? 0 : user ? UXN_HIGH : PXN_HIGH) |
      (dirty && !write ? DIRTY_HIGH : 0);
    return pteFromHalves(lo | low, hi | high);
  },
  kind(lo, _hi, level) {
    if (!(lo & VALID)) return PteKind.Invalid;
    if (level === PAGE_LEVEL) return lo & TABLE_OR_PAGE ? PteKind.Leaf : PteKind.Invalid;
    if (lo & TABLE_OR_PAGE) return PteKind.Table;
    return level === 0 ? PteKind.Invalid : PteKind.Leaf;
  },
  address(lo, hi, level) {
    const isTable = level < PAGE_LEVEL && (lo & TABLE_OR_PAGE) !== 0;
    const lowMask = isTable || level === PAGE_LEVEL ? ~0xfff : -(2 ** SHIFTS[level]);
    return (hi & ADDRESS_HIGH) * 4294967296 + ((lo & lowMask) >>> 0);
  },
  prot(lo, hi) {
    const user = (lo & USER) !== 0;
    const xn = user ? hi & UXN_HIGH : hi & PXN_HIGH;
    return (
      PROT_READ |
      (hi & DBM_HIGH || !(lo & RDONLY) ? PROT_WRITE : 0) |
      (xn ? 0 : PROT_EXEC) |
      (user ? PROT_USER : 0) |
      (lo & NG ? 0 : PROT_GLOBAL)
    );
  },
  attributes(lo, hi) {
    // pte_dirty(): software dirty, or hardware dirty (DBM set and AP[2] clear).
    const dirty = hi & DIRTY_HIGH || (hi & DBM_HIGH && !(lo & RDONLY));
    return (
      (lo & AF ? PteAttr.Accessed : 0) |
      (dirty ? PteAttr.Dirty : 0) |
      (hi & CONT_HIGH ? PteAttr.Contiguous : 0)
    );
  },
  canExpress: (prot) => (prot & PROT_READ) !== 0,
};
