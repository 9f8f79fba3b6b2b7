import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCounters } from './counters';
import { isExecmemError } from './errors';
import { createAddressSpace } from './mmu';
import { PROT_EXEC, PROT_READ, PROT_RWX, PROT_WRITE, type Prot } from './pageTableFormat';
import { createWalkResult } from './pageTableWalk';
import { createPhysicalMemory, PAGE_SIZE } from './physicalMemory';
import { ptdump } from './ptdump';
import { createTlb } from './tlb';
import { toyPageTableFormat } from './toy/toyPageTable';
import { createWxAuditor } from './wxAudit';

/**
 * Random map / protect / unmap sequences against a reference model (a Map
 * from virtual page to frame and protection). The window spans 2 GiB of
 * virtual space around a 1 GiB boundary so 4 KiB, 2 MiB and 1 GiB leaves,
 * their splits and their collapses all occur; sizes are mostly small so
 * the reference stays cheap.
 */
const BASE_PAGE = 0x3fe00; // 2 MiB below the 1 GiB boundary, in pages
const WINDOW_PAGES = 0x40400; // up to the 2 MiB after the next 1 GiB boundary
const MEMORY_PAGES = 0x40400;
/** Frames after the mapped window hold the page tables. */
const TOTAL_PAGES = MEMORY_PAGES + 2048;
const TLB_GEOMETRY = {
  classes: [
    { pageShift: 12, entries: 64 },
    { pageShift: 21, entries: 16 },
    { pageShift: 30, entries: 4 },
  ],
};
const RUNS = Number(process.env.EXECMEM_MMU_RUNS ?? 200);

type Op =
  | { kind: 'map'; page: number; pages: number; frame: number; prot: Prot; largest: boolean }
  | { kind: 'unmap'; page: number; pages: number }
  | { kind: 'protect'; page: number; pages: number; prot: Prot };

/** Page counts: mostly small, sometimes a whole 2 MiB or 1 GiB unit. */
const pagesArb = fc.oneof(
  { weight: 60, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 20, arbitrary: fc.constantFrom(512, 1024) },
  { weight: 1, arbitrary: fc.constant(0x40000) },
);
/**
 * Page numbers: mostly in a hot 8 MiB area straddling the 1 GiB boundary
 * (page 0x200), often 2 MiB aligned so large leaves fit, sometimes anywhere.
 */
const pageArb = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 2047 }) },
  { weight: 4, arbitrary: fc.constantFrom(0, 512, 1024, 1536) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: WINDOW_PAGES - 1 }) },
);
const protArb = fc.integer({ min: 0, max: PROT_RWX });
const alignedArb = fc.constantFrom(0, 512, 1024, 1536);
const anyOpArb: fc.Arbitrary<Op> = fc.oneof(
  // Large-leaf friendly maps: aligned address and frame, whole 2 MiB units.
  fc.record({
    kind: fc.constant('map' as const),
    page: alignedArb,
    pages: fc.constantFrom(512, 1024),
    frame: alignedArb,
    prot: fc.constantFrom(PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC),
    largest: fc.constant(true),
  }),
  fc.record({
    kind: fc.constant('map' as const),
    page: pageArb,
    pages: pagesArb,
    frame: fc.oneof(pageArb, fc.integer({ min: 0, max: TOTAL_PAGES })),
    prot: protArb,
    largest: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('unmap' as const), page: pageArb, pages: pagesArb }),
  // Whole-unit protects: restore split large leaves so they collapse.
  fc.record({
    kind: fc.constant('protect' as const),
    page: alignedArb,
    pages: fc.constantFrom(512, 1024),
    prot: fc.constantFrom(PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC),
  }),
  fc.record({
    kind: fc.constant('protect' as const),
    page: pageArb,
    pages: pagesArb,
    prot: protArb,
  }),
);

/** Keeps every operation inside the window. */
const opArb = anyOpArb.map((op) => ({ ...op, pages: Math.min(op.pages, WINDOW_PAGES - op.page) }));

interface Ref {
  frame: number;
  prot: Prot;
}

/** The reference semantics: updates `ref` and returns the expected error code, if any. */
function apply(ref: Map<number, Ref>, op: Op): string | undefined {
  const { page, pages } = op;
  const expressible = (p: Prot) =>
    (p & PROT_RWX) !== 0 && (!(p & PROT_WRITE) || (p & PROT_READ) !== 0);
  const any = (test: (p: number) => boolean) => {
    for (let p = page; p < page + pages; p++) if (test(p)) return true;
    return false;
  };
  if (op.kind === 'map') {
    if (!expressible(op.prot)) return 'EINVAL';
    if (op.frame + pages > TOTAL_PAGES) return 'ERANGE';
    if (any((p) => ref.has(p))) return 'EEXIST';
    for (let i = 0; i < pages; i++) ref.set(page + i, { frame: op.frame + i, prot: op.prot });
    return undefined;
  }
  if (op.kind === 'protect' && !expressible(op.prot)) return 'EINVAL';
  if (any((p) => !ref.has(p))) return 'EFAULT';
  for (let p = page; p < page + pages; p++) {
    if (op.kind === 'unmap') ref.delete(p);
    else ref.get(p)!.prot = op.prot;
  }
  return undefined;
}

describe('MMU against a reference model', () => {
  it(`keeps the page tables and the W^X audit equal to the reference (${RUNS} sequences)`, () => {
    const totals = { largePageSplits: 0, largePageCollapses: 0, wx: 0, aliasWx: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        const memory = createPhysicalMemory({ size: TOTAL_PAGES * PAGE_SIZE });
        const counters = createCounters();
        const mm = createAddressSpace({ memory, format: toyPageTableFormat, counters });
        // Table pages come from frames beyond the mapped window.
        memory.allocFrames(MEMORY_PAGES);
        const auditor = createWxAuditor([mm]);
        // A TLB filled from walks and flushed by the MMU's invalidation reports must never go stale.
        const tlb = createTlb(TLB_GEOMETRY, counters, 'data');
        mm.addInvalidationListener((start, end) => tlb.invalidateRange(start, end));
        const walk = createWalkResult();
        const cached: number[] = [];
        const ref = new Map<number, Ref>();
        for (const op of ops) {
          const va = BigInt(BASE_PAGE + op.page) * 4096n;
          const size = BigInt(op.pages) * 4096n;
          const expected = apply(ref, op);
          const before = expected === undefined ? '' : ptdump(mm);
          let code: string | undefined;
          try {
            if (op.kind === 'map') {
              mm.map(
                va,
                BigInt(op.frame) * 4096n,
                size,
                op.prot,
                op.largest ? { pageSize: 'largest' } : {},
              );
            } else if (op.kind === 'unmap') mm.unmap(va, size);
            else mm.protect(va, size, op.prot);
          } catch (e) {
            if (!isExecmemError(e)) throw e;
            code = e.code;
          }
          expect(code).toBe(expected);
          if (code !== undefined) expect(ptdump(mm)).toBe(before);
          for (const va of cached) {
            if (!tlb.lookup(va)) continue;
            expect(mm.walk(va, walk), `stale TLB entry for 0x${va.toString(16)}`).toBe(true);
            expect([tlb.pa, tlb.prot]).toEqual([walk.pa, walk.prot]);
          }
          cached.length = 0;
          for (const [page] of ref) {
            if (cached.length >= 16) break;
            const va = (BASE_PAGE + page) * PAGE_SIZE + 8;
            if (mm.walk(va, walk)) tlb.insert(va, walk.pa, walk.prot, walk.reachShift);
            cached.push(va);
          }
        }
        // Page tables equal the reference, page by page.
        const seen = new Map<number, Ref>();
        mm.forEachLeafMapping((va, pa, size, prot) => {
          for (let off = 0; off < size; off += PAGE_SIZE) {
            seen.set((va + off) / PAGE_SIZE - BASE_PAGE, { frame: (pa + off) / PAGE_SIZE, prot });
          }
        });
        expect(seen.size).toBe(ref.size);
        for (const [page, r] of ref) expect(seen.get(page)).toEqual(r);
        expect(counters.get('pageTablePages')).toBe(
          memory.frameCount - memory.freeFrameCount - MEMORY_PAGES,
        );
        // The audit agrees with the reference.
        const report = auditor.audit();
        const wxPages = new Set<number>();
        for (const f of report.wx) {
          for (let off = 0n; off < f.size; off += 4096n)
            wxPages.add(Number((f.va + off) / 4096n) - BASE_PAGE);
        }
        const expectedWx = [...ref]
          .filter(([, r]) => r.prot & PROT_WRITE && r.prot & PROT_EXEC)
          .map(([p]) => p);
        expect([...wxPages].sort((a, b) => a - b)).toEqual(expectedWx.sort((a, b) => a - b));
        const aliasFrames = new Set<number>();
        for (const f of report.aliasWx) {
          for (let off = 0n; off < f.size; off += 4096n)
            aliasFrames.add(Number((f.pa + off) / 4096n));
        }
        const byFrame = new Map<number, Ref[]>();
        for (const [page, r] of ref)
          byFrame.set(r.frame, [...(byFrame.get(r.frame) ?? []), { frame: page, prot: r.prot }]);
        const expectedAlias = [...byFrame]
          .filter(([, maps]) =>
            maps.some(
              (w) => w.prot & PROT_WRITE && maps.some((x) => x !== w && x.prot & PROT_EXEC),
            ),
          )
          .map(([f]) => f);
        expect([...aliasFrames].sort((a, b) => a - b)).toEqual(expectedAlias.sort((a, b) => a - b));
        expect(report.ok).toBe(expectedWx.length === 0 && expectedAlias.length === 0);
        totals.largePageSplits += counters.get('largePageSplits');
        totals.largePageCollapses += counters.get('largePageCollapses');
        totals.wx += report.wx.length;
        totals.aliasWx += report.aliasWx.length;
        return true;
      }),
      { numRuns: RUNS, seed: Number(process.env.EXECMEM_SEED ?? 20261124) },
    );
    // The generator must reach the interesting cases, or the property proves little.
    for (const [name, n] of Object.entries(totals)) expect(n, name).toBeGreaterThan(0);
  });
});
