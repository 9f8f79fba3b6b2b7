import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Chooser, replayChooser, seededChooser } from './chooser';
import { explore } from './explorer';
import { createMachine, exploreMachine, type Machine } from './machine';
import { PROT_READ, PROT_RWX, PROT_WRITE } from './pageTableFormat';
import { PSO, SC, type StorageConfig, TSO } from './storageModel';
import { toyArch } from './toy/toyArch';
import { toyIsa } from './toy/toyIsa';
import { setNumber, toBigint } from './word64';

/**
 * Random small litmus programs (2–3 CPUs, one or two accesses or fences
 * each, two shared words; registers preset so each operation is one
 * instruction and plain enumeration stays small) checked for the properties that make one model serve
 * both simulation and model checking: pruning by state hash finds exactly
 * the outcomes of plain enumeration; every witness replays to its outcome;
 * every seeded simulation ends in an explored outcome; and the models nest
 * (SC ⊆ TSO ⊆ PSO).
 */
const RUNS = Number(process.env.EXECMEM_EXPLORE_RUNS ?? 15);
const CODE = 0x10000n;

type Op = { st: 0 | 1; v: number } | { ld: 0 | 1 } | { fence: 15 | 8 };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ st: fc.constantFrom<0 | 1>(0, 1), v: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 4, arbitrary: fc.record({ ld: fc.constantFrom<0 | 1>(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ fence: fc.constantFrom<15 | 8>(15, 8) }) },
);
const threadArb = fc.array(opArb, { minLength: 1, maxLength: 2 });

/** Thread source: r2 holds the data page and r6–r8 the values 1–3; loads go to r3, r4 in order. */
function source(ops: Op[]): string {
  let load = 3;
  const lines = ops.map((op) => {
    if ('st' in op) return `sw r${5 + op.v}, ${4 * op.st}(r2)`;
    if ('ld' in op) return `lw r${load++}, ${4 * op.ld}(r2)`;
    return `fence ${op.fence}`;
  });
  return [...lines, 'halt'].join('\n');
}

function build(threads: Op[][], storage: StorageConfig, chooser: Chooser): Machine {
  const m = createMachine({
    arch: toyArch(),
    cpus: threads.length,
    storage,
    chooser,
    memory: 1 << 22,
  });
  m.mapNew(CODE, 4096, PROT_RWX);
  m.mapNew(0x20000n, 4096, PROT_READ | PROT_WRITE);
  threads.forEach((ops, i) => {
    const origin = CODE + BigInt(0x100 * i);
    m.load(origin, toyIsa.assemble(source(ops), { origin }).bytes);
    const regs = m.cpus[i].state.regs;
    setNumber(regs, 4, 0x20000);
    for (let v = 1; v <= 3; v++) setNumber(regs, 2 * (5 + v), v);
    m.start(i, origin);
  });
  return m;
}

function outcome(m: Machine): string {
  const regs = m.cpus.map((c) => [3, 4].map((r) => toBigint(c.state.regs, 2 * r)).join(','));
  const mem = [...m.read(0x20000n, 8)].join(',');
  return `${regs.join(' ')} | ${mem}`;
}

const outcomesOf = (r: { outcomes: ReadonlyMap<string, { outcome: string }> }) =>
  new Set([...r.outcomes.values()].map((o) => o.outcome));

describe('exploring random litmus programs', () => {
  it('pruning by state hash finds exactly the outcomes of plain enumeration', () => {
    fc.assert(
      fc.property(fc.array(threadArb, { minLength: 2, maxLength: 2 }), (threads) => {
        for (const storage of [SC, TSO, PSO]) {
          const hashed = exploreMachine((c) => build(threads, storage, c), outcome);
          const plain = explore({
            start: (c: Chooser) => build(threads, storage, c),
            finish(m) {
              m.run();
              return outcome(m);
            },
          });
          expect(hashed.complete && plain.complete).toBe(true);
          expect(outcomesOf(hashed)).toEqual(outcomesOf(plain));
          expect(hashed.executions).toBeLessThanOrEqual(plain.executions);
        }
      }),
      { numRuns: RUNS, seed: 20261124 },
    );
  });

  it('witnesses replay, simulations stay inside the explored outcomes, and SC ⊆ TSO ⊆ PSO', () => {
    fc.assert(
      fc.property(
        fc.array(threadArb, { minLength: 2, maxLength: 3 }),
        fc.nat(),
        (threads, seed) => {
          const found: Set<string>[] = [];
          for (const storage of [SC, TSO, PSO]) {
            const hashed = exploreMachine((c) => build(threads, storage, c), outcome);
            expect(hashed.complete).toBe(true);
            const set = outcomesOf(hashed);
            for (const { outcome: o, witness } of hashed.outcomes.values()) {
              const m = build(threads, storage, replayChooser(witness));
              m.run();
              expect(outcome(m)).toBe(o);
            }
            for (let s = 0; s < 5; s++) {
              const m = build(threads, storage, seededChooser(seed + s));
              m.run();
              expect(set.has(outcome(m))).toBe(true);
            }
            found.push(set);
          }
          const [sc, tso, pso] = found;
          for (const o of sc) expect(tso.has(o)).toBe(true);
          for (const o of tso) expect(pso.has(o)).toBe(true);
        },
      ),
      { numRuns: RUNS, seed: 20261124 },
    );
  });
});
