/**
 * The nano64 kernel address-space layout and CPU profile: sizes the
 * model charges TLB misses, cache maintenance and fetch atomicity against.
 *
 * @module
 */

import {
  type AddressSpaceLayout,
  type CpuProfile,
  validateCpuProfile,
  validateLayout,
} from '@execmem/core';

/** The nano64 kernel half of the 48-bit space, lowest region first. */
export const nanoLayout: AddressSpaceLayout = validateLayout({
  name: 'nano64 48-bit',
  vaBits: 48,
  regions: [
    {
      name: 'directMap',
      start: 0xffff800000000000n,
      end: 0xffffc00000000000n,
      description: 'all physical memory',
    },
    {
      name: 'vmalloc',
      start: 0xffffc00000000000n,
      end: 0xffffe00000000000n,
      description: 'vmalloc and ioremap space',
    },
    {
      name: 'kernelText',
      start: 0xffffffff80000000n,
      end: 0xffffffffc0000000n,
      description: 'kernel image',
    },
    {
      name: 'modules',
      start: 0xffffffffc0000000n,
      end: 0xfffffffff0000000n,
      description: 'modules, BPF and trampolines',
    },
  ],
});

/** A small nano64 core: few TLB entries so workloads see iTLB misses; 32-byte lines; 4-byte fetch blocks. */
export const nanoCpuProfile: CpuProfile = validateCpuProfile({
  name: 'nano64',
  itlb: {
    classes: [
      { pageShift: 12, entries: 16 },
      { pageShift: 21, entries: 4 },
    ],
  },
  dtlb: {
    classes: [
      { pageShift: 12, entries: 32 },
      { pageShift: 21, entries: 8 },
      { pageShift: 30, entries: 2 },
    ],
  },
  icacheLineSize: 32,
  dcacheLineSize: 32,
  fetchBlockSize: 4,
});
