import {
  createAddressSpace,
  createCounters,
  createPhysicalMemory,
  decodePte,
  KERNEL_ATTRIBUTES,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  PteAttr,
} from '@execmem/core';
import { describePageTableConformance } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { x86CpuProfile } from './cpuProfile';
import { x86KernelLayout } from './layout';
import { x86PageTableFormat } from './pageTable';

describePageTableConformance({
  name: 'x86-64',
  format: x86PageTableFormat,
  layout: x86KernelLayout,
});

const RW_G = PROT_READ | PROT_WRITE | PROT_GLOBAL;
const RX_G = PROT_READ | PROT_EXEC | PROT_GLOBAL;

describe('x86-64 entries match the kernel', () => {
  it('encodes PAGE_KERNEL, PAGE_KERNEL_ROX and the large variants', () => {
    // pgtable_types.h: __PAGE_KERNEL = P RW A D G NX; __PAGE_KERNEL_ROX = P A D G; _LARGE adds PSE.
    expect(x86PageTableFormat.encodeLeaf(0x1000, RW_G, 3, KERNEL_ATTRIBUTES)).toBe(
      0x8000000000001163n,
    );
    expect(x86PageTableFormat.encodeLeaf(0x1000, RX_G, 3, KERNEL_ATTRIBUTES)).toBe(
      0x0000000000001161n,
    );
    expect(x86PageTableFormat.encodeLeaf(0x200000, RW_G, 2, KERNEL_ATTRIBUTES)).toBe(
      0x80000000002001e3n,
    );
    expect(x86PageTableFormat.encodeLeaf(0x40000000, RX_G, 1, KERNEL_ATTRIBUTES)).toBe(
      0x00000000400001e1n,
    );
    expect(x86PageTableFormat.encodeTable(0x3000)).toBe(0x3067n);
  });

  it('decodes entries as the hardware does', () => {
    // A 2 MiB leaf with PAT (bit 12) set: the address ignores it.
    expect(decodePte(x86PageTableFormat, 0x80000000002011e3n, 2)).toEqual({
      kind: 'leaf',
      pa: 0x200000,
      prot: RW_G,
      attributes: PteAttr.Accessed | PteAttr.Dirty,
    });
    // PS in a PML4E is reserved; not present is invalid at every level.
    expect(decodePte(x86PageTableFormat, 0x1e3n, 0).kind).toBe('invalid');
    expect(decodePte(x86PageTableFormat, 0x8000000000001162n, 3).kind).toBe('invalid');
    // A high physical address (MAXPHYADDR 52).
    expect(decodePte(x86PageTableFormat, 0x000fffffff000163n, 3)).toMatchObject({
      pa: 0xfffffff000000,
    });
  });

  it('maps the kernel text with a 2 MiB leaf and a small walk', () => {
    const memory = createPhysicalMemory({ size: 64 * 2 ** 20 });
    const counters = createCounters();
    const mm = createAddressSpace({ memory, format: x86PageTableFormat, counters });
    mm.map(0xffffffff80000000n, 0n, 0x2000000n, RX_G, { pageSize: 'largest' });
    expect(mm.translate(0xffffffff81234567n)).toMatchObject({
      pa: 0x1234567n,
      size: 0x200000n,
      level: 2,
    });
    expect(counters.get('pageTablePages')).toBe(3);
  });

  it('has a sensible CPU profile', () => {
    expect(x86CpuProfile.fetchBlockSize).toBe(16);
    expect(x86CpuProfile.dtlb.classes.map((c) => c.pageShift)).toEqual([12, 21, 30]);
  });
});
