import {
  createAddressSpace,
  createCounters,
  createPhysicalMemory,
  createWalkResult,
  decodePte,
  KERNEL_ATTRIBUTES,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_USER,
  PROT_WRITE,
  PteAttr,
  ptdump,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { arm64CpuProfile, arm64TlbBroadcast } from './cpuProfile';
import { arm64PageTableFormat } from './pageTable';

// The shared page-table suite runs through describeArchConformance(arm64Arch()) in arm64Arch.test.ts.

const RW_G = PROT_READ | PROT_WRITE | PROT_GLOBAL;
const RX_G = PROT_READ | PROT_EXEC | PROT_GLOBAL;

describe('arm64 descriptors match the kernel', () => {
  it('encodes PAGE_KERNEL, PAGE_KERNEL_ROX, blocks, user code and tables', () => {
    // PROT_NORMAL = PTE_TYPE_PAGE | PTE_AF | PTE_SHARED | PTE_PXN | PTE_UXN | PTE_WRITE (DBM), MT_NORMAL.
    expect(arm64PageTableFormat.encodeLeaf(0x40000000, RW_G, 3, KERNEL_ATTRIBUTES)).toBe(
      0x0068000040000703n,
    );
    // PAGE_KERNEL_ROX = PROT_NORMAL & ~(PTE_WRITE | PTE_PXN) | PTE_RDONLY.
    expect(arm64PageTableFormat.encodeLeaf(0x40000000, RX_G, 3, PteAttr.Accessed)).toBe(
      0x0040000040000783n,
    );
    // A 2 MiB block: descriptor type 0b01.
    expect(arm64PageTableFormat.encodeLeaf(0x40200000, RW_G, 2, KERNEL_ATTRIBUTES)).toBe(
      0x0068000040200701n,
    );
    // PAGE_READONLY_EXEC for user space: PTE_USER | PTE_RDONLY | PTE_NG | PTE_PXN, UXN clear.
    expect(
      arm64PageTableFormat.encodeLeaf(
        0x1000,
        PROT_READ | PROT_EXEC | PROT_USER,
        3,
        PteAttr.Accessed,
      ),
    ).toBe(0x0020000000001fc3n);
    expect(arm64PageTableFormat.encodeTable(0x8000)).toBe(0x8003n);
  });

  it('decodes the reserved encodings as invalid', () => {
    // Level 3 with bit 1 clear, level 0 block (no FEAT_LPA2).
    expect(decodePte(arm64PageTableFormat, 0x0068000040000701n, 3).kind).toBe('invalid');
    expect(decodePte(arm64PageTableFormat, 0x0068000000000701n, 0).kind).toBe('invalid');
    expect(decodePte(arm64PageTableFormat, 0x0068000040000703n, 2).kind).toBe('table');
  });

  it('sets the contiguous hint on 16 uniform pages and clears it when one changes', () => {
    const memory = createPhysicalMemory({ size: 64 * 2 ** 20 });
    const counters = createCounters();
    const mm = createAddressSpace({ memory, format: arm64PageTableFormat, counters });
    const va = 0xffff800090000000n;
    mm.map(va, 0x100000n, 0x10000n, RW_G);
    const walk = createWalkResult();
    expect(mm.walk(mm.toEngine(va) + 0x5000, walk)).toBe(true);
    expect(walk.attributes & PteAttr.Contiguous).toBe(PteAttr.Contiguous);
    expect(walk.reachShift).toBe(16);
    mm.protect(va + 0x3000n, 0x1000n, PROT_READ | PROT_GLOBAL);
    expect(mm.walk(mm.toEngine(va) + 0x5000, walk)).toBe(true);
    expect(walk.reachShift).toBe(12);
    expect(mm.translate(va)?.attributes).toBe(KERNEL_ATTRIBUTES);
    // A physically discontiguous run gets no hint.
    mm.map(va + 0x10000n, 0x300000n, 0x8000n, RW_G);
    mm.map(va + 0x18000n, 0x400000n, 0x8000n, RW_G);
    expect(mm.translate(va + 0x10000n)?.attributes).toBe(KERNEL_ATTRIBUTES);
  });

  it('maps the linear map below 0xffff800000000000 through TTBR1 and rejects user addresses', () => {
    const memory = createPhysicalMemory({ size: 64 * 2 ** 20 });
    const mm = createAddressSpace({
      memory,
      format: arm64PageTableFormat,
      counters: createCounters(),
    });
    mm.map(0xffff000000200000n, 0x200000n, 0x200000n, RW_G, { pageSize: 'largest' });
    expect(mm.translate(0xffff000000212345n)).toMatchObject({ pa: 0x212345n, size: 0x200000n });
    expect(ptdump(mm)).toBe('0xffff000000200000-0xffff000000400000       2M RW- GLB     pmd');
    const seen: bigint[] = [];
    mm.forEachMapping((m) => seen.push(m.va));
    expect(seen).toEqual([0xffff000000200000n]);
    expect(() => mm.map(0x200000n, 0n, 0x1000n, RW_G)).toThrow(
      /0xffff000000000000-0xffffffffffffffff\)/,
    );
  });

  it('broadcasts TLB invalidation in hardware and has N1-like TLBs', () => {
    expect(arm64TlbBroadcast).toBe('hardware');
    expect(arm64CpuProfile.itlb.classes.map((c) => c.pageShift)).toContain(16);
  });
});
