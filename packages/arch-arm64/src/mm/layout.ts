/**
 * The arm64 kernel layout for 48-bit VAs and 4 KiB pages
 * (Documentation/arch/arm64/memory.rst), without KASLR.
 *
 * @module
 */

import type { AddressSpaceLayout } from '@execmem/core';

/** `PAGE_OFFSET`: start of the linear map. */
export const ARM64_PAGE_OFFSET = 0xffff000000000000n;
/** `MODULES_VADDR`. */
export const ARM64_MODULES_VADDR = 0xffff800000000000n;
/** `MODULES_END` = `KIMAGE_VADDR` = `VMALLOC_START`: the kernel image sits at the bottom of vmalloc space. */
export const ARM64_KIMAGE_VADDR = 0xffff800080000000n;
/** `VMALLOC_END` (exclusive). */
export const ARM64_VMALLOC_END = 0xfffffbfff0000000n;

/** The kernel address-space layout of arm64 with 48-bit VAs. */
export const arm64KernelLayout: AddressSpaceLayout = {
  name: 'arm64 48-bit VA, 4 KiB pages',
  vaBits: 48,
  // TTBR1 translates every address whose bits 63:48 are all ones.
  upperStart: ARM64_PAGE_OFFSET,
  regions: [
    {
      name: 'directMap',
      start: ARM64_PAGE_OFFSET,
      end: ARM64_MODULES_VADDR,
      description: 'kernel logical memory map (linear map, 128 TiB)',
    },
    {
      name: 'modules',
      start: ARM64_MODULES_VADDR,
      end: ARM64_KIMAGE_VADDR,
      description: 'modules (2 GiB)',
    },
    {
      name: 'vmalloc',
      start: ARM64_KIMAGE_VADDR,
      end: ARM64_VMALLOC_END,
      description: 'vmalloc (124 TiB), starting with the kernel image',
    },
    {
      name: 'kernelText',
      start: ARM64_KIMAGE_VADDR,
      end: ARM64_KIMAGE_VADDR + 0x4000000n,
      description:
        'kernel image at KIMAGE_VADDR (64 MiB reserved here; the real size depends on the build)',
    },
    {
      name: 'fixmap',
      start: 0xfffffbfff0000000n,
      end: 0xfffffbfffe000000n,
      description:
        'fixed mappings (top down), including FIX_TEXT_POKE0 used by aarch64_insn_patch_text_nosync()',
    },
    {
      name: 'vmemmap',
      start: 0xfffffc0000000000n,
      end: 0xfffffe0000000000n,
      description: 'vmemmap (2 TiB)',
    },
  ],
};
