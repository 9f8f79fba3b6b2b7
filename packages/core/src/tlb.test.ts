import { describe, expect, it } from 'vitest';
import { createCounters } from './counters';
import { validateCpuProfile } from './cpuProfile';
import { isExecmemError } from './errors';
import { createAddressSpace } from './mmu';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from './pageTableFormat';
import { createWalkResult } from './pageTableWalk';
import { createPhysicalMemory } from './physicalMemory';
import { createTlb, flushTlbKernelRange } from './tlb';
import { toyPageTableFormat } from './toy/toyPageTable';

const geometry = {
  classes: [
    { pageShift: 12, entries: 4 },
    { pageShift: 21, entries: 2 },
  ],
};

describe('TLB', () => {
  it('counts hits and misses and returns the cached translation', () => {
    const counters = createCounters();
    const tlb = createTlb(geometry, counters, 'instruction');
    expect(tlb.lookup(0x5123)).toBe(false);
    tlb.insert(0x5123, 0x9123, PROT_READ | PROT_EXEC, 12);
    expect(tlb.lookup(0x5ff0)).toBe(true);
    expect(tlb.pa).toBe(0x9ff0);
    expect(tlb.prot).toBe(PROT_READ | PROT_EXEC);
    expect(tlb.lookup(0x6000)).toBe(false);
    expect(counters.get('itlbHits')).toBe(1);
    expect(counters.get('itlbMisses')).toBe(2);
    expect(counters.get('dtlbHits') + counters.get('dtlbMisses')).toBe(0);
  });

  it('evicts the least recently used entry of the size class', () => {
    const tlb = createTlb(geometry, createCounters(), 'data');
    for (let i = 0; i < 4; i++) tlb.insert(i * 0x1000, i * 0x1000, PROT_READ, 12);
    expect(tlb.lookup(0)).toBe(true); // page 0 is now the most recent
    tlb.insert(0x10000, 0x10000, PROT_READ, 12); // evicts page 1
    expect(tlb.lookup(0x1000)).toBe(false);
    expect(tlb.lookup(0)).toBe(true);
    expect(tlb.lookup(0x10000)).toBe(true);
    expect(tlb.occupancy).toBe(4);
  });

  it('caches a large leaf as one entry of its class and invalidates it by any address inside', () => {
    const counters = createCounters();
    const tlb = createTlb(geometry, counters, 'data');
    tlb.insert(0x200000 + 0x1234, 0x40001234, PROT_READ, 21);
    expect(tlb.lookup(0x3ff000)).toBe(true);
    expect(tlb.pa).toBe(0x401ff000);
    // A reach between classes is stored in the largest class not larger than it.
    tlb.insert(0x10000, 0x10000, PROT_READ, 16);
    expect(tlb.lookup(0x11000)).toBe(false);
    tlb.invalidatePage(0x300000);
    expect(tlb.lookup(0x200000)).toBe(false);
    expect(tlb.lookup(0x10000)).toBe(true);
    tlb.invalidateRange(0, 2 ** 47);
    expect(tlb.occupancy).toBe(0);
    tlb.insert(0x10000, 0x10000, PROT_READ, 16);
    tlb.invalidateAll();
    expect(tlb.occupancy).toBe(0);
    expect(counters.get('tlbFlushesLocal')).toBe(3);
  });

  it('refills from the page-table walk and misses again after the MMU reports a change', () => {
    const counters = createCounters();
    const memory = createPhysicalMemory({ size: 2 ** 24 });
    const mm = createAddressSpace({ memory, format: toyPageTableFormat, counters });
    const tlb = createTlb(geometry, counters, 'data');
    mm.addInvalidationListener((start, end) => tlb.invalidateRange(start, end));
    mm.map(0x200000n, 0x200000n, 0x200000n, PROT_READ | PROT_WRITE, { pageSize: 'largest' });
    const walk = createWalkResult();
    const access = (va: number) => {
      if (tlb.lookup(va)) return tlb.pa;
      expect(mm.walk(va, walk)).toBe(true);
      tlb.insert(va, walk.pa, walk.prot, walk.reachShift);
      return walk.pa;
    };
    for (let va = 0x200000; va < 0x400000; va += 0x1000) access(va);
    expect(counters.get('dtlbMisses')).toBe(1);
    expect(counters.get('dtlbHits')).toBe(511);
    mm.protect(0x201000n, 0x1000n, PROT_READ);
    expect(tlb.lookup(0x201000)).toBe(false);
    access(0x201000);
    expect(tlb.lookup(0x201000)).toBe(true);
    expect(tlb.prot).toBe(PROT_READ);
  });
});

describe('flushTlbKernelRange', () => {
  const make = () => {
    const counters = createCounters();
    const cpus = [0, 1, 2, 3].map(() => ({
      itlb: createTlb(geometry, counters, 'instruction'),
      dtlb: createTlb(geometry, counters, 'data'),
    }));
    for (const cpu of cpus) cpu.itlb.insert(0x1000, 0x1000, PROT_READ | PROT_EXEC, 12);
    return { counters, cpus };
  };

  it('interrupts every other CPU on IPI arches', () => {
    const { counters, cpus } = make();
    flushTlbKernelRange(cpus, 0x1000, 0x2000, { broadcast: 'ipi', initiator: 1, counters });
    expect(counters.get('tlbShootdowns')).toBe(1);
    expect(counters.get('ipis')).toBe(3);
    expect(cpus.every((c) => c.itlb.occupancy === 0)).toBe(true);
  });

  it('needs no IPI when the hardware broadcasts', () => {
    const { counters, cpus } = make();
    flushTlbKernelRange(cpus, 0x1000, 0x2000, { broadcast: 'hardware', initiator: 0, counters });
    expect(counters.get('tlbShootdowns')).toBe(1);
    expect(counters.get('ipis')).toBe(0);
    expect(cpus.every((c) => c.itlb.occupancy === 0)).toBe(true);
  });

  it('hands remote flushes to the IPI sender when given one', () => {
    const { counters, cpus } = make();
    const sent: number[] = [];
    flushTlbKernelRange(cpus, 0x1000, 0x2000, {
      broadcast: 'ipi',
      initiator: 2,
      counters,
      sendIpi: (c) => sent.push(c),
    });
    expect(sent).toEqual([0, 1, 3]);
    expect(cpus.map((c) => c.itlb.occupancy)).toEqual([1, 1, 0, 1]);
  });
});

it('rejects a bad CPU profile naming the field', () => {
  const bad = {
    name: 'bad',
    itlb: geometry,
    dtlb: {
      classes: [
        { pageShift: 21, entries: 4 },
        { pageShift: 12, entries: 4 },
      ],
    },
    icacheLineSize: 64,
    dcacheLineSize: 64,
    fetchBlockSize: 16,
  };
  try {
    validateCpuProfile(bad);
    throw new Error('accepted');
  } catch (e) {
    expect(isExecmemError(e, 'EINVAL')).toBe(true);
    expect(String(e)).toMatch(/dTLB.*pageShift 12/);
  }
  expect(() => validateCpuProfile({ ...bad, dtlb: geometry, fetchBlockSize: 24 })).toThrow(
    /fetchBlockSize 24/,
  );
});
