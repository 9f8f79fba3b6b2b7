import { type AddressSpaceLayout, fail, findRegion } from '@execmem/core';

const PAGE_SIZE = 4096n;
const PMD_SIZE = 2n << 20n;

/** The two fixmap slots `patch_insn_write()` maps text pages at (arch/riscv/include/asm/fixmap.h). */
export const FixTextPoke = {
  /** Maps the page holding the start of the patch. */
  Poke0: 0,
  /** Maps the following page when the patch crosses into it. */
  Poke1: 1,
} as const;
/** See the constant of the same name. */
export type FixTextPoke = (typeof FixTextPoke)[keyof typeof FixTextPoke];

/**
 * `__fix_to_virt(FIX_TEXT_POKE0/1)` in `layout`: `FIXADDR_TOP - (idx <<
 * PAGE_SHIFT)` with `FIXADDR_TOP` the end of the fixmap region and the
 * enum `FIX_HOLE, FIX_FDT_END, … FIX_FDT, FIX_PTE, FIX_PMD, FIX_PUD,
 * FIX_P4D, FIX_TEXT_POKE1, FIX_TEXT_POKE0`, where the FDT window spans
 * `FIX_FDT_SIZE` = the fixmap size minus the `PMD_SIZE` of `fixmap_pte`
 * (`FIXADDR_SIZE = PMD_SIZE + FIX_FDT_SIZE`). POKE1 lies one page above
 * POKE0, so the two slots map a page-crossing patch contiguously.
 * `ENOENT` when the layout has no fixmap, `EINVAL` when it is too small.
 */
export function fixToVirt(layout: AddressSpaceLayout, slot: FixTextPoke): bigint {
  const fixmap = findRegion(layout, 'fixmap');
  const fdtPages = (fixmap.end - fixmap.start - PMD_SIZE) / PAGE_SIZE;
  if (fdtPages < 0n) {
    fail(
      'EINVAL',
      `layout ${layout.name}: fixmap of ${fixmap.end - fixmap.start} bytes is smaller than PMD_SIZE`,
    );
  }
  // FIX_FDT = fdtPages; FIX_PTE … FIX_P4D follow; then POKE1, POKE0.
  const index = fdtPages + 5n + (slot === FixTextPoke.Poke0 ? 1n : 0n);
  return fixmap.end - index * PAGE_SIZE;
}
