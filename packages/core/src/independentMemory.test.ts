import { describe, expect, it } from 'vitest';
import { type Chooser, seededChooser } from './chooser';
import { isExecmemError } from './errors';
import { explore } from './explorer';
import { coherentFetchRules, staleUntilSyncFetchRules } from './fetchRules';
import type { IndependentRange } from './independentMemory';
import { createMachine, exploreMachine, type Machine } from './machine';
import { PROT_READ, PROT_RWX, PROT_WRITE } from './pageTableFormat';
import { TSO } from './storageModel';
import { toyArch } from './toy/toyArch';
import { toyIsa } from './toy/toyIsa';
import { toBigint } from './word64';

const CODE = 0x10000n;
const DATA = 0x20000n;
const CODE_RO: IndependentRange = { va: CODE, size: 4096, owner: 'readOnly' };

/** A TSO toy machine with thread i at CODE + 0x100·i and a data page at DATA. */
function machine(
  threads: readonly string[],
  chooser: Chooser = seededChooser(1),
  rules = staleUntilSyncFetchRules({ fetchBlock: 4, icacheLine: 16, dcacheLine: 16 }),
): Machine {
  const m = createMachine({
    arch: toyArch({ fetchRules: rules }),
    cpus: threads.length,
    storage: TSO,
    memory: 1 << 22,
    chooser,
  });
  m.mapNew(CODE, 4096, PROT_RWX);
  m.mapNew(DATA, 4096, PROT_READ | PROT_WRITE);
  threads.forEach((src, i) => {
    const origin = CODE + BigInt(0x100 * i);
    m.load(origin, toyIsa.assemble(src, { origin }).bytes);
    m.start(i, origin);
  });
  return m;
}

const reg = (m: Machine, cpu: number, r: number) => toBigint(m.cpus[cpu].state.regs, 2 * r);
const word = (m: Machine, va: bigint) => new DataView(m.read(va, 8).buffer).getBigUint64(0, true);

const code = (err: unknown) => (isExecmemError(err) ? err.code : String(err));
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('independent memory: the scheduler runs independent steps on', () => {
  const straight = (k: number) =>
    `${Array.from({ length: k }, (_, i) => `li r${1 + i}, ${i}`).join('\n')}\nhalt`;

  it('register-only code from read-only memory runs as one block per CPU', () => {
    const threads = [straight(4), straight(5)];
    const count = (declare: boolean) =>
      explore({
        start: (c: Chooser) => {
          const m = machine(threads, c);
          if (declare) m.declareIndependent([CODE_RO]);
          return m;
        },
        finish: (m) => {
          m.run();
          return `${reg(m, 0, 4)},${reg(m, 1, 5)}`;
        },
      });
    // Without the declaration every step is a decision: C(5 + 6, 5) interleavings.
    expect(count(false).executions).toBe(462);
    // With it each CPU makes two: its first fetch misses the TLB (a page-table
    // walk is shared), then the rest of its program is one block: C(2 + 2, 2).
    const merged = count(true);
    expect(merged.executions).toBe(6);
    expect([...merged.outcomes.keys()]).toEqual([...count(false).outcomes.keys()]);
  });

  it('private stores skip the store buffer; shared ones still wait in it', () => {
    const m = machine(['lui r2, 2\nli r1, 7\nsw r1, 8(r2)\nsw r1, 0(r2)\nhalt']);
    m.declareIndependent([CODE_RO, { va: DATA + 8n, size: 8, owner: 0 }]);
    for (let i = 0; i < 4; i++) m.cpus[0].step();
    expect(word(m, DATA + 8n)).toBe(7n);
    expect(word(m, DATA)).toBe(0n);
    expect(m.storage.hasBuffered(0)).toBe(true);
  });

  it('cross-modified code stays a decision at every fetch: the outcomes are the ones without declarations', () => {
    const reader = 'lui r4, 2\nlw r6, 0(r4)\ntarget: li r3, 1\nhalt';
    const target = 0x100 + toyIsa.assemble(reader).labels.get('target')!;
    const writer = `lui r2, 1\nlui r1, 2\naddi r1, r1, 0x3001\nsw r1, ${target}(r2)\nlui r4, 2\nli r5, 1\nsw r5, 16(r4)\nsw r5, 0(r4)\nhalt`;
    const outcomes = (declare: boolean) =>
      exploreMachine(
        (c) => {
          const m = machine([writer, reader], c);
          if (declare) m.declareIndependent([{ va: DATA + 16n, size: 8, owner: 0 }]);
          return m;
        },
        (m) => `${reg(m, 1, 6)},${reg(m, 1, 3)}`,
      );
    const plain = outcomes(false);
    const merged = outcomes(true);
    expect([...merged.outcomes.keys()].sort()).toEqual([...plain.outcomes.keys()].sort());
    // The stale fetch after seeing the flag is among them.
    expect(merged.outcomes.has(JSON.stringify('1,1'))).toBe(true);
    expect(merged.states).toBeLessThan(plain.states);
  });

  it('a fetch of code another CPU writes is shared: it stays ordered against the writer', () => {
    // Coherent fetch: the reader runs the old `li` only before the code write,
    // so reading the flag set after that write needs a decision between them.
    // (The first instruction takes the TLB miss, which is shared in any case.)
    const reader = 'li r9, 0\ntarget: li r3, 1\nlui r4, 2\nlw r6, 0(r4)\nhalt';
    const writer = `lui r2, 1\nlui r1, 2\naddi r1, r1, 0x3001\nsw r1, 0x104(r2)\nlui r4, 2\nli r5, 1\nsw r5, 0(r4)\nhalt`;
    const seen = exploreMachine(
      (c) => {
        const m = machine([writer, reader], c, coherentFetchRules());
        m.declareIndependent([{ va: DATA + 16n, size: 8, owner: 0 }]);
        return m;
      },
      (m) => `${reg(m, 1, 3)},${reg(m, 1, 6)}`,
    );
    expect([...seen.outcomes.values()].map((o) => o.outcome).sort()).toEqual([
      '1,0',
      '1,1',
      '2,0',
      '2,1',
    ]);
  });
});

describe('independent memory: declarations are checked', () => {
  it('a CPU touching memory private to another is EPERM, and nothing is written', () => {
    const m = machine(['halt', 'lui r2, 2\nli r1, 5\nsw r1, 0(r2)\nhalt']);
    m.declareIndependent([{ va: DATA, size: 8, owner: 0 }]);
    for (let i = 0; i < 2; i++) m.cpus[1].step();
    const e = thrown(() => m.cpus[1].step());
    expect(code(e)).toBe('EPERM');
    expect(String(e)).toMatch(/CPU 1 accesses memory private to CPU 0 at PA 0x/);
    expect(m.storage.hasBuffered(1)).toBe(false);
    expect(word(m, DATA)).toBe(0n);
    const load = machine(['halt', 'lui r2, 2\nlw r1, 0(r2)\nhalt']);
    load.declareIndependent([{ va: DATA, size: 8, owner: 0 }]);
    expect(code(thrown(() => load.run()))).toBe('EPERM');
  });

  it('writing read-only memory is EPERM, by a CPU or by a poke, and nothing is written', () => {
    const m = machine(['lui r2, 1\nli r1, 5\nsw r1, 0x80(r2)\nhalt']);
    m.declareIndependent([CODE_RO]);
    const before = m.read(CODE + 0x80n, 8);
    const e = thrown(() => m.run());
    expect(code(e)).toBe('EPERM');
    expect(String(e)).toMatch(/CPU 0 writes read-only independent memory at PA 0x/);
    expect(m.read(CODE + 0x80n, 8)).toEqual(before);
    expect(code(thrown(() => m.poke(0, CODE + 0x84n, new Uint8Array([1]))))).toBe('EPERM');
    expect(m.read(CODE + 0x80n, 8)).toEqual(before);
  });

  it('bad declarations are EINVAL or EFAULT naming the range, and declare nothing', () => {
    const m = machine(['halt', 'halt']);
    const cases: [IndependentRange[], string, RegExp][] = [
      [[{ va: DATA + 4n, size: 8, owner: 0 }], 'EINVAL', /0x20004\+8 is not a positive multiple/],
      [[{ va: DATA, size: 12, owner: 0 }], 'EINVAL', /0x20000\+12/],
      [[{ va: DATA, size: 8, owner: 2 }], 'EINVAL', /CPU 2 does not exist/],
      [[{ va: 0x30000n, size: 8, owner: 0 }], 'EFAULT', /0x30000 is not mapped/],
      [
        [
          { va: DATA + 64n, size: 8, owner: 0 },
          { va: DATA + 64n, size: 8, owner: 1 },
        ],
        'EINVAL',
        /0x20040\+8 overlaps memory private to CPU 0/,
      ],
    ];
    for (const [ranges, c, message] of cases) {
      const e = thrown(() => m.declareIndependent(ranges));
      expect(code(e)).toBe(c);
      expect(String(e)).toMatch(message);
    }
    // Nothing was declared: CPU 1 may still take the range the failed call gave CPU 0.
    m.declareIndependent([{ va: DATA + 64n, size: 8, owner: 1 }]);
    m.declareIndependent([{ va: DATA + 64n, size: 8, owner: 1 }]);
    expect(
      code(thrown(() => m.declareIndependent([{ va: DATA + 64n, size: 8, owner: 'readOnly' }]))),
    ).toBe('EINVAL');
  });
});
