import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VA_BITS, vaFromBigint, vaFromWords, vaHi, vaLo, vaToBigint, vaWrap } from './address';
import { isExecmemError } from './errors';
import type { PageTableFormat } from './pageTableFormat';
import { isCanonicalFor } from './pageTableWalk';
import { toyPageTableFormat } from './toy/toyPageTable';

/** The canonical forms of the arches: `vaBits` and the halves one root covers. */
const FORMS = [
  { name: 'x86-64 4-level', vaBits: 48, halves: 'both' },
  { name: 'Sv39', vaBits: 39, halves: 'both' },
  { name: 'Sv48', vaBits: 48, halves: 'both' },
  { name: 'arm64 TTBR1 48-bit', vaBits: 48, halves: 'upper' },
] as const;

/** The same rule as 64-bit integer arithmetic, independent of the engine's encoding. */
function canonical(a: bigint, vaBits: number, halves: 'both' | 'upper'): boolean {
  if (halves === 'upper') return a >> BigInt(vaBits) === (1n << BigInt(64 - vaBits)) - 1n;
  const top = a >> BigInt(vaBits - 1);
  return top === 0n || top === (1n << BigInt(65 - vaBits)) - 1n;
}

const word64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
/** Mostly representable addresses (either half), some with mixed bits 63:48. */
const anyAddress = fc.oneof(
  word64,
  fc.bigInt({ min: 0n, max: (1n << 48n) - 1n }),
  fc.bigInt({ min: 0xffffn << 48n, max: (1n << 64n) - 1n }),
);

describe('engine addresses', () => {
  it('round-trip addresses of both halves, including the arm64 linear map', () => {
    for (const a of [
      0n,
      0x400000n,
      0x7fffffffffffn,
      0xffffffffffffn,
      0xffff000000001000n,
      0xffff7fffffffffffn,
      0xffff800000000000n,
      0xffff888000000000n,
      0xffffffffa0000000n,
      0xffffffffffffffffn,
    ]) {
      const va = vaFromBigint(a);
      expect(va).toBeLessThan(2 ** VA_BITS);
      expect(vaToBigint(va)).toBe(a);
      expect(vaFromWords(vaLo(va), vaHi(va))).toBe(va);
    }
    expect(vaFromBigint(0xffff000000001000n)).toBe(2 ** 48 + 0x1000);
    expect(vaFromBigint(-1n)).toBe(2 ** 49 - 1);
  });

  it('rejects addresses with mixed bits 63:48 with EINVAL naming the value', () => {
    expect(() => vaFromBigint(0x0001000000000000n)).toThrow(/0x1000000000000/);
    for (const a of [0x1234000000000000n, 0xfffe800000000000n, 0x8000000000000000n]) {
      try {
        vaFromBigint(a);
        expect.unreachable(`0x${a.toString(16)} was accepted`);
      } catch (e) {
        expect(isExecmemError(e, 'EINVAL')).toBe(true);
      }
    }
    expect(vaFromWords(0, 0x00010000)).toBe(-1);
    expect(vaFromWords(0, 0xfffe8000)).toBe(-1);
  });

  it('round-trips every representable address through bigint and register halves', () => {
    fc.assert(
      fc.property(anyAddress, (a) => {
        const hi = Number(a >> 32n);
        const lo = Number(a & 0xffffffffn);
        const top = a >> 48n;
        if (top !== 0n && top !== 0xffffn) {
          expect(vaFromWords(lo, hi)).toBe(-1);
          expect(() => vaFromBigint(a)).toThrow(/not canonical for any format/);
          return;
        }
        const va = vaFromBigint(a);
        expect(vaToBigint(va)).toBe(a);
        expect(vaFromWords(lo, hi)).toBe(va);
        expect(vaLo(va)).toBe(lo);
        expect(vaHi(va)).toBe(hi);
      }),
      { seed: 0x49, numRuns: 2000 },
    );
  });

  describe.each(FORMS)('canonical addresses of $name', ({ vaBits, halves }) => {
    const format: PageTableFormat = { ...toyPageTableFormat, vaBits, halves };
    const half = 1n << BigInt(halves === 'upper' ? vaBits : vaBits - 1);
    const inRange = fc
      .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: half - 1n }))
      .map(([upper, offset]) =>
        upper || halves === 'upper' ? (1n << 64n) - half + offset : offset,
      );

    it('round-trips and are accepted by the walk', () => {
      fc.assert(
        fc.property(inRange, (a) => {
          const va = vaFromBigint(a);
          expect(vaToBigint(va)).toBe(a);
          expect(isCanonicalFor(format, va)).toBe(true);
        }),
        { seed: vaBits, numRuns: 1000 },
      );
    });

    it('agree with the 64-bit rule on any representable address', () => {
      // Addresses near the half boundaries, where the rules differ, plus uniform ones.
      const edges = fc
        .tuple(
          fc.constantFrom(0n, half, 1n << 47n, 1n << 48n, (1n << 64n) - half),
          fc.bigInt({ min: -4096n, max: 4096n }),
        )
        .map(([base, delta]) => BigInt.asUintN(64, base + delta));
      fc.assert(
        fc.property(fc.oneof(anyAddress, edges), (a) => {
          const top = a >> 48n;
          if (top !== 0n && top !== 0xffffn) return;
          expect(isCanonicalFor(format, vaFromBigint(a))).toBe(canonical(a, vaBits, halves));
        }),
        { seed: vaBits + 1, numRuns: 2000 },
      );
    });
  });

  it('wraps address arithmetic like 64-bit addition within each half', () => {
    expect(vaWrap(-1)).toBe(2 ** 49 - 1);
    expect(vaToBigint(vaWrap(vaFromBigint(0xfffffffffffffffcn) + 8))).toBe(4n);
    expect(vaToBigint(vaWrap(vaFromBigint(0xffff000000001000n) - 0x1000))).toBe(
      0xffff000000000000n,
    );
    expect(vaToBigint(vaWrap(vaFromBigint(0xffff7ffffffffff0n) + 0x20))).toBe(0xffff800000000010n);
  });
});
