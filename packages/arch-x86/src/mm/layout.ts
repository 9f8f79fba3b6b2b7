/**
 * The x86-64 4-level kernel layout (Documentation/arch/x86/x86_64/mm.rst),
 * without KASLR randomization of the bases.
 *
 * @module
 */

import type { AddressSpaceLayout } from '@execmem/core';

/** `PAGE_OFFSET` / `page_offset_base`: the direct map of all physical memory. */
export const X86_PAGE_OFFSET = 0xffff888000000000n;
/** `VMALLOC_START` / `vmalloc_base`. */
export const X86_VMALLOC_START = 0xffffc90000000000n;
/** `__START_KERNEL_map`: kernel text, mapped to physical address 0. */
export const X86_START_KERNEL_MAP = 0xffffffff80000000n;
/** `MODULES_VADDR`. */
export const X86_MODULES_VADDR = 0xffffffffa0000000n;
/** `MODULES_END` (exclusive; mm.rst lists the inclusive end 0xfffffffffeffffff). */
export const X86_MODULES_END = 0xffffffffff000000n;

/** The kernel address-space layout of x86-64 with 4-level paging. */
export const x86KernelLayout: AddressSpaceLayout = {
  name: 'x86-64 4-level',
  vaBits: 48,
  regions: [
    {
      name: 'textPoke',
      start: 0x00002aaaaaaab000n,
      end: 0x00007ffffffff000n,
      description:
        'poking_addr: text_poke() maps the target page here in the private text_poke_mm (TASK_UNMAPPED_BASE..TASK_SIZE_MAX)',
    },
    {
      name: 'directMap',
      start: X86_PAGE_OFFSET,
      end: 0xffffc88000000000n,
      description: 'direct mapping of all physical memory (64 TiB)',
    },
    {
      name: 'vmalloc',
      start: X86_VMALLOC_START,
      end: 0xffffe90000000000n,
      description: 'vmalloc/ioremap space (32 TiB)',
    },
    {
      name: 'vmemmap',
      start: 0xffffea0000000000n,
      end: 0xffffeb0000000000n,
      description: 'virtual memory map, struct pages (1 TiB)',
    },
    {
      name: 'kernelText',
      start: X86_START_KERNEL_MAP,
      end: X86_MODULES_VADDR,
      description: 'kernel text mapping, mapped to physical address 0 (512 MiB)',
    },
    {
      name: 'modules',
      start: X86_MODULES_VADDR,
      end: X86_MODULES_END,
      description: 'module mapping space (1520 MiB); also BPF, kprobes and ftrace via execmem',
    },
    {
      name: 'fixmap',
      start: 0xffffffffff400000n,
      end: 0xffffffffff600000n,
      description:
        'kernel-internal fixmap range below the vsyscall page (start varies with the configuration)',
    },
  ],
};
