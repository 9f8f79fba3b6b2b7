import { describe, expect, it } from 'vitest';
import { Counter, createCounters } from './counters';
import { isExecmemError } from './errors';
import { createAddressSpace } from './mmu';
import { PROT_EXEC, PROT_GLOBAL, PROT_READ, PROT_WRITE, PteAttr } from './pageTableFormat';
import { createWalkResult } from './pageTableWalk';
import { createPhysicalMemory } from './physicalMemory';
import { ptdump } from './ptdump';
import { TOY_PTE, toyPageTableFormat } from './toy/toyPageTable';

const K4 = 0x1000n;
const M2 = 0x200000n;
const G1 = 0x40000000n;
const RW = PROT_READ | PROT_WRITE;
const RX = PROT_READ | PROT_EXEC;
/** A high-half Sv39-style toy address (sign-extended from bit 38). */
const KVA = 0xffffffc000000000n;

function setup(size = 4 * 2 ** 30) {
  const memory = createPhysicalMemory({ size });
  const counters = createCounters();
  const mm = createAddressSpace({ memory, format: toyPageTableFormat, counters, name: 'toy' });
  return { memory, counters, mm };
}

/** Everything observable about an address space, for "state unchanged" checks. */
function state(s: ReturnType<typeof setup>) {
  return { dump: ptdump(s.mm), counters: s.counters.snapshot(), free: s.memory.freeFrameCount };
}

function expectError(code: string, f: () => void): void {
  try {
    f();
  } catch (e) {
    expect(isExecmemError(e), String(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('walk of the toy format', () => {
  it('builds the tables in physical memory with the toy bit layout', () => {
    const s = setup();
    const va = 0x12345000n;
    s.mm.map(va, 0x7000n, K4, RW | PROT_GLOBAL);
    // Walk by hand: pud index, pmd index, pte index.
    const read = (pa: number) => {
      const out = new Uint32Array(2);
      s.memory.read64(pa, out, 0);
      return out;
    };
    const pud = read(s.mm.rootPa + Number((va >> 30n) & 511n) * 8);
    expect(pud[0] & (TOY_PTE.V | TOY_PTE.L)).toBe(TOY_PTE.V);
    const pmd = read((pud[0] & ~0xfff) + Number((va >> 21n) & 511n) * 8);
    expect(pmd[0] & (TOY_PTE.V | TOY_PTE.L)).toBe(TOY_PTE.V);
    const pte = read((pmd[0] & ~0xfff) + Number((va >> 12n) & 511n) * 8);
    expect(pte[0]).toBe(
      0x7000 | TOY_PTE.V | TOY_PTE.L | TOY_PTE.R | TOY_PTE.W | TOY_PTE.G | TOY_PTE.A | TOY_PTE.D,
    );
    expect(s.mm.translate(va + 0x123n)).toEqual({
      pa: 0x7123n,
      prot: RW | PROT_GLOBAL,
      size: K4,
      level: 2,
      attributes: PteAttr.Accessed | PteAttr.Dirty,
    });
    expect(s.mm.translate(va + K4)).toBeUndefined();
    expect(s.counters.get('pageTablePages')).toBe(3);
    const out = createWalkResult();
    expect(s.mm.walk(Number(va) + 8, out)).toBe(true);
    expect(out.pa).toBe(0x7008);
    expect(s.counters.get('pageTableWalks')).toBe(3);
  });

  it('uses 2 MiB and 1 GiB leaves when asked, in the high half too', () => {
    const s = setup();
    s.mm.map(KVA, 0n, G1 + M2 + K4, RX, { pageSize: 'largest' });
    expect(s.mm.translate(KVA + 5n)?.size).toBe(G1);
    expect(s.mm.translate(KVA + G1 + 5n)?.size).toBe(M2);
    expect(s.mm.translate(KVA + G1 + M2)?.size).toBe(K4);
    expect(s.mm.translate(KVA + G1 + M2)?.pa).toBe(G1 + M2);
    expect(ptdump(s.mm).split('\n')).toEqual([
      '0xffffffc000000000-0xffffffc040000000       1G R-X         pud',
      '0xffffffc040000000-0xffffffc040200000       2M R-X         pmd',
      '0xffffffc040200000-0xffffffc040201000       4K R-X         pte',
    ]);
    // 1 GiB needs only the root; the 2 MiB leaf one pmd table; the 4 KiB one a pte table.
    expect(s.counters.get('pageTablePages')).toBe(3);
  });

  it('uses 4 KiB leaves by default and the requested size when aligned', () => {
    const s = setup();
    s.mm.map(0n, 0n, M2, RW);
    expect(s.mm.translate(0n)?.size).toBe(K4);
    s.mm.map(M2, M2, M2 * 2n, RW, { pageSize: Number(M2) });
    expect(s.mm.translate(M2 * 2n)?.size).toBe(M2);
  });
});

describe('split and collapse', () => {
  it('splits a 2 MiB leaf when one page changes and collapses it when uniform again', () => {
    const s = setup();
    const invalidated: [number, number][] = [];
    s.mm.addInvalidationListener((a, b) => invalidated.push([a, b]));
    s.mm.map(M2, M2, M2, RX, { pageSize: 'largest' });
    expect(invalidated).toEqual([]);
    const pages = s.counters.get('pageTablePages');
    s.mm.protect(M2 + K4 * 3n, K4, RW);
    expect(s.counters.get('largePageSplits')).toBe(1);
    expect(s.counters.get('pageTablePages')).toBe(pages + 1);
    expect(s.mm.translate(M2 + K4 * 3n)).toMatchObject({ prot: RW, size: K4, pa: M2 + K4 * 3n });
    expect(s.mm.translate(M2)).toMatchObject({ prot: RX, size: K4 });
    expect(invalidated).toEqual([[Number(M2), Number(M2 * 2n)]]);
    s.mm.protect(M2 + K4 * 3n, K4, RX);
    expect(s.counters.get('largePageCollapses')).toBe(1);
    expect(s.counters.get('pageTablePages')).toBe(pages);
    expect(s.mm.translate(M2 + K4 * 3n)).toMatchObject({ prot: RX, size: M2 });
  });

  it('splits 1 GiB into 2 MiB into 4 KiB and collapses both levels back', () => {
    const s = setup();
    s.mm.map(KVA, G1, G1, RW, { pageSize: 'largest' });
    s.mm.protect(KVA + M2 * 7n + K4, K4, PROT_READ);
    expect(s.counters.get('largePageSplits')).toBe(2);
    expect(s.mm.translate(KVA)?.size).toBe(M2);
    expect(s.mm.translate(KVA + M2 * 7n + K4)).toMatchObject({
      prot: PROT_READ,
      size: K4,
      pa: G1 + M2 * 7n + K4,
    });
    s.mm.protect(KVA + M2 * 7n, M2, RW);
    expect(s.counters.get('largePageCollapses')).toBe(2);
    expect(s.mm.translate(KVA + 1n)).toMatchObject({ size: G1, prot: RW });
    expect(s.counters.get('pageTablePages')).toBe(1);
  });

  it('unmapping part of a large leaf splits it; mapping it back with largest collapses', () => {
    const s = setup();
    s.mm.map(0n, 0n, M2, RW, { pageSize: 'largest' });
    s.mm.unmap(K4, K4);
    expect(s.mm.translate(K4)).toBeUndefined();
    expect(s.mm.translate(0n)?.size).toBe(K4);
    s.mm.map(K4, K4, K4, RW, { pageSize: 'largest' });
    expect(s.mm.translate(0n)?.size).toBe(M2);
    s.mm.unmap(0n, M2);
    // Emptied tables are freed: only the root is left.
    expect(s.counters.get('pageTablePages')).toBe(1);
    expect(s.memory.freeFrameCount).toBe(s.memory.frameCount - 1);
  });

  it('leaves explicitly 4 KiB mappings at 4 KiB', () => {
    const s = setup();
    s.mm.map(0n, 0n, M2, RW);
    s.mm.protect(0n, K4, PROT_READ);
    s.mm.protect(0n, K4, RW);
    expect(s.mm.translate(0n)?.size).toBe(K4);
    expect(s.counters.get('largePageCollapses')).toBe(0);
  });
});

describe('bad input leaves the state unchanged', () => {
  const s = setup(64 * 2 ** 20);
  s.mm.map(M2, 0n, M2, RX, { pageSize: 'largest' });
  s.mm.map(M2 * 4n, M2 * 2n, K4 * 4n, RW);
  const before = state(s);
  const cases: [string, string, () => void][] = [
    ['unaligned address', 'EINVAL', () => s.mm.map(0x1234n, 0n, K4, RW)],
    ['unaligned size', 'EINVAL', () => s.mm.map(0n, 0n, 100n, RW)],
    ['zero size', 'EINVAL', () => s.mm.unmap(0n, 0n)],
    ['unaligned frame', 'EINVAL', () => s.mm.map(0n, 0x10n, K4, RW)],
    ['page size misaligned', 'EINVAL', () => s.mm.map(0n, K4, M2, RW, { pageSize: Number(M2) })],
    ['unknown page size', 'EINVAL', () => s.mm.map(0n, 0n, K4 * 16n, RW, { pageSize: 65536 })],
    ['non-canonical', 'EINVAL', () => s.mm.map(0x8000000000n, 0n, K4, RW)],
    ['crosses the hole', 'EINVAL', () => s.mm.map(0x7ffffff000n, 0n, K4 * 2n, RW)],
    ['overlap', 'EEXIST', () => s.mm.map(0n, 0n, M2 + K4, RW)],
    ['beyond memory', 'ERANGE', () => s.mm.map(0n, 64n * 2n ** 20n, K4, RW)],
    ['write without read', 'EINVAL', () => s.mm.map(0n, 0n, K4, PROT_WRITE)],
    ['no access', 'EINVAL', () => s.mm.map(0n, 0n, K4, 0)],
    ['undefined bits', 'EINVAL', () => s.mm.map(0n, 0n, K4, 0x100 | RW)],
    ['unmap of a hole', 'EFAULT', () => s.mm.unmap(M2 * 4n, K4 * 5n)],
    ['protect of a hole', 'EFAULT', () => s.mm.protect(0n, M2 + K4, RW)],
    ['protect to inexpressible', 'EINVAL', () => s.mm.changeProt(M2, K4, 0, PROT_READ | PROT_EXEC)],
  ];
  it.each(cases)('%s → %s', (_name, code, f) => {
    expectError(code, f);
    expect(state(s)).toEqual(before);
  });

  it('messages name the bad value', () => {
    expect(() => s.mm.map(0x1234n, 0n, K4, RW)).toThrow(/0x1234/);
    expect(() => s.mm.unmap(M2 * 4n, K4 * 5n)).toThrow(/0x804000/);
  });

  it('rolls back a map that runs out of frames for page-table pages', () => {
    const full = setup(64 * 2 ** 20);
    full.mm.map(0n, 0n, K4, RW);
    full.memory.allocFrames(full.memory.freeFrameCount - 1); // room for one table page only
    const snapshot = state(full);
    expectError('ENOMEM', () => full.mm.map(G1, 0n, K4, RW)); // needs a pmd and a pte table
    expect(state(full)).toEqual(snapshot);
  });

  it('rolls back a split that runs out of frames', () => {
    const full = setup(64 * 2 ** 20);
    full.mm.map(0n, 0n, M2, RW, { pageSize: 'largest' });
    full.memory.allocFrames(full.memory.freeFrameCount);
    const snapshot = state(full);
    expectError('ENOMEM', () => full.mm.protect(0n, K4, PROT_READ));
    expect(state(full)).toEqual(snapshot);
    expect(full.mm.translate(0n)).toMatchObject({ size: M2, prot: RW });
  });
});

it('counts page-table writes and keeps the table-page gauge equal to allocated frames', () => {
  const s = setup();
  s.mm.map(0n, 0n, M2 * 3n, RW, { pageSize: 'largest' });
  s.mm.protect(K4, K4, PROT_READ);
  expect(s.counters.values[Counter.pteWrites]).toBeGreaterThan(512);
  expect(s.counters.get('pageTablePages')).toBe(s.memory.frameCount - s.memory.freeFrameCount);
});
