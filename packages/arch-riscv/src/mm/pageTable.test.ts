import {
  createAddressSpace,
  createCounters,
  createPhysicalMemory,
  decodePte,
  isExecmemError,
  KERNEL_ATTRIBUTES,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
} from '@execmem/core';
import { describePageTableConformance } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { riscvTlbBroadcast } from './cpuProfile';
import { riscvSv39KernelLayout, riscvSv48KernelLayout } from './layout';
import { sv39PageTableFormat, sv48PageTableFormat } from './pageTable';

describePageTableConformance({
  name: 'riscv64 Sv39',
  format: sv39PageTableFormat,
  layout: riscvSv39KernelLayout,
});
describePageTableConformance({
  name: 'riscv64 Sv48',
  format: sv48PageTableFormat,
  layout: riscvSv48KernelLayout,
});

const RW_G = PROT_READ | PROT_WRITE | PROT_GLOBAL;
const RX_G = PROT_READ | PROT_EXEC | PROT_GLOBAL;

describe('riscv PTEs match the kernel', () => {
  it('encodes PAGE_KERNEL, PAGE_KERNEL_READ_EXEC and tables', () => {
    // _PAGE_KERNEL = R W V A D G (0xe7); PAGE_KERNEL_READ_EXEC drops W, adds X (0xeb); PPN at bit 10.
    expect(sv39PageTableFormat.encodeLeaf(0x80200000, RW_G, 2, KERNEL_ATTRIBUTES)).toBe(
      0x200800e7n,
    );
    expect(sv39PageTableFormat.encodeLeaf(0x80200000, RX_G, 1, KERNEL_ATTRIBUTES)).toBe(
      0x200800ebn,
    );
    expect(sv48PageTableFormat.encodeTable(0x81234000)).toBe(0x2048d001n);
  });

  it('faults on reserved and misaligned leaves', () => {
    // W without R.
    expect(decodePte(sv39PageTableFormat, 0x200800e5n, 2).kind).toBe('invalid');
    // A megapage whose PPN[0] is not zero.
    expect(decodePte(sv39PageTableFormat, 0x000004e7n, 1).kind).toBe('invalid');
    // V without RWX at the last level.
    expect(decodePte(sv39PageTableFormat, 0x20080001n, 2).kind).toBe('invalid');
  });

  it('rejects W without R with EINVAL and maps execute-only', () => {
    const memory = createPhysicalMemory({ size: 64 * 2 ** 20 });
    const mm = createAddressSpace({
      memory,
      format: sv39PageTableFormat,
      counters: createCounters(),
    });
    try {
      mm.map(0xffffffc600000000n, 0n, 0x1000n, PROT_WRITE);
      throw new Error('accepted');
    } catch (e) {
      expect(isExecmemError(e, 'EINVAL')).toBe(true);
      expect(String(e)).toMatch(/-W-.*Sv39/);
    }
    mm.map(0xffffffc600000000n, 0n, 0x1000n, PROT_EXEC);
    expect(mm.translate(0xffffffc600000000n)?.prot).toBe(PROT_EXEC);
    expect(riscvTlbBroadcast).toBe('ipi');
  });
});
