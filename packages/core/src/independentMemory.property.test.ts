import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMachine, exploreMachine } from './machine';
import { PROT_READ, PROT_RWX, PROT_WRITE } from './pageTableFormat';
import { PSO, RELAXED, SC, type StorageConfig, TSO } from './storageModel';
import { toyArch } from './toy/toyArch';
import { toyIsa } from './toy/toyIsa';
import { setInt, toBigint } from './word64';

/**
 * Random programs mixing shared accesses, accesses to each thread's
 * private slot, register arithmetic and fences, explored exhaustively with
 * and without the independence declarations: the outcomes must be the
 * same under every storage model, and the declarations may only shrink
 * the search.
 */

type Op =
  | { readonly kind: 'st' | 'ld'; readonly loc: number }
  | { readonly kind: 'pst' | 'pld' | 'alu' }
  | { readonly kind: 'fence'; readonly order: number };

const CODE = 0x10000n;
const DATA = 0x20000;
const PRIVATE = DATA + 0x100;
const LOCS = 2;
/** Loads write r1..r4; stores take their value from r5; r9 is scratch; locations sit in r10.., the private slot in r13. */
const STORE_REG = 5;
const LOC_REG = 10;
const PRIVATE_REG = 13;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('st' as const), loc: fc.nat(LOCS - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ld' as const), loc: fc.nat(LOCS - 1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('pst' as const, 'pld' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('alu' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('fence' as const), order: fc.constantFrom(8, 15) }),
  },
);
const programArb = fc
  .array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 3 })
  .filter((p) => p.flat().length <= 7 && p.flat().filter((o) => o.kind === 'ld').length <= 4);

/** Toy source per thread; every store writes a value of its own (thread, position). */
function sources(program: readonly (readonly Op[])[]): string[] {
  return program.map((ops, thread) => {
    let loads = 0;
    const lines = ops.flatMap((op, pos): string[] => {
      const value = `li r${STORE_REG}, ${16 * (thread + 1) + pos}`;
      switch (op.kind) {
        case 'st':
          return [value, `sw r${STORE_REG}, 0(r${LOC_REG + op.loc})`];
        case 'ld':
          return [`lw r${1 + loads++}, 0(r${LOC_REG + op.loc})`];
        case 'pst':
          return [value, `sw r${STORE_REG}, 0(r${PRIVATE_REG})`];
        case 'pld':
          // The private value feeds the next store's value register: a data dependency through it.
          return [`lw r9, 0(r${PRIVATE_REG})`, `add r${STORE_REG}, r${STORE_REG}, r9`];
        case 'alu':
          return ['addi r9, r9, 3'];
        default:
          return [`fence ${op.order}`];
      }
    });
    return `${lines.join('\n')}\nhalt`;
  });
}

function exploreProgram(
  program: readonly (readonly Op[])[],
  storage: StorageConfig,
  declare: boolean,
) {
  const src = sources(program);
  const arch = toyArch({ storage });
  const origins = src.map((_, i) => CODE + BigInt(0x100 * i));
  const images = src.map((s, i) => toyIsa.assemble(s, { origin: origins[i] }).bytes);
  return exploreMachine(
    (chooser) => {
      const m = createMachine({ arch, cpus: src.length, memory: 1 << 22, chooser });
      m.mapNew(CODE, 4096, PROT_RWX);
      m.mapNew(BigInt(DATA), 4096, PROT_READ | PROT_WRITE);
      origins.forEach((origin, i) => {
        m.load(origin, images[i]);
        for (let l = 0; l < LOCS; l++)
          setInt(m.cpus[i].state.regs, 2 * (LOC_REG + l), DATA + 8 * l);
        setInt(m.cpus[i].state.regs, 2 * PRIVATE_REG, PRIVATE + 8 * i);
        m.start(i, origin);
      });
      if (declare) {
        m.declareIndependent([
          { va: CODE, size: 4096, owner: 'readOnly' },
          ...src.map((_, i) => ({ va: BigInt(PRIVATE + 8 * i), size: 8, owner: i })),
        ]);
      }
      return m;
    },
    (m) => {
      const regs = m.cpus.map((c) =>
        [1, 2, 3, 4, 9].map((r) => toBigint(c.state.regs, 2 * r).toString()).join(','),
      );
      const words = Array.from({ length: LOCS + src.length }, (_, k) => {
        const b = m.read(BigInt(k < LOCS ? DATA + 8 * k : PRIVATE + 8 * (k - LOCS)), 4);
        return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
      });
      return `${regs.join(' ')} | ${words.join(',')}`;
    },
  );
}

describe('independence declarations preserve every outcome', () => {
  for (const storage of [SC, TSO, PSO, RELAXED]) {
    it(`under ${storage.name}`, () => {
      let with_ = 0;
      let without = 0;
      fc.assert(
        fc.property(programArb, (program) => {
          const plain = exploreProgram(program, storage, false);
          const reduced = exploreProgram(program, storage, true);
          expect(plain.complete && reduced.complete).toBe(true);
          expect([...reduced.outcomes.keys()].sort()).toEqual([...plain.outcomes.keys()].sort());
          expect(reduced.states).toBeLessThanOrEqual(plain.states);
          with_ += reduced.states;
          without += plain.states;
        }),
        { seed: 20261125, numRuns: 20 },
      );
      // Not vacuous: the declarations merged steps.
      expect(with_).toBeLessThan(without);
    });
  }
});
