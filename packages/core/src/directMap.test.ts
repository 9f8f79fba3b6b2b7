import { describe, expect, it } from 'vitest';
import { createCounters } from './counters';
import { mapDirectMap } from './directMap';
import { isExecmemError } from './errors';
import { createAddressSpace } from './mmu';
import { PROT_EXEC, PROT_GLOBAL, PROT_READ, PROT_WRITE } from './pageTableFormat';
import { createPhysicalMemory } from './physicalMemory';
import { setMemoryNx, setMemoryRo, setMemoryRox, setMemoryRw, setMemoryX } from './setMemory';
import { toyPageTableFormat } from './toy/toyPageTable';
import { createWxAuditor } from './wxAudit';

const BASE = 0xffffffc000000000n;
const VMALLOC = 0x10000000n;
const G1 = 1n << 30n;
const M2 = 1n << 21n;

function kernel() {
  const memory = createPhysicalMemory({ size: 2 * 2 ** 30 });
  const counters = createCounters();
  const mm = createAddressSpace({ memory, format: toyPageTableFormat, counters, name: 'kernel' });
  const dm = mapDirectMap(mm, BASE);
  return { memory, counters, mm, dm };
}

describe('direct map', () => {
  it('maps all memory with the largest leaves', () => {
    const { mm, dm, counters } = kernel();
    expect(mm.translate(dm.alias(0x12345n))).toMatchObject({ pa: 0x12345n, size: G1 });
    expect(mm.translate(dm.alias(G1 + 5n))).toMatchObject({ pa: G1 + 5n, size: G1 });
    expect(counters.get('pageTablePages')).toBe(1);
    expect(() => dm.alias(2n * G1)).toThrow(/ERANGE/);
  });

  it('splits on a permission change of one frame and collapses on restore', () => {
    const { mm, dm, counters } = kernel();
    dm.setProt(0x3000n, 0x1000n, PROT_READ | PROT_GLOBAL);
    expect(counters.get('directMapSplits')).toBe(2); // 1 GiB → 2 MiB → 4 KiB
    expect(counters.get('largePageSplits')).toBe(2);
    expect(mm.translate(dm.alias(0x3000n))).toMatchObject({
      prot: PROT_READ | PROT_GLOBAL,
      size: 0x1000n,
    });
    expect(mm.translate(dm.alias(M2))?.size).toBe(M2);
    dm.remove(0x5000n, 0x2000n);
    expect(mm.translate(dm.alias(0x5000n))).toBeUndefined();
    dm.restore(0n, M2);
    expect(counters.get('directMapCollapses')).toBe(2);
    expect(mm.translate(dm.alias(0x5000n))).toMatchObject({ size: G1, prot: dm.prot });
    expect(counters.get('pageTablePages')).toBe(1);
  });

  it('rejects bad frames without changing anything', () => {
    const { dm, counters } = kernel();
    const before = counters.snapshot();
    for (const f of [
      () => dm.remove(0x10n, 0x1000n),
      () => dm.setProt(2n * G1, 0x1000n, PROT_READ),
      () => dm.restore(0n, 0n),
    ]) {
      expect(f).toThrow();
    }
    expect(counters.snapshot()).toEqual(before);
  });
});

describe('set_memory_*', () => {
  it('changes bits page by page and counts calls', () => {
    const { mm, counters } = kernel();
    mm.map(VMALLOC, 0x100000n, 0x4000n, PROT_READ | PROT_WRITE);
    setMemoryRox(mm, VMALLOC, 2);
    expect(mm.translate(VMALLOC)?.prot).toBe(PROT_READ | PROT_EXEC);
    expect(mm.translate(VMALLOC + 0x2000n)?.prot).toBe(PROT_READ | PROT_WRITE);
    setMemoryNx(mm, VMALLOC, 4);
    expect(mm.translate(VMALLOC)?.prot).toBe(PROT_READ);
    setMemoryRw(mm, VMALLOC, 1);
    setMemoryX(mm, VMALLOC + 0x3000n, 1);
    setMemoryRo(mm, VMALLOC + 0x1000n, 3);
    expect([0n, 1n, 2n, 3n].map((i) => mm.translate(VMALLOC + i * 0x1000n)?.prot)).toEqual([
      PROT_READ | PROT_WRITE,
      PROT_READ,
      PROT_READ,
      PROT_READ | PROT_EXEC,
    ]);
    expect(counters.get('setMemoryCalls')).toBe(5);
  });

  it('updates the direct-map alias (never making it executable) and splits it', () => {
    const { mm, dm, counters } = kernel();
    mm.map(VMALLOC, 0x200000n, 0x2000n, PROT_READ | PROT_WRITE);
    const auditor = createWxAuditor([mm]);
    setMemoryX(mm, VMALLOC, 1, { directMap: dm });
    expect(mm.translate(dm.alias(0x200000n))?.prot).toBe(dm.prot);
    expect(counters.get('directMapSplits')).toBe(0);
    expect(auditor.audit().wx).toHaveLength(1);
    setMemoryRox(mm, VMALLOC, 1, { directMap: dm });
    expect(mm.translate(dm.alias(0x200000n))?.prot).toBe(PROT_READ | PROT_GLOBAL);
    expect(counters.get('directMapSplits')).toBe(2);
    expect(auditor.audit().ok).toBe(true);
    setMemoryRw(mm, VMALLOC, 1, { directMap: dm });
    setMemoryNx(mm, VMALLOC, 1, { directMap: dm });
    expect(counters.get('directMapCollapses')).toBe(2);
  });

  it('undoes the change when the alias cannot be split for lack of frames', () => {
    const { mm, dm, counters, memory } = kernel();
    mm.map(VMALLOC, 0x200000n, 0x1000n, PROT_READ | PROT_WRITE);
    memory.allocFrames(memory.freeFrameCount);
    try {
      setMemoryRox(mm, VMALLOC, 1, { directMap: dm });
      throw new Error('accepted');
    } catch (e) {
      expect(isExecmemError(e, 'ENOMEM')).toBe(true);
    }
    expect(mm.translate(VMALLOC)?.prot).toBe(PROT_READ | PROT_WRITE);
    expect(mm.translate(dm.alias(0x200000n))).toMatchObject({ prot: dm.prot, size: G1 });
    expect(counters.get('setMemoryCalls')).toBe(0);
  });

  it('rejects a partly unmapped range without touching the alias', () => {
    const { mm, dm, counters } = kernel();
    mm.map(VMALLOC, 0x200000n, 0x1000n, PROT_READ | PROT_WRITE);
    try {
      setMemoryRo(mm, VMALLOC, 2, { directMap: dm });
      throw new Error('accepted');
    } catch (e) {
      expect(isExecmemError(e, 'EFAULT')).toBe(true);
    }
    expect(mm.translate(VMALLOC)?.prot).toBe(PROT_READ | PROT_WRITE);
    expect(counters.get('setMemoryCalls')).toBe(0);
    expect(counters.get('directMapSplits')).toBe(0);
    expect(() => setMemoryRo(mm, VMALLOC, 0)).toThrow(/page count 0/);
  });
});
