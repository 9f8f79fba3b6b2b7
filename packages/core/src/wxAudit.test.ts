import { describe, expect, it } from 'vitest';
import { createCounters } from './counters';
import { mapDirectMap } from './directMap';
import { createAddressSpace } from './mmu';
import { PROT_EXEC, PROT_GLOBAL, PROT_READ, PROT_WRITE } from './pageTableFormat';
import { createPhysicalMemory } from './physicalMemory';
import { toyPageTableFormat } from './toy/toyPageTable';
import { createWxAuditor } from './wxAudit';

const RW = PROT_READ | PROT_WRITE;
const RX = PROT_READ | PROT_EXEC;

describe('W^X audit', () => {
  const setup = () => {
    const memory = createPhysicalMemory({ size: 2 ** 26 });
    const counters = createCounters();
    const kernel = createAddressSpace({
      memory,
      format: toyPageTableFormat,
      counters,
      name: 'kernel',
    });
    const poke = createAddressSpace({
      memory,
      format: toyPageTableFormat,
      counters,
      name: 'text_poke_mm',
    });
    const dm = mapDirectMap(kernel, 0xffffffc000000000n);
    return { kernel, poke, dm, auditor: createWxAuditor([kernel, poke]) };
  };

  it('is clean for a direct map alone', () => {
    const { auditor } = setup();
    expect(auditor.audit()).toEqual({ ok: true, wx: [], aliasWx: [], intentional: [] });
  });

  it('reports a writable+executable mapping', () => {
    const { kernel, auditor } = setup();
    kernel.map(0x10000000n, 0x300000n, 0x3000n, RW | PROT_EXEC | PROT_GLOBAL);
    const report = auditor.audit();
    expect(report.ok).toBe(false);
    expect(report.wx).toEqual([
      {
        space: 'kernel',
        va: 0x10000000n,
        pa: 0x300000n,
        size: 0x3000n,
        prot: RW | PROT_EXEC | PROT_GLOBAL,
      },
    ]);
  });

  it('reports executable code whose frames stay writable through the direct map, across spaces', () => {
    const { kernel, poke, dm, auditor } = setup();
    kernel.map(0x10000000n, 0x300000n, 0x2000n, RX);
    const report = auditor.audit();
    expect(report.wx).toEqual([]);
    expect(report.aliasWx).toEqual([
      {
        pa: 0x300000n,
        size: 0x2000n,
        writable: { space: 'kernel', va: dm.alias(0x300000n), prot: dm.prot },
        executable: { space: 'kernel', va: 0x10000000n, prot: RX },
      },
    ]);
    dm.setProt(0x300000n, 0x2000n, PROT_READ | PROT_GLOBAL);
    expect(auditor.audit().ok).toBe(true);
    // text_poke's private writable alias of one page, in another address space.
    poke.map(0x1000n, 0x301000n, 0x1000n, RW);
    const poked = auditor.audit();
    expect(poked.aliasWx).toHaveLength(1);
    expect(poked.aliasWx[0]).toMatchObject({
      pa: 0x301000n,
      size: 0x1000n,
      writable: { space: 'text_poke_mm', va: 0x1000n },
    });
  });

  it('lists registered dual mappings separately, splitting partial overlaps', () => {
    const { kernel, dm, auditor } = setup();
    dm.setProt(0x400000n, 0x4000n, PROT_READ | PROT_GLOBAL);
    kernel.map(0x20000000n, 0x400000n, 0x4000n, RX);
    kernel.map(0x30000000n, 0x400000n, 0x4000n, RW);
    const withdraw = auditor.allowDualMapping(0x401000n, 0x2000n, 'JIT dual mapping');
    const report = auditor.audit();
    expect(report.intentional).toEqual([
      expect.objectContaining({ pa: 0x401000n, size: 0x2000n, reason: 'JIT dual mapping' }),
    ]);
    expect(report.aliasWx.map((f) => [f.pa, f.size])).toEqual([
      [0x400000n, 0x1000n],
      [0x403000n, 0x1000n],
    ]);
    withdraw();
    expect(auditor.audit().aliasWx).toHaveLength(1);
    expect(auditor.audit().aliasWx[0].size).toBe(0x4000n);
  });
});
