import { describe, expect, it } from 'vitest';
import { type Chooser, seededChooser } from './chooser';
import { Counter } from './counters';
import { CpuStatus, type TrapAction, type TrapEvent } from './cpu';
import { explore } from './explorer';
import { type FetchRules, staleUntilSyncFetchRules } from './fetchRules';
import { ExceptionCause } from './isa';
import { createMachine, exploreMachine, type Machine } from './machine';
import { PROT_READ, PROT_RWX, PROT_WRITE } from './pageTableFormat';
import { SC, type StorageConfig, TSO } from './storageModel';
import { TOY_SYSREG, toyArch } from './toy/toyArch';
import { toyIsa } from './toy/toyIsa';
import { toBigint } from './word64';

const CODE = 0x10000n;
const DATA = 0x20000n;

interface Setup {
  readonly threads: readonly string[];
  readonly storage?: StorageConfig;
  readonly fetchRules?: FetchRules;
  readonly onTrap?: (e: TrapEvent) => TrapAction;
}

/** A toy machine with thread i's code at CODE + 0x100·i, a data page at DATA, and every CPU started. */
function toyMachine(setup: Setup, chooser?: Chooser, seed?: number): Machine {
  const m = createMachine({
    arch: toyArch({ ...(setup.fetchRules ? { fetchRules: setup.fetchRules } : {}) }),
    cpus: setup.threads.length,
    storage: setup.storage ?? SC,
    memory: 1 << 22,
    ...(chooser ? { chooser } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(setup.onTrap ? { onTrap: setup.onTrap } : {}),
  });
  m.mapNew(CODE, 4096, PROT_RWX);
  m.mapNew(DATA, 4096, PROT_READ | PROT_WRITE);
  setup.threads.forEach((src, i) => {
    const origin = CODE + BigInt(0x100 * i);
    m.load(origin, toyIsa.assemble(src, { origin }).bytes);
    m.start(i, origin);
  });
  return m;
}

const reg = (m: Machine, cpu: number, r: number) => toBigint(m.cpus[cpu].state.regs, 2 * r);

const binomial = (a: number, b: number): number => {
  let r = 1;
  for (let i = 1; i <= b; i++) r = (r * (a - b + i)) / i;
  return r;
};

describe('exhaustive exploration of a toy machine', () => {
  const straight = (k: number, base: number) =>
    `${Array.from({ length: k - 1 }, (_, i) => `li r${1 + (i % 8)}, ${base + i}`).join('\n')}\nhalt`;

  it('enumerates exactly C(m+n, n) interleavings of two CPUs, and m·n states with hashing', () => {
    for (const [a, b] of [
      [2, 2],
      [3, 4],
      [5, 5],
    ]) {
      const setup = { threads: [straight(a, 10), straight(b, 20)] };
      const plain = explore({
        start: (c: Chooser) => toyMachine(setup, c),
        finish: (m) => m.run().steps,
      });
      expect(plain.complete).toBe(true);
      expect(plain.executions).toBe(binomial(a + b, b));
      const hashed = exploreMachine(
        (c) => toyMachine(setup, c),
        (m) => reg(m, 0, 1),
      );
      expect(hashed.states).toBe(a * b);
    }
  });

  const sb = [
    'lui r2, 2\nli r1, 1\nsw r1, 0(r2)\nlw r3, 4(r2)\nhalt',
    'lui r2, 2\nli r1, 1\nsw r1, 4(r2)\nlw r3, 0(r2)\nhalt',
  ];
  const outcome = (m: Machine) => `${reg(m, 0, 3)},${reg(m, 1, 3)}`;

  it('SB: both loads reading 0 is Allowed under TSO and Forbidden under SC', () => {
    const sc = exploreMachine((c) => toyMachine({ threads: sb, storage: SC }, c), outcome);
    const tso = exploreMachine((c) => toyMachine({ threads: sb, storage: TSO }, c), outcome);
    console.log(
      `SB: SC ${sc.states} states, ${sc.executions} executions; TSO ${tso.states} states, ${tso.executions} executions`,
    );
    expect(sc.complete && tso.complete).toBe(true);
    expect([...sc.outcomes.values()].map((o) => o.outcome).sort()).toEqual(['0,1', '1,0', '1,1']);
    expect([...tso.outcomes.values()].map((o) => o.outcome).sort()).toEqual([
      '0,0',
      '0,1',
      '1,0',
      '1,1',
    ]);
    const fenced = sb.map((t) => t.replace('lw', 'fence 15\nlw'));
    const tsoFenced = exploreMachine(
      (c) => toyMachine({ threads: fenced, storage: TSO }, c),
      outcome,
    );
    expect(tsoFenced.outcomes.has(JSON.stringify('0,0'))).toBe(false);
  });

  it('MP: seeing the flag but not the data is Forbidden under TSO', () => {
    const mp = [
      'lui r2, 2\nli r1, 1\nsw r1, 0(r2)\nsw r1, 4(r2)\nhalt',
      'lui r2, 2\nlw r3, 4(r2)\nlw r4, 0(r2)\nhalt',
    ];
    const r = exploreMachine(
      (c) => toyMachine({ threads: mp, storage: TSO }, c),
      (m) => `${reg(m, 1, 3)},${reg(m, 1, 4)}`,
    );
    expect(r.complete).toBe(true);
    expect(r.outcomes.size).toBe(3);
    expect(r.outcomes.has(JSON.stringify('1,0'))).toBe(false);
  });

  it('atomics and LL/SC increments are never lost, whatever the interleaving and store buffering', () => {
    const amo = 'lui r2, 2\nli r1, 1\namoadd r3, r1, (r2)\nhalt';
    const llsc =
      'lui r2, 2\nretry:\nldx r3, 0(r2)\naddi r3, r3, 1\nstx r4, r3, (r2)\nbne r4, r0, retry\nhalt';
    const plain = 'lui r2, 2\nld r3, 0(r2)\naddi r3, r3, 1\nst r3, 0(r2)\nhalt';
    const counter = (m: Machine) => m.read(DATA, 1)[0];
    for (const storage of [SC, TSO]) {
      for (const [src, lost] of [
        [amo, false],
        [llsc, false],
        [plain, true],
      ] as const) {
        const r = exploreMachine((c) => toyMachine({ threads: [src, src], storage }, c), counter);
        expect(r.complete).toBe(true);
        const finals = [...r.outcomes.values()].map((o) => o.outcome).sort();
        expect(finals).toEqual(lost ? [1, 2] : [2]);
      }
    }
  });

  it('replays a seeded simulation identically', () => {
    const threads = [0, 1, 2].map(
      (i) =>
        `lui r2, 2\nli r1, ${i + 1}\nli r6, 40\nloop:\nsw r1, ${4 * i}(r2)\nlw r3, ${4 * ((i + 1) % 3)}(r2)\nadd r4, r4, r3\naddi r6, r6, -1\nbne r6, r0, loop\nhalt`,
    );
    const run = (seed: number) => {
      const c = seededChooser(seed, { record: true });
      const m = toyMachine({ threads, storage: TSO }, c);
      m.run();
      return {
        trace: c.trace.join(''),
        regs: [0, 1, 2].map((i) => reg(m, i, 4)),
        n: m.counters.get('instructions'),
      };
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7).trace).not.toEqual(run(8).trace);
    expect(run(7).n).toBe(3 * (3 + 5 * 40 + 1));
  });
});

/** Thread 0 overwrites thread 1's `target: li r3, 1` with `li r3, 2`, then sets a flag; thread 1 reads the flag, then runs the target. */
function crossModifying(writerExtra: string, readerSync: string): string[] {
  const reader = `lui r4, 2\nlw r6, 0(r4)\n${readerSync}\ntarget: li r3, 1\nhalt`;
  const target = 0x100 + toyIsa.assemble(reader).labels.get('target')!;
  const writer = `lui r2, 1\nlui r1, 2\naddi r1, r1, 0x3001\nsw r1, ${target}(r2)\naddi r7, r2, ${target}\n${writerExtra}\nlui r4, 2\nli r5, 1\nsw r5, 0(r4)\nhalt`;
  return [writer, reader];
}

describe('instruction fetch on the toy arch', () => {
  const staleSeen = (threads: string[], fetchRules?: FetchRules) => {
    const r = exploreMachine(
      (c) => toyMachine({ threads, ...(fetchRules ? { fetchRules } : {}) }, c),
      (m) => `${reg(m, 1, 6)},${reg(m, 1, 3)}`,
    );
    expect(r.complete).toBe(true);
    return r.outcomes.has(JSON.stringify('1,1'));
  };

  it('a CPU that saw the flag may run the old instruction unless it context-synchronizes', () => {
    expect(staleSeen(crossModifying('', ''))).toBe(true);
    expect(staleSeen(crossModifying('', 'sync'))).toBe(false);
  });

  it('with an incoherent instruction cache, the writer must also invalidate the line', () => {
    const rules = staleUntilSyncFetchRules({ fetchBlock: 4, icacheLine: 16, dcacheLine: 16 });
    expect(staleSeen(crossModifying('', 'sync'), rules)).toBe(true);
    expect(staleSeen(crossModifying('cache icivau, (r7)', 'sync'), rules)).toBe(false);
    const pou = staleUntilSyncFetchRules({
      fetchBlock: 4,
      icacheLine: 16,
      dcacheLine: 16,
      cleanToPou: true,
    });
    expect(staleSeen(crossModifying('cache icivau, (r7)', 'sync'), pou)).toBe(true);
    expect(staleSeen(crossModifying('cache dccvau, (r7)\ncache icivau, (r7)', 'sync'), pou)).toBe(
      false,
    );
  });

  it('with maintenance completing at a barrier, the invalidation counts only after the writer waits for it', () => {
    const rules = staleUntilSyncFetchRules({
      fetchBlock: 4,
      icacheLine: 16,
      dcacheLine: 16,
      maintenanceCompletes: 'atBarrier',
    });
    expect(staleSeen(crossModifying('cache icivau, (r7)', 'sync'), rules)).toBe(true);
    expect(staleSeen(crossModifying('cache icivau, (r7)\nfence 16', 'sync'), rules)).toBe(false);
  });

  it('a CPU jumping to freshly written code it never fetched may still see the bytes from before', () => {
    // A JIT publishes into trap-filled executable memory, then a flag, without making the reader synchronize.
    const rules = staleUntilSyncFetchRules({ fetchBlock: 4, icacheLine: 16, dcacheLine: 16 });
    const writer =
      'lui r2, 1\naddi r2, r2, 0x1000\nlui r1, 1\naddi r1, r1, 0x5001\nsw r1, 0(r2)\nlui r4, 2\nli r5, 1\nsw r5, 0(r4)\nhalt';
    const reader = 'lui r4, 2\nlw r6, 0(r4)\nlui r2, 1\naddi r2, r2, 0x1000\nbr r2';
    const outcome = (m: Machine) => `${reg(m, 1, 6)}:${m.cpus[1].stopEvent?.cause ?? reg(m, 1, 5)}`;
    const seen = exploreMachine((c) => {
      const m = toyMachine({ threads: [writer, reader], fetchRules: rules }, c);
      m.mapNew(CODE + 0x1000n, 4096, PROT_RWX);
      m.load(CODE + 0x1000n, toyIsa.assemble('trap 0x100\nhalt').bytes);
      return m;
    }, outcome);
    expect(seen.complete).toBe(true);
    expect([...seen.outcomes.values()].map((o) => o.outcome).sort()).toEqual([
      '0:0',
      '0:1',
      '1:0',
      '1:1',
    ]);
  });

  const loop = `li r6, 4\nli r9, 2\npass:\nli r5, 0\nloop:\ntarget: li r1, 1\nadd r7, r7, r1\naddi r5, r5, 1\nbne r5, r6, loop\naddi r8, r8, 1\nsync\nbne r8, r9, pass\nhalt`;
  const target = CODE + BigInt(toyIsa.assemble(loop).labels.get('target')!);
  const patched = toyIsa.assemble('li r1, 0x10').bytes;

  it('keeps executing the old bytes it fetched until a context-synchronizing event, then the new ones', () => {
    const preferStale: Chooser = { choose: (n, label) => (label === 'fetch' && n > 1 ? 1 : 0) };
    const m = toyMachine({ threads: [loop] }, preferStale);
    for (let i = 0; i < 5; i++) m.step(); // through the first `target` and `add`
    m.poke(0, target, patched);
    m.run();
    // Pass 1: four iterations of the old `li r1, 1`; pass 2 after `sync`: four of the new one.
    expect(reg(m, 0, 7)).toBe(4n + 4n * 16n);
    expect(m.counters.get('staleFetches')).toBe(3);
    expect(m.counters.get('contextSyncs')).toBe(2);
    const fresh = toyMachine({ threads: [loop] }, { choose: () => 0 });
    for (let i = 0; i < 5; i++) fresh.step();
    fresh.poke(0, target, patched);
    fresh.run();
    expect(reg(fresh, 0, 7)).toBe(1n + 7n * 16n);
    expect(fresh.counters.get('staleFetches')).toBe(0);
  });

  it('counts a fetch torn across two blocks', () => {
    // 2-byte fetch blocks: the two halves of `li r1, …` come from different blocks.
    const rules = staleUntilSyncFetchRules({
      staleness: 'untilContextSync',
      fetchBlock: 2,
      icacheLine: 16,
      dcacheLine: 16,
    });
    const picks = [0, 1]; // first half new, second half old
    const chooser: Chooser = {
      choose: (n, label) => (label === 'fetch' ? Math.min(picks.shift() ?? 0, n - 1) : 0),
    };
    const m = toyMachine({ threads: ['target: li r1, 0x1111\nhalt'], fetchRules: rules }, chooser);
    m.step();
    m.start(0, CODE);
    m.poke(0, CODE, toyIsa.assemble('li r1, 0x2222').bytes);
    m.step();
    expect(m.counters.get('tornFetches')).toBe(1);
    expect(m.counters.get('staleFetches')).toBe(1);
    expect(reg(m, 0, 1)).toBe(0x1111n);
  });
});

describe('exceptions, IPIs and system registers', () => {
  it('stops a CPU on an unhandled trap with the cause recorded', () => {
    const m = toyMachine({ threads: ['li r1, 1\ntrap 0x42\nli r1, 2', 'lui r2, 7\nld r1, 0(r2)'] });
    m.run();
    expect(m.cpus[0].status).toBe(CpuStatus.Stopped);
    expect(m.cpus[0].stopEvent).toMatchObject({
      cause: ExceptionCause.Breakpoint,
      detail: 0x42,
      pc: 0x10004,
    });
    expect(reg(m, 0, 1)).toBe(1n);
    expect(m.cpus[1].stopEvent).toMatchObject({ cause: 'dataFault', detail: 0x70000 });
    expect(m.counters.get('exceptions')).toBe(2);
    expect(m.counters.get('faults')).toBe(1);
  });

  it('enters simulated handler code and returns with eret; a host handler can emulate and resume', () => {
    const events: TrapEvent[] = [];
    const handler = CODE + 0x800n;
    const m = toyMachine({
      threads: ['li r1, 1\nsvc 3\nli r2, 2\ntrap 9\nli r3, 3\nhalt'],
      onTrap(e) {
        events.push(e);
        if (e.cause === ExceptionCause.SystemCall) return { vector: Number(handler) };
        return { resumeAt: e.pc + 4 };
      },
    });
    m.load(handler, toyIsa.assemble('addi r9, r9, 1\neret').bytes);
    m.run();
    expect([1, 2, 3, 9].map((r) => reg(m, 0, r))).toEqual([1n, 2n, 3n, 1n]);
    expect(events.map((e) => [e.cause, e.pc, e.returnPc])).toEqual([
      [ExceptionCause.SystemCall, 0x10004, 0x10008],
      [ExceptionCause.Breakpoint, 0x1000c, 0x1000c],
    ]);
    expect(m.cpus[0].status).toBe(CpuStatus.Halted);
    const bad = toyMachine({ threads: ['eret'] });
    bad.run();
    expect(bad.cpus[0].stopEvent?.cause).toBe(ExceptionCause.Undefined);
  });

  it('delivers IPIs at step boundaries, wakes halted CPUs and counts them', () => {
    const m = toyMachine({ threads: ['halt', 'halt', 'halt'] });
    m.run();
    const ran: number[] = [];
    const batch = m.ipis.sendAll((cpu) => ran.push(cpu), 0);
    expect(m.counters.get('ipis')).toBe(2);
    expect(batch.pending).toBe(2);
    expect(m.run({ until: () => batch.pending === 0 }).reason).toBe('until');
    expect(ran.sort()).toEqual([1, 2]);
    expect(batch.pending).toBe(0);
    m.ipis.send(0, (cpu) => ran.push(cpu));
    expect(m.counters.values[Counter.ipis]).toBe(3);
    expect(() => m.ipis.send(3, () => {})).toThrow(/EINVAL.*CPU 3/);
  });

  it('an IPI resynchronizes a CPU that may run stale code (kick_all_cpus_sync)', () => {
    const preferStale: Chooser = { choose: (n, label) => (label === 'fetch' && n > 1 ? 1 : 0) };
    const m = toyMachine({ threads: ['loop: li r1, 1\nb loop'] }, preferStale);
    m.step();
    m.poke(0, CODE, toyIsa.assemble('li r1, 2').bytes);
    m.step();
    m.step();
    expect(reg(m, 0, 1)).toBe(1n);
    m.ipis.send(0, () => {});
    m.step(); // takes the IPI
    m.step(); // b loop
    m.step();
    expect(reg(m, 0, 1)).toBe(2n);
    expect(m.counters.get('staleFetches')).toBe(1);
  });

  it('reads configured system registers, refuses writes to read-only ones, keeps writable ones per CPU', () => {
    const threads = [
      `mrs r1, ${TOY_SYSREG.CTR}\nli r2, 5\nmsr ${TOY_SYSREG.SCRATCH}, r2\nmrs r3, ${TOY_SYSREG.SCRATCH}\nmsr ${TOY_SYSREG.CTR}, r2`,
      `mrs r3, ${TOY_SYSREG.SCRATCH}\nhalt`,
    ];
    const m = createMachine({
      arch: toyArch(),
      cpus: 2,
      memory: 1 << 22,
      systemRegisters: { CTR: 0x8444c004n },
    });
    m.mapNew(CODE, 4096, PROT_RWX);
    threads.forEach((t, i) => {
      m.load(CODE + BigInt(0x100 * i), toyIsa.assemble(t).bytes);
      m.start(i, CODE + BigInt(0x100 * i));
    });
    m.run();
    expect(reg(m, 0, 1)).toBe(0x8444c004n);
    expect(reg(m, 0, 3)).toBe(5n);
    expect(reg(m, 1, 3)).toBe(0n);
    expect(m.cpus[0].stopEvent).toMatchObject({ cause: ExceptionCause.Undefined, pc: 0x10010 });
  });

  it('translates through per-CPU TLBs that kernel mapping changes shoot down', () => {
    const threads = [
      'lui r2, 2\nli r1, 7\nsw r1, 0(r2)\nhalt',
      'lui r2, 2\nlw r3, 0(r2)\nlw r3, 0(r2)\nhalt',
    ];
    const m = toyMachine({ threads }, { choose: () => 0 });
    m.run();
    expect(reg(m, 1, 3)).toBe(7n);
    expect(m.counters.get('dtlbMisses')).toBe(2);
    expect(m.counters.get('dtlbHits')).toBe(1);
    expect(m.counters.get('itlbMisses')).toBe(2);
    // set_memory_ro on the data page: every CPU's stale writable entry must go.
    m.kernel.protect(DATA, 4096n, PROT_READ);
    expect(m.counters.get('tlbShootdowns')).toBe(1);
    expect(m.counters.get('ipis')).toBe(1);
    m.start(0, CODE);
    m.run();
    expect(m.cpus[0].stopEvent).toMatchObject({ cause: 'dataFault', detail: Number(DATA) });
  });

  it('rejects bad configuration and addresses', () => {
    expect(() => createMachine({ arch: toyArch(), cpus: 0 })).toThrow(/EINVAL.*CPU count 0/);
    expect(() =>
      createMachine({ arch: toyArch(), cpus: 1, systemRegisters: { MIDR: 1n } }),
    ).toThrow(/EINVAL.*"MIDR"/);
    expect(() => createMachine({ arch: toyArch(), cpus: 1, storage: 'weird' as 'sc' })).toThrow(
      /EINVAL.*"weird"/,
    );
    const m = createMachine({ arch: toyArch(), cpus: 1, memory: 1 << 22 });
    expect(() => m.start(1, 0n)).toThrow(/EINVAL.*CPU 1/);
    expect(() => m.load(0x5000n, new Uint8Array(4))).toThrow(/EFAULT.*0x5000/);
    const free = m.memory.freeFrameCount;
    m.mapNew(CODE, 4096, PROT_RWX);
    expect(() => m.mapNew(CODE, 4096, PROT_RWX)).toThrow(/EEXIST/);
    expect(m.memory.freeFrameCount).toBe(free - 1 - (free - m.memory.freeFrameCount - 1));
  });
});

describe('writes through the kernel page tables', () => {
  /** A toy machine with two adjacent pages on discontiguous frames at DATA and a 2 MiB leaf at 0x200000. */
  function split() {
    const m = createMachine({ arch: toyArch(), cpus: 1, storage: SC, memory: 1 << 23 });
    m.kernel.map(DATA, 0x5000n, 0x1000n, PROT_READ | PROT_WRITE);
    m.kernel.map(DATA + 0x1000n, 0x3000n, 0x1000n, PROT_READ | PROT_WRITE);
    m.kernel.map(0x200000n, 0x400000n, 0x200000n, PROT_READ | PROT_WRITE, { pageSize: 0x200000 });
    const commits: string[] = [];
    const commit = m.storage.commit.bind(m.storage);
    m.storage.commit = (cpu, pa, size, lo, hi) => {
      commits.push(`${pa.toString(16)}:${size}:${hi.toString(16)}:${lo.toString(16)}`);
      commit(cpu, pa, size, lo, hi);
    };
    return { m, commits };
  }

  it('pokes one store per naturally aligned 8-byte chunk of each frame, walking once per leaf', () => {
    const { m, commits } = split();
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
    const walks = m.counters.get('pageTableWalks');
    m.poke(0, DATA + 0xffbn, bytes);
    expect(commits).toEqual([
      '5ffb:5:5:4030201',
      '3000:8:d0c0b0a:9080706',
      '3008:7:141312:11100f0e',
    ]);
    expect(m.counters.get('pageTableWalks') - walks).toBe(2);
    expect(m.read(DATA + 0xffbn, 20)).toEqual(bytes);
    expect(m.memory.readBytes(0x5ffb, 5)).toEqual(bytes.subarray(0, 5));
    expect(m.memory.readBytes(0x3000, 15)).toEqual(bytes.subarray(5));
  });

  it('pokes, loads and reads 64 KiB inside a 2 MiB leaf with one walk each', () => {
    const { m, commits } = split();
    const bytes = new Uint8Array(0x10000).fill(0xcc);
    const walks = m.counters.get('pageTableWalks');
    m.poke(0, 0x2ff000n, bytes);
    expect(commits).toHaveLength(0x10000 / 8);
    expect(commits[0x1000 / 8]).toBe('500000:8:cccccccc:cccccccc');
    m.load(0x300003n, Uint8Array.of(1, 2));
    expect(Array.from(m.read(0x300000n, 6))).toEqual([0xcc, 0xcc, 0xcc, 1, 2, 0xcc]);
    expect(m.counters.get('pageTableWalks') - walks).toBe(3);
  });

  it('changes nothing when any byte is unmapped', () => {
    const { m, commits } = split();
    expect(() => m.poke(0, DATA + 0x1ffcn, new Uint8Array(8).fill(7))).toThrow(
      /EFAULT.*0x22000 is not mapped/,
    );
    expect(() => m.load(DATA + 0x1ffcn, new Uint8Array(8).fill(7))).toThrow(/0x22000/);
    expect(commits).toHaveLength(0);
    expect(m.memory.readBytes(0x3ffc, 4)).toEqual(new Uint8Array(4));
  });
});
