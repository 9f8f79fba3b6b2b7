/**
 * The contract an arch's page-table format fulfils: the radix-tree shape
 * (levels, index bits, which levels may hold leaves) and the encoding of
 * its 64-bit entries in the arch's real bit layout. Page tables live in
 * simulated physical memory, so the generic walker in `mmu.ts` reads them
 * exactly as hardware would.
 *
 * @module
 */

import { fail } from './errors';

/** Protection and mapping attributes as bit flags (`PROT_*`). */
export type Prot = number;

/** No access: not mappable by itself (unmap instead). */
export const PROT_NONE = 0;
/** Readable. */
export const PROT_READ = 1;
/** Writable. */
export const PROT_WRITE = 2;
/** Executable. */
export const PROT_EXEC = 4;
/** Accessible from user mode (x86 US, arm64 AP[1], RISC-V U). */
export const PROT_USER = 8;
/** Global: survives address-space switches in the TLB (x86 G, arm64 !nG, RISC-V G). */
export const PROT_GLOBAL = 16;
/** The access bits (read, write, exec). */
export const PROT_RWX = PROT_READ | PROT_WRITE | PROT_EXEC;
/** Every defined protection bit. */
export const PROT_ALL = PROT_RWX | PROT_USER | PROT_GLOBAL;

/** Hardware-maintained and hint attributes of a leaf, as bit flags. */
export const PteAttr = {
  /** Accessed (x86 A, arm64 AF, RISC-V A). */
  Accessed: 1,
  /** Dirty (x86 D, arm64 software PTE_DIRTY, RISC-V D). */
  Dirty: 2,
  /** Part of a contiguous run the TLB may cache as one entry (arm64 Cont). */
  Contiguous: 4,
} as const;

/** The attributes the kernel sets on its own mappings: accessed and dirty. */
export const KERNEL_ATTRIBUTES = PteAttr.Accessed | PteAttr.Dirty;

/** What an entry is. */
export const PteKind = {
  Invalid: 0,
  Table: 1,
  Leaf: 2,
} as const;
/** See the constant of the same name. */
export type PteKind = (typeof PteKind)[keyof typeof PteKind];

/** One level of the radix tree. */
export interface PageTableLevel {
  /** The kernel's name for a table at this level (`pgd`, `pud`, `pmd`, `pte`, …). */
  readonly name: string;
  /** Position of the lowest virtual-address bit this level indexes; the leaf size is `2^shift`. */
  readonly shift: number;
  /** Number of index bits (9 for 512-entry tables). */
  readonly bits: number;
  /** True when an entry at this level may be a leaf (page or block). */
  readonly leaf: boolean;
}

/** An arch's page-table format. Levels are listed top first; level numbers index `levels`. */
export interface PageTableFormat {
  /** Short name, e.g. `x86-64 4-level`, `Sv39`. */
  readonly name: string;
  /** The levels, root first. */
  readonly levels: readonly PageTableLevel[];
  /** Width of the virtual address the format translates (see {@link PageTableFormat.halves}). */
  readonly vaBits: number;
  /**
   * Which addresses one root table translates. `'both'` (default): the
   * canonical halves, bits 63 down to `vaBits − 1` equal (x86-64, Sv39,
   * Sv48: one root covers user and kernel space; anything else is
   * non-canonical, #GP on x86-64, a page fault on RISC-V). `'upper'`: the
   * top `2^vaBits` bytes, bits 63 down to `vaBits` all ones (arm64 kernel
   * tables, TTBR1; bit 55 clear selects TTBR0's separate user tables, Arm
   * ARM D8.2.4).
   */
  readonly halves?: 'both' | 'upper';
  /** Entries per contiguous run when the format has a contiguous hint (arm64: 16), else 0. */
  readonly contiguousEntries: number;
  /** Encodes a table (non-leaf) entry pointing at the table page at `pa`. */
  encodeTable(pa: number): bigint;
  /**
   * Encodes a leaf at `level` mapping `pa` with `prot` and `attributes`
   * ({@link PteAttr} flags). Callers check {@link PageTableFormat.canExpress} first.
   */
  encodeLeaf(pa: number, prot: Prot, level: number, attributes: number): bigint;
  /** Classifies the entry with halves `lo`, `hi` at `level`. */
  kind(lo: number, hi: number, level: number): PteKind;
  /** The physical address a table entry points to or a leaf maps. */
  address(lo: number, hi: number, level: number): number;
  /** A leaf's protection ({@link Prot} flags). */
  prot(lo: number, hi: number, level: number): Prot;
  /** A leaf's {@link PteAttr} flags. */
  attributes(lo: number, hi: number, level: number): number;
  /** True when a leaf can carry exactly `prot` (e.g. RISC-V reserves W without R). */
  canExpress(prot: Prot): boolean;
}

/** A decoded entry (see {@link decodePte}). */
export type DecodedPte =
  | { readonly kind: 'invalid' }
  | { readonly kind: 'table'; readonly pa: number }
  | {
      readonly kind: 'leaf';
      readonly pa: number;
      readonly prot: Prot;
      readonly attributes: number;
    };

const TWO32 = 4294967296n;

/** The low and high 32-bit halves of a 64-bit entry. */
export function pteHalves(entry: bigint): [lo: number, hi: number] {
  return [Number(entry % TWO32), Number((entry >> 32n) % TWO32)];
}

/** Joins 32-bit halves into a 64-bit entry. */
export function pteFromHalves(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Splits a physical address below 2^53 into 32-bit halves. */
export function paHalves(pa: number): [lo: number, hi: number] {
  return [pa % 4294967296, Math.floor(pa / 4294967296)];
}

/** Decodes a whole 64-bit entry at `level` (for dumps and tests; the walker uses the format's functions directly). */
export function decodePte(format: PageTableFormat, entry: bigint, level: number): DecodedPte {
  const [lo, hi] = pteHalves(entry);
  switch (format.kind(lo, hi, level)) {
    case PteKind.Table:
      return { kind: 'table', pa: format.address(lo, hi, level) };
    case PteKind.Leaf:
      return {
        kind: 'leaf',
        pa: format.address(lo, hi, level),
        prot: format.prot(lo, hi, level),
        attributes: format.attributes(lo, hi, level),
      };
    default:
      return { kind: 'invalid' };
  }
}

/** Throws `EINVAL` naming `prot` when it is not a valid combination the format can put in a leaf. */
export function assertExpressible(format: PageTableFormat, prot: Prot): void {
  if (!Number.isInteger(prot) || (prot & ~PROT_ALL) !== 0) {
    fail('EINVAL', `protection 0x${Number(prot).toString(16)} has undefined bits`);
  }
  if ((prot & PROT_RWX) === 0)
    fail('EINVAL', `protection ${protToString(prot)} grants no access (unmap instead)`);
  if (!format.canExpress(prot)) {
    fail(
      'EINVAL',
      `protection ${protToString(prot)} cannot be expressed by the ${format.name} format`,
    );
  }
}

/** Formats a protection like ptdump: `RW-`, `R-X`, plus ` USR` and ` GLB`. */
export function protToString(prot: Prot): string {
  return (
    (prot & PROT_READ ? 'R' : '-') +
    (prot & PROT_WRITE ? 'W' : '-') +
    (prot & PROT_EXEC ? 'X' : '-') +
    (prot & PROT_USER ? ' USR' : '') +
    (prot & PROT_GLOBAL ? ' GLB' : '')
  );
}

/** The size in bytes mapped by a leaf at `level`. */
export function levelSize(format: PageTableFormat, level: number): number {
  return 2 ** format.levels[level].shift;
}

/** The leaf sizes the format allows, smallest first. */
export function leafSizes(format: PageTableFormat): number[] {
  return format.levels
    .map((l, i) => (l.leaf ? levelSize(format, i) : 0))
    .filter((s) => s > 0)
    .sort((a, b) => a - b);
}
