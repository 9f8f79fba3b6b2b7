import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventSet, Relation } from './relation';

/** Reference definitions on pair sets. */
function pairs(r: Relation): Set<string> {
  return new Set(r.pairs().map(([i, j]) => `${i},${j}`));
}

const arbRelation = fc
  .integer({ min: 1, max: 40 })
  .chain((n) =>
    fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 80 }).map((ps) => ({ n, ps })),
  );

function build({ n, ps }: { n: number; ps: [number, number][] }): Relation {
  const r = new Relation(n);
  for (const [i, j] of ps) r.add(i, j);
  return r;
}

describe('Relation', () => {
  it('composes, inverts and closes like the set definitions', () => {
    fc.assert(
      fc.property(arbRelation, arbRelation, (a0, b0) => {
        const n = Math.max(a0.n, b0.n);
        const a = build({ n, ps: a0.ps });
        const b = build({ n, ps: b0.ps });
        const seq = new Set<string>();
        for (const [i, j] of a.pairs())
          for (const [k, l] of b.pairs()) if (j === k) seq.add(`${i},${l}`);
        expect(pairs(a.seq(b))).toEqual(seq);
        expect(pairs(a.inverse())).toEqual(new Set(a.pairs().map(([i, j]) => `${j},${i}`)));
        let closure = a.clone();
        for (let k = 0; k < n; k++) closure = closure.clone().unionWith(closure.seq(a));
        expect(pairs(a.closure())).toEqual(pairs(closure));
        expect(a.acyclic()).toBe(a.closure().irreflexive());
      }),
      { numRuns: 150, seed: 8 },
    );
  });

  it('restricts domain and range', () => {
    const r = Relation.from(40, (i, j) => i < j);
    const even = eventSet(40, (i) => i % 2 === 0);
    const odd = eventSet(40, (i) => i % 2 === 1);
    expect(
      r
        .restrict(even, odd)
        .pairs()
        .every(([i, j]) => i % 2 === 0 && j % 2 === 1 && i < j),
    ).toBe(true);
    expect(r.restrict(even, odd).pairs()).toHaveLength(210);
    expect(r.acyclic()).toBe(true);
    expect(r.clone().add(39, 0).acyclic()).toBe(false);
  });
});
