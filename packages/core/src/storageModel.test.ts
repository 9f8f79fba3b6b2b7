import { describe, expect, it } from 'vitest';
import { type Chooser, replayChooser } from './chooser';
import { explore } from './explorer';
import { AccessKind, RegisterUse } from './isa';
import { createPhysicalMemory } from './physicalMemory';
import { createStateHasher } from './stateHash';
import {
  FenceOrder,
  PSO,
  RELAXED,
  SC,
  type StorageConfig,
  StorageModel,
  storageConfig,
  TSO,
} from './storageModel';

/** A litmus thread as a list of operations on 32-bit words. */
type Op = { st: number; v: number } | { ld: number; r: string } | { fence: number };

/**
 * Runs threads on a storage model: each decision either steps a thread or
 * drains one of a CPU's buffered stores. Outcome: the loaded registers.
 */
function litmus(threads: Op[][], config: StorageConfig) {
  const h = createStateHasher();
  return {
    start(chooser: Chooser) {
      const mem = createPhysicalMemory({ size: 1 << 16 });
      return {
        s: new StorageModel(mem, threads.length, config),
        pc: threads.map(() => 0),
        regs: new Map<string, number>(),
        chooser,
        mem,
      };
    },
    finish(sys: { s: StorageModel; pc: number[]; regs: Map<string, number>; chooser: Chooser }) {
      const out = new Uint32Array(2);
      for (;;) {
        const options: (() => void)[] = [];
        threads.forEach((ops, cpu) => {
          if (sys.pc[cpu] < ops.length)
            options.push(() => {
              const op = ops[sys.pc[cpu]++];
              if ('st' in op) sys.s.store(cpu, op.st, 4, op.v, 0);
              else if ('ld' in op) {
                sys.s.load(cpu, op.ld, 4, out, 0);
                sys.regs.set(`${cpu}:${op.r}`, out[0]);
              } else sys.s.fence(cpu, op.fence);
            });
          for (let d = 0; d < sys.s.drainChoices(cpu); d++) options.push(() => sys.s.drain(cpu, d));
        });
        if (options.length === 0)
          return [...sys.regs]
            .sort()
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
        options[sys.chooser.choose(options.length, 'schedule')]();
      }
    },
    fingerprint(sys: { s: StorageModel; pc: number[]; regs: Map<string, number> }) {
      h.reset();
      sys.s.fingerprint(h);
      for (const pc of sys.pc) h.add(pc);
      for (const [k, v] of [...sys.regs].sort()) {
        h.add(k.charCodeAt(0) * 256 + k.charCodeAt(2));
        h.add(v);
      }
      return h.digest();
    },
  };
}

const X = 0x100;
const Y = 0x200;
const SB: Op[][] = [
  [
    { st: X, v: 1 },
    { ld: Y, r: 'r0' },
  ],
  [
    { st: Y, v: 1 },
    { ld: X, r: 'r0' },
  ],
];
const MP: Op[][] = [
  [
    { st: X, v: 1 },
    { st: Y, v: 1 },
  ],
  [
    { ld: Y, r: 'r0' },
    { ld: X, r: 'r1' },
  ],
];
const withFences = (t: Op[][], order: number): Op[][] =>
  t.map(([a, b]) => [a, { fence: order }, b]);

describe('StorageModel', () => {
  it('SB (store buffering): 0:r0=0 1:r0=0 is Allowed under TSO, Forbidden under SC', () => {
    const weak = '0:r0=0 1:r0=0';
    const sc = explore(litmus(SB, SC));
    const tso = explore(litmus(SB, TSO));
    expect(sc.complete && tso.complete).toBe(true);
    expect(sc.outcomes.has(JSON.stringify(weak))).toBe(false);
    expect(tso.outcomes.has(JSON.stringify(weak))).toBe(true);
    expect(sc.outcomes.size).toBe(3);
    expect(tso.outcomes.size).toBe(4);
    expect(tso.states).toBeGreaterThan(sc.states);
    // MFENCE between the store and the load restores SC's verdict.
    const fenced = explore(litmus(withFences(SB, FenceOrder.Full), TSO));
    expect(fenced.outcomes.has(JSON.stringify(weak))).toBe(false);
  });

  it('MP (message passing): 1:r0=1 1:r1=0 is Forbidden under SC and TSO, Allowed under PSO unless fenced', () => {
    const weak = JSON.stringify('1:r0=1 1:r1=0');
    expect(explore(litmus(MP, SC)).outcomes.has(weak)).toBe(false);
    expect(explore(litmus(MP, TSO)).outcomes.has(weak)).toBe(false);
    expect(explore(litmus(MP, PSO)).outcomes.has(weak)).toBe(true);
    const fenced: Op[][] = [[MP[0][0], { fence: FenceOrder.StoreStore }, MP[0][1]], MP[1]];
    expect(explore(litmus(fenced, PSO)).outcomes.has(weak)).toBe(false);
  });

  it('forwards a CPU its own buffered bytes, youngest first, and merges them with memory', () => {
    const mem = createPhysicalMemory({ size: 1 << 16 });
    mem.write32(X, 0x44332211);
    const s = new StorageModel(mem, 2, TSO);
    s.store(0, X + 1, 1, 0xaa, 0);
    s.store(0, X + 1, 1, 0xbb, 0);
    const out = new Uint32Array(2);
    s.load(0, X, 4, out, 0);
    expect(out[0]).toBe(0x4433bb11);
    s.load(1, X, 4, out, 0);
    expect(out[0]).toBe(0x44332211);
    s.flush(0);
    s.load(1, X, 4, out, 0);
    expect(out[0]).toBe(0x4433bb11);
    expect(s.instant).toBe(2);
  });

  it('fingerprints equal contents equally, whatever the order of the writes', () => {
    const h = createStateHasher();
    const print = (order: number[]) => {
      const s = new StorageModel(createPhysicalMemory({ size: 1 << 16 }), 1, SC);
      for (const a of order) s.store(0, a, 1, a & 0xff, 0);
      h.reset();
      s.fingerprint(h);
      return h.digest();
    };
    expect(print([1, 2, 3])).toBe(print([3, 1, 2]));
    expect(print([1, 2, 3])).not.toBe(print([1, 2, 4]));
  });

  it('rejects unknown model names and bad CPU counts', () => {
    expect(storageConfig('tso')).toBe(TSO);
    expect(() => storageConfig('arm')).toThrow(/EINVAL.*"arm"/);
    expect(() => new StorageModel(createPhysicalMemory({ size: 4096 }), 0, SC)).toThrow(
      /EINVAL.*CPU count 0/,
    );
  });
});

describe('StorageModel with relaxed load ordering', () => {
  const NO_REGISTERS = new Uint32Array(RegisterUse.Length);
  /** A two-CPU relaxed model; `decisions` answer its read choices, whose widths land in `widths`. */
  const relaxed = (decisions: number[] = [], config: StorageConfig = RELAXED) => {
    const widths: number[] = [];
    const replay = replayChooser(decisions);
    const chooser: Chooser = {
      choose(n, label) {
        widths.push(n);
        expect(label).toBe('read');
        return replay.choose(n, label);
      },
    };
    const s = new StorageModel(createPhysicalMemory({ size: 1 << 16 }), 2, config, chooser);
    s.beginInstruction(0, NO_REGISTERS);
    s.beginInstruction(1, NO_REGISTERS);
    return { s, widths };
  };
  const out = new Uint32Array(2);
  const read = (s: StorageModel, cpu: number, pa: number, kind: AccessKind = AccessKind.Plain) => {
    s.load(cpu, pa, 4, out, 0, kind);
    return out[0];
  };

  it('offers every write since the floor, newest first, and keeps later reads coherent', () => {
    const { s, widths } = relaxed([2, 1, 1]);
    s.commit(0, X, 4, 1, 0);
    s.commit(0, X, 4, 2, 0);
    expect(read(s, 1, X)).toBe(0);
    expect(read(s, 1, X)).toBe(1);
    // Its own earlier read pins the floor: only the write read and newer ones remain.
    expect(read(s, 1, X)).toBe(1);
    expect(widths).toEqual([3, 3, 2]);
    // The writer reads its own newest write: coherence covers its commits.
    expect(read(s, 0, X)).toBe(2);
    expect(widths).toHaveLength(3);
  });

  it('an acquire load orders later loads, and first drains buffered release stores', () => {
    const { s, widths } = relaxed([0]);
    s.commit(0, X, 4, 1, 0);
    s.commit(0, Y, 4, 1, 0);
    expect(read(s, 1, Y, AccessKind.Acquire)).toBe(1);
    expect(read(s, 1, X)).toBe(1);
    expect(widths).toEqual([2]);
    s.store(1, Y + 8, 4, 5, 0, AccessKind.Release);
    read(s, 1, X);
    expect(s.hasBuffered(1)).toBe(true);
    read(s, 1, X, AccessKind.Acquire);
    expect(s.hasBuffered(1)).toBe(false);
  });

  it('exclusive loads read the newest value; fences raise the floor', () => {
    const { s, widths } = relaxed();
    s.commit(0, X, 4, 7, 0);
    expect(read(s, 1, X, AccessKind.Exclusive)).toBe(7);
    expect(widths).toEqual([]);
    const f = relaxed([0]);
    f.s.commit(0, X, 4, 1, 0);
    f.s.commit(0, Y, 4, 1, 0);
    expect(read(f.s, 1, Y)).toBe(1);
    f.s.fence(1, FenceOrder.LoadLoad);
    expect(read(f.s, 1, X)).toBe(1);
    expect(f.widths).toEqual([2]);
  });

  it('forgets commits older than the history depth: reads never go below the horizon', () => {
    const { s, widths } = relaxed([2], { ...RELAXED, historyDepth: 2 });
    for (let v = 1; v <= 3; v++) s.commit(0, X, 4, v, 0);
    expect(read(s, 1, X)).toBe(1);
    expect(widths).toEqual([3]);
  });

  it('fingerprints views relative to the current instant, so commuting steps merge', () => {
    const h = createStateHasher();
    const digest = (order: number[], decisions: number[]) => {
      const { s } = relaxed(decisions);
      s.commit(0, X, 4, 1, 0);
      for (const cpu of order) read(s, cpu, cpu === 0 ? Y : X);
      h.reset();
      s.fingerprint(h);
      return h.digest();
    };
    expect(digest([0, 1], [0])).toBe(digest([1, 0], [0]));
    expect(digest([0, 1], [0])).not.toBe(digest([0, 1], [1]));
  });

  it('rejects a relaxed model without a chooser or with a bad history depth', () => {
    const mem = createPhysicalMemory({ size: 4096 });
    expect(storageConfig('relaxed')).toBe(RELAXED);
    expect(() => new StorageModel(mem, 1, RELAXED)).toThrow(/EINVAL.*"relaxed".*chooser/);
    for (const historyDepth of [0, 1.5, 5000]) {
      expect(
        () => new StorageModel(mem, 1, { ...RELAXED, historyDepth }, replayChooser([])),
      ).toThrow(new RegExp(`EINVAL.*history depth ${historyDepth} `));
    }
  });
});
