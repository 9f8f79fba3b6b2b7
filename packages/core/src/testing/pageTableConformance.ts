import { describe, expect, it } from 'vitest';
import { type AddressSpaceLayout, findRegion, validateLayout } from '../addressSpaceLayout';
import { createCounters } from '../counters';
import { mapDirectMap } from '../directMap';
import { isExecmemError } from '../errors';
import { createAddressSpace } from '../mmu';
import {
  decodePte,
  levelSize,
  type PageTableFormat,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_USER,
  PROT_WRITE,
  PteAttr,
  pteHalves,
} from '../pageTableFormat';
import { createPhysicalMemory } from '../physicalMemory';
import { createWxAuditor } from '../wxAudit';

/** What {@link describePageTableConformance} checks. */
export interface PageTableConformanceTarget {
  /** Suite name, e.g. `x86-64`. */
  readonly name: string;
  /** The format under test. */
  readonly format: PageTableFormat;
  /** The arch's kernel layout (needs `directMap`, `vmalloc`, `modules` and `kernelText`). */
  readonly layout: AddressSpaceLayout;
}

/** Every combination of the protection flags, expressible or not. */
const ALL_PROTS = Array.from({ length: 32 }, (_, i) => i);

/** Physical addresses to encode at a level: 0, a few aligned values up to 2^44 (52-bit formats) from a fixed LCG. */
function samplePas(size: number): number[] {
  const pas = [0, size];
  let x = 0x9e3779b9;
  for (let i = 0; i < 6; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    pas.push(Math.floor((x * 2 ** 12) / size) * size);
  }
  return pas;
}

/**
 * The page-table part of the arch conformance suite: entry encode/decode
 * round trips at every level, walks, splits and collapses at every leaf
 * size through the generic MMU, the layout, and the W^X audit on a small
 * kernel address space with a direct map.
 */
export function describePageTableConformance(target: PageTableConformanceTarget): void {
  const { format, layout } = target;
  const leafLevels = format.levels.map((l, i) => (l.leaf ? i : -1)).filter((i) => i >= 0);
  const attributeSets = [
    0,
    PteAttr.Accessed,
    PteAttr.Dirty,
    PteAttr.Accessed | PteAttr.Dirty,
  ].flatMap((a) => (format.contiguousEntries > 0 ? [a, a | PteAttr.Contiguous] : [a]));

  describe(`${target.name} page tables (${format.name})`, () => {
    it('has a consistent shape', () => {
      expect(format.levels.length).toBeGreaterThan(0);
      expect(format.levels[format.levels.length - 1].leaf).toBe(true);
      for (let i = 1; i < format.levels.length; i++) {
        expect(format.levels[i - 1].shift).toBe(format.levels[i].shift + format.levels[i].bits);
      }
      expect(format.levels[0].shift + format.levels[0].bits).toBe(format.vaBits);
      expect(format.levels[format.levels.length - 1].shift).toBe(12);
    });

    it('round-trips every expressible leaf at every level', () => {
      let checked = 0;
      for (const level of leafLevels) {
        for (const pa of samplePas(levelSize(format, level))) {
          for (const prot of ALL_PROTS) {
            if (!format.canExpress(prot) || !(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
              continue;
            for (const attributes of attributeSets) {
              const entry = format.encodeLeaf(pa, prot, level, attributes);
              expect(
                decodePte(format, entry, level),
                `level ${level} pa 0x${pa.toString(16)} prot ${prot}`,
              ).toEqual({
                kind: 'leaf',
                pa,
                prot,
                attributes,
              });
              checked++;
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(0);
    });

    it('round-trips table entries and reads a zero entry as invalid', () => {
      for (let level = 0; level < format.levels.length; level++) {
        expect(decodePte(format, 0n, level)).toEqual({ kind: 'invalid' });
        if (level === format.levels.length - 1) continue;
        for (const pa of samplePas(4096)) {
          expect(decodePte(format, format.encodeTable(pa), level)).toEqual({ kind: 'table', pa });
        }
      }
    });

    it('keeps the protection bits independent', () => {
      // Flipping one protection flag changes the encoding, and only that flag decodes differently.
      const level = leafLevels[leafLevels.length - 1];
      for (const prot of ALL_PROTS) {
        if (!format.canExpress(prot) || !(prot & PROT_READ)) continue;
        for (const flag of [PROT_WRITE, PROT_EXEC, PROT_USER, PROT_GLOBAL]) {
          const other = prot ^ flag;
          if (!format.canExpress(other)) continue;
          const [lo, hi] = pteHalves(format.encodeLeaf(0x5000, other, level, PteAttr.Accessed));
          expect(format.prot(lo, hi, level) ^ prot).toBe(flag);
        }
      }
    });

    it('has a valid layout for its address width', () => {
      validateLayout(layout);
      expect(layout.vaBits).toBe(format.vaBits);
      for (const name of ['directMap', 'vmalloc', 'modules', 'kernelText'])
        expect(findRegion(layout, name)).toBeDefined();
    });

    const machine = () => {
      const memory = createPhysicalMemory({ size: 2 * 2 ** 30 });
      const counters = createCounters();
      const kernel = createAddressSpace({ memory, format, counters, name: 'kernel' });
      return { memory, counters, kernel };
    };

    // Leaves up to 1 GiB: larger ones (Sv48 terapages) exceed the small machine's memory.
    const testedLevels = leafLevels.filter((l) => levelSize(format, l) <= 2 ** 30);
    it.each(testedLevels.map((l) => [format.levels[l].name, l]))(
      'maps, walks, splits and collapses %s leaves',
      (_n, level) => {
        const { kernel, counters } = machine();
        const size = BigInt(levelSize(format, level));
        const vmalloc = findRegion(layout, 'vmalloc');
        const va = ((vmalloc.start + size - 1n) / size) * size;
        kernel.map(va, size, size, PROT_READ | PROT_WRITE | PROT_GLOBAL, {
          pageSize: Number(size),
        });
        expect(kernel.translate(va + 0x123n)).toMatchObject({ pa: size + 0x123n, size, level });
        if (size > 4096n) {
          kernel.protect(va + size / 2n, 4096n, PROT_READ | PROT_GLOBAL);
          expect(kernel.translate(va + size / 2n)).toMatchObject({
            size: 4096n,
            prot: PROT_READ | PROT_GLOBAL,
          });
          expect(counters.get('largePageSplits')).toBeGreaterThan(0);
          kernel.protect(va + size / 2n, 4096n, PROT_READ | PROT_WRITE | PROT_GLOBAL);
          expect(kernel.translate(va)).toMatchObject({ size, level });
          expect(counters.get('largePageCollapses')).toBe(counters.get('largePageSplits'));
        }
        kernel.unmap(va, size);
        expect(kernel.translate(va)).toBeUndefined();
        expect(counters.get('pageTablePages')).toBe(1);
      },
    );

    it('translates exactly its canonical addresses, up to each edge', () => {
      const { kernel } = machine();
      const halves = format.halves ?? 'both';
      const half = 1n << BigInt(halves === 'upper' ? format.vaBits : format.vaBits - 1);
      // The ranges as 64-bit integers, independently of the engine's encoding.
      const ranges =
        halves === 'upper'
          ? [[-half, 0n]]
          : [
              [0n, half],
              [-half, 0n],
            ];
      for (const [start, end] of ranges) {
        for (const va of [start, end - 4096n].map((a) => BigInt.asUintN(64, a))) {
          kernel.map(va, 0x1000n, 0x1000n, PROT_READ | PROT_GLOBAL);
          expect(kernel.translate(va + 0xfffn)?.pa, `0x${va.toString(16)}`).toBe(0x1fffn);
          kernel.unmap(va, 0x1000n);
        }
        for (const va of [start - 4096n, end].map((a) => BigInt.asUintN(64, a))) {
          if (ranges.some(([s, e]) => BigInt.asIntN(64, va) >= s && BigInt.asIntN(64, va) < e))
            continue;
          const top = va >> 48n;
          if (top !== 0n && top !== 0xffffn) continue;
          expect(kernel.translate(va), `0x${va.toString(16)}`).toBeUndefined();
          expect(() => kernel.map(va, 0x1000n, 0x1000n, PROT_READ)).toThrow(
            /outside the canonical/,
          );
        }
      }
    });

    it('rejects exactly the protections the format cannot express', () => {
      const { kernel } = machine();
      const va = findRegion(layout, 'vmalloc').start;
      for (const prot of ALL_PROTS) {
        const expressible =
          format.canExpress(prot) && (prot & (PROT_READ | PROT_WRITE | PROT_EXEC)) !== 0;
        try {
          kernel.map(va, 0n, 4096n, prot);
          expect(expressible, `prot ${prot}`).toBe(true);
          kernel.unmap(va, 4096n);
        } catch (e) {
          expect(isExecmemError(e, 'EINVAL'), String(e)).toBe(true);
          expect(expressible, `prot ${prot}`).toBe(false);
        }
      }
    });

    it('passes the W^X audit only when code is not writable through any alias', () => {
      const { kernel, memory } = machine();
      const dm = mapDirectMap(kernel, findRegion(layout, 'directMap').start);
      const auditor = createWxAuditor([kernel]);
      expect(auditor.audit().ok).toBe(true);
      const text = findRegion(layout, 'modules').start;
      kernel.map(text, 0x200000n, 0x2000n, PROT_READ | PROT_EXEC | PROT_GLOBAL);
      const aliased = auditor.audit();
      expect(aliased.aliasWx).toHaveLength(1);
      expect(aliased.aliasWx[0]).toMatchObject({ pa: 0x200000n, size: 0x2000n });
      dm.setProt(0x200000n, 0x2000n, PROT_READ | PROT_GLOBAL);
      expect(auditor.audit().ok).toBe(true);
      kernel.map(text + 0x10000n, 0x300000n, 0x1000n, PROT_READ | PROT_WRITE | PROT_EXEC);
      expect(auditor.audit().wx).toHaveLength(1);
      expect(memory.freeFrameCount).toBeLessThan(memory.frameCount);
    });
  });
}
