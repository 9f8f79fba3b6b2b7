/**
 * The riscv64 kernel layouts for Sv39 and Sv48
 * (Documentation/arch/riscv/vm-layout.rst), without KASLR.
 *
 * @module
 */

import type { AddressSpaceLayout, AddressSpaceRegion } from '@execmem/core';

/** Kernel image link address (`KERNEL_LINK_ADDR`). */
export const RISCV_KERNEL_LINK_ADDR = 0xffffffff80000000n;
/** `MODULES_VADDR` per vm-layout.rst: the 2 GiB below the kernel image. */
export const RISCV_MODULES_VADDR = 0xffffffff00000000n;
/** `BPF_JIT_REGION_SIZE`: the BPF JIT region is the top 128 MiB of module space, ending at the kernel image. */
export const RISCV_BPF_JIT_REGION_SIZE = 0x8000000n;

/** Regions shared by both modes: modules (with the BPF JIT region at their top) and the kernel image. */
const topRegions: AddressSpaceRegion[] = [
  {
    name: 'modules',
    start: RISCV_MODULES_VADDR,
    end: RISCV_KERNEL_LINK_ADDR,
    description: 'modules, BPF (2 GiB)',
  },
  {
    name: 'bpfJit',
    start: RISCV_KERNEL_LINK_ADDR - RISCV_BPF_JIT_REGION_SIZE,
    end: RISCV_KERNEL_LINK_ADDR,
    description: 'BPF_JIT_REGION: 128 MiB ending at MODULES_END, within 2 GiB of the kernel',
  },
  {
    name: 'kernelText',
    start: RISCV_KERNEL_LINK_ADDR,
    end: 1n << 64n,
    description: 'kernel (2 GiB)',
  },
];

/** The Sv39 layout. */
export const riscvSv39KernelLayout: AddressSpaceLayout = {
  name: 'riscv64 Sv39',
  vaBits: 39,
  regions: [
    {
      name: 'fixmap',
      start: 0xffffffc4fea00000n,
      end: 0xffffffc4ff000000n,
      description: 'fixmap (6 MiB), including FIX_TEXT_POKE0/1 used by patch_text_nosync()',
    },
    {
      name: 'vmemmap',
      start: 0xffffffc500000000n,
      end: 0xffffffc600000000n,
      description: 'vmemmap (4 GiB)',
    },
    {
      name: 'vmalloc',
      start: 0xffffffc600000000n,
      end: 0xffffffd600000000n,
      description: 'vmalloc/ioremap space (64 GiB)',
    },
    {
      name: 'directMap',
      start: 0xffffffd600000000n,
      end: 0xfffffff600000000n,
      description: 'direct mapping of all physical memory (128 GiB)',
    },
    ...topRegions,
  ],
};

/** The Sv48 layout. */
export const riscvSv48KernelLayout: AddressSpaceLayout = {
  name: 'riscv64 Sv48',
  vaBits: 48,
  regions: [
    {
      name: 'fixmap',
      start: 0xffff8d7ffee00000n,
      end: 0xffff8d7fff000000n,
      description: 'fixmap (2 MiB), including FIX_TEXT_POKE0/1 used by patch_text_nosync()',
    },
    {
      name: 'vmemmap',
      start: 0xffff8d8000000000n,
      end: 0xffff8f8000000000n,
      description: 'vmemmap (2 TiB)',
    },
    {
      name: 'vmalloc',
      start: 0xffff8f8000000000n,
      end: 0xffffaf8000000000n,
      description: 'vmalloc/ioremap space (32 TiB)',
    },
    {
      name: 'directMap',
      start: 0xffffaf8000000000n,
      end: 0xffffef8000000000n,
      description: 'direct mapping of all physical memory (64 TiB)',
    },
    ...topRegions,
  ],
};
