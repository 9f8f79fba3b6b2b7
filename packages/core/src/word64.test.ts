import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as w from './word64';

const M = (1n << 64n) - 1n;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const u64 = (v: bigint) => BigInt.asUintN(64, v);

/** Values that stress carries and signs: random 64-bit plus the edges. */
const arb = fc.oneof(
  fc.bigInt({ min: 0n, max: M }),
  fc.constantFrom(0n, 1n, M, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 1n << 32n, 0x1fffffn),
);

function load(...vs: bigint[]): Uint32Array {
  const r = new Uint32Array(2 * vs.length + 2);
  for (const [i, v] of vs.entries()) w.fromBigint(r, 2 * i, v);
  return r;
}

type Binary = (
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
) => unknown;

const binary: [string, Binary, (a: bigint, b: bigint) => bigint, boolean][] = [
  ['add64', w.add64, (a, b) => a + b, false],
  ['sub64', w.sub64, (a, b) => a - b, false],
  ['mul64', w.mul64, (a, b) => a * b, false],
  ['mulhu64', w.mulhu64, (a, b) => (a * b) >> 64n, false],
  ['mulhs64', w.mulhs64, (a, b) => (s64(a) * s64(b)) >> 64n, false],
  ['mulhsu64', w.mulhsu64, (a, b) => (s64(a) * b) >> 64n, false],
  ['divu64', w.divu64, (a, b) => a / b, true],
  ['remu64', w.remu64, (a, b) => a % b, true],
  ['divs64', w.divs64, (a, b) => s64(a) / s64(b), true],
  ['rems64', w.rems64, (a, b) => s64(a) % s64(b), true],
];

describe('word64 agrees with bigint arithmetic', () => {
  for (const [name, fn, ref, nonZero] of binary) {
    it(name, () => {
      fc.assert(
        fc.property(arb, arb, (a, b) => {
          if (nonZero && b === 0n) return;
          const r = load(a, b);
          fn(r, 4, r, 0, r, 2);
          expect(w.toBigint(r, 4)).toBe(u64(ref(a, b)));
          fn(r, 0, r, 0, r, 2); // destination aliases the first operand
          expect(w.toBigint(r, 0)).toBe(u64(ref(a, b)));
        }),
        { numRuns: 2000 },
      );
    });
  }

  it('carry and borrow', () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const r = load(a, b);
        expect(w.add64(r, 4, r, 0, r, 2)).toBe(a + b > M ? 1 : 0);
        expect(w.sub64(r, 4, r, 0, r, 2)).toBe(a < b ? 1 : 0);
      }),
    );
  });

  it('shifts and rotates', () => {
    fc.assert(
      fc.property(arb, fc.integer({ min: 0, max: 63 }), (a, n) => {
        const r = load(a);
        const N = BigInt(n);
        w.shl64(r, 2, r, 0, n);
        expect(w.toBigint(r, 2)).toBe(u64(a << N));
        w.shr64(r, 2, r, 0, n);
        expect(w.toBigint(r, 2)).toBe(a >> N);
        w.sar64(r, 2, r, 0, n);
        expect(w.toBigint(r, 2)).toBe(u64(s64(a) >> N));
        w.rol64(r, 2, r, 0, n);
        expect(w.toBigint(r, 2)).toBe(u64((a << N) | (a >> ((64n - N) % 64n))));
        w.ror64(r, 2, r, 0, n);
        expect(w.toBigint(r, 2)).toBe(u64((a >> N) | (a << ((64n - N) % 64n))));
      }),
      { numRuns: 2000 },
    );
  });

  it('extension, negation, comparison, byte swap', () => {
    fc.assert(
      fc.property(arb, arb, fc.integer({ min: 1, max: 64 }), (a, b, bits) => {
        const r = load(a, b);
        const B = BigInt(bits);
        w.sext64(r, 4, r, 0, bits);
        expect(w.toBigint(r, 4)).toBe(u64(BigInt.asIntN(bits, a)));
        w.zext64(r, 4, r, 0, bits);
        expect(w.toBigint(r, 4)).toBe(a & ((1n << B) - 1n));
        w.neg64(r, 4, r, 0);
        expect(w.toBigint(r, 4)).toBe(u64(-a));
        expect(w.ltu64(r, 0, r, 2)).toBe(a < b);
        expect(w.lts64(r, 0, r, 2)).toBe(s64(a) < s64(b));
        expect(w.eq64(r, 0, r, 2)).toBe(a === b);
        expect(w.isZero64(r, 0)).toBe(a === 0n);
        w.bswap64(r, 4, r, 0);
        const bytes = a.toString(16).padStart(16, '0').match(/../g)!.reverse().join('');
        expect(w.toBigint(r, 4)).toBe(BigInt(`0x${bytes}`));
      }),
      { numRuns: 2000 },
    );
  });

  it('setInt and setNumber', () => {
    const r = new Uint32Array(2);
    w.setInt(r, 0, -5);
    expect(w.toBigint(r, 0)).toBe(u64(-5n));
    w.setNumber(r, 0, 2 ** 52 + 3);
    expect(w.toBigint(r, 0)).toBe(2n ** 52n + 3n);
    w.setNumber(r, 0, -(2 ** 40));
    expect(w.toBigint(r, 0)).toBe(u64(-(2n ** 40n)));
  });
});
