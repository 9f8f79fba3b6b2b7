import { describe, expect, it } from 'vitest';
import type { Chooser } from './chooser';
import { createMachine, exploreMachine, type Machine } from './machine';
import { PROT_READ, PROT_RWX, PROT_WRITE } from './pageTableFormat';
import { PSO, RELAXED, type StorageConfig } from './storageModel';
import { toyArch } from './toy/toyArch';
import { toyIsa } from './toy/toyIsa';
import { setInt, toBigint } from './word64';

const CODE = 0x10000n;
const DATA = 0x20000;
/** Registers every thread starts with: r1 = 1, r10/r11/r12 = the locations x, y, z. */
const PRESET: ReadonlyArray<readonly [number, number]> = [
  [1, 1],
  [10, DATA],
  [11, DATA + 8],
  [12, DATA + 16],
];

/** Builds toy machines running `threads` (halt appended), registers preset, every CPU started. */
function litmusMachines(threads: readonly string[], storage: StorageConfig) {
  const arch = toyArch({ storage });
  const origins = threads.map((_, i) => CODE + BigInt(0x100 * i));
  const images = threads.map(
    (src, i) => toyIsa.assemble(`${src}\nhalt`, { origin: origins[i] }).bytes,
  );
  return (chooser: Chooser) => {
    const m = createMachine({ arch, cpus: threads.length, memory: 1 << 22, chooser });
    m.mapNew(CODE, 4096, PROT_RWX);
    m.mapNew(BigInt(DATA), 4096, PROT_READ | PROT_WRITE);
    origins.forEach((origin, i) => {
      m.load(origin, images[i]);
      for (const [r, v] of PRESET) setInt(m.cpus[i].state.regs, 2 * r, v);
      m.start(i, origin);
    });
    return m;
  };
}

/** Explores `threads` and returns the outcomes (`cpu:rN=value` of `observed`) and the explorer's counts. */
function run(threads: readonly string[], storage: StorageConfig, observed: readonly string[]) {
  const outcome = (m: Machine) =>
    observed
      .map((o) => {
        const [cpu, r] = o.split(':r').map(Number);
        return `${o}=${toBigint(m.cpus[cpu].state.regs, 2 * r)}`;
      })
      .join(' ');
  const r = exploreMachine(litmusMachines(threads, storage), outcome);
  expect(r.complete).toBe(true);
  return { ...r, seen: new Set([...r.outcomes.values()].map((o) => o.outcome)) };
}

const ARMV8: StorageConfig = { ...RELAXED, name: 'armv8-like', ctrlIsbOrdersLoads: true };

const MP_WRITER = 'sw r1, 0(r10)\nfence 8\nsw r1, 0(r11)';
const MP_WEAK = '1:r3=1 1:r4=0';

describe('relaxed load ordering on the toy arch (exhaustive)', () => {
  it('MP: the reader may see the flag but stale data unless its loads are ordered', () => {
    const plain = run([MP_WRITER, 'lw r3, 0(r11)\nlw r4, 0(r10)'], RELAXED, ['1:r3', '1:r4']);
    expect(plain.seen).toContain(MP_WEAK);
    expect(plain.seen.size).toBe(4);
    // The same program with loads in program order (PSO): the writer's fence alone forbids it.
    const inOrder = run([MP_WRITER, 'lw r3, 0(r11)\nlw r4, 0(r10)'], PSO, ['1:r3', '1:r4']);
    expect(inOrder.seen).not.toContain(MP_WEAK);
    expect(inOrder.seen.size).toBe(3);
    const fenced = run([MP_WRITER, 'lw r3, 0(r11)\nfence 1\nlw r4, 0(r10)'], RELAXED, [
      '1:r3',
      '1:r4',
    ]);
    expect(fenced.seen).not.toContain(MP_WEAK);
    expect(fenced.seen.size).toBe(3);
    // Without the writer's store-store fence the stores themselves may pass each other.
    const unfencedWriter = run(
      ['sw r1, 0(r10)\nsw r1, 0(r11)', 'lw r3, 0(r11)\nfence 1\nlw r4, 0(r10)'],
      RELAXED,
      ['1:r3', '1:r4'],
    );
    expect(unfencedWriter.seen).toContain(MP_WEAK);
    expect([plain.states, inOrder.states, fenced.states, unfencedWriter.states]).toEqual([
      45, 42, 55, 74,
    ]);
  });

  it('MP+addr: an address dependency orders the reader, also through a forwarded store', () => {
    const addr = run(
      [MP_WRITER, 'lw r3, 0(r11)\nsub r5, r3, r3\nadd r6, r10, r5\nlw r4, 0(r6)'],
      RELAXED,
      ['1:r3', '1:r4'],
    );
    expect(addr.seen).not.toContain(MP_WEAK);
    expect(addr.seen.size).toBe(3);
    // (addr | data); rfi is dependency-ordered-before (Arm ARM B2.3.2, RVWMO rule 12).
    const viaStore = run(
      [
        MP_WRITER,
        'lw r3, 0(r11)\nsw r3, 0(r12)\nlw r5, 0(r12)\nsub r5, r5, r5\nadd r6, r10, r5\nlw r4, 0(r6)',
      ],
      RELAXED,
      ['1:r3', '1:r4'],
    );
    expect(viaStore.seen).not.toContain(MP_WEAK);
    // A computation on a register no earlier load wrote carries no dependency.
    const noDep = run(
      [MP_WRITER, 'lw r3, 0(r11)\nsub r5, r4, r4\nadd r6, r10, r5\nlw r4, 0(r6)'],
      RELAXED,
      ['1:r3', '1:r4'],
    );
    expect(noDep.seen).toContain(MP_WEAK);
    expect([addr.states, viaStore.states, noDep.states]).toEqual([66, 278, 65]);
  });

  it('MP+ctrl: a branch orders later loads only with an ISB and only where the arch says so', () => {
    const reader = (sync: string) => `lw r3, 0(r11)\nbne r3, r0, next\nnext:\n${sync}lw r4, 0(r10)`;
    const ctrl = run([MP_WRITER, reader('')], ARMV8, ['1:r3', '1:r4']);
    const ctrlIsb = run([MP_WRITER, reader('sync\n')], ARMV8, ['1:r3', '1:r4']);
    const rvwmo = run([MP_WRITER, reader('sync\n')], RELAXED, ['1:r3', '1:r4']);
    expect(ctrl.seen).toContain(MP_WEAK);
    expect(ctrlIsb.seen).not.toContain(MP_WEAK);
    expect(rvwmo.seen).toContain(MP_WEAK);
    expect([ctrl.states, ctrlIsb.states, rvwmo.states]).toEqual([57, 88, 90]);
  });

  it('CoRR: two reads of one location never see its writes in reverse order', () => {
    const r = run(['sw r1, 0(r10)', 'lw r3, 0(r10)\nlw r4, 0(r10)'], RELAXED, ['1:r3', '1:r4']);
    expect(r.seen).not.toContain(MP_WEAK);
    expect([...r.seen].sort()).toEqual(['1:r3=0 1:r4=0', '1:r3=0 1:r4=1', '1:r3=1 1:r4=1']);
    expect(r.states).toBe(18);
  });

  it('IRIW+fences: fenced readers never disagree on the order of independent writes', () => {
    // Without the fences the weak outcome is Allowed (the readers' loads pass each other); that
    // four-thread exploration costs more than the rest of this file, so only the fenced one runs.
    const writers = ['sw r1, 0(r10)', 'sw r1, 0(r11)'];
    const readers = [
      'lw r3, 0(r10)\nfence 1\nlw r4, 0(r11)',
      'lw r3, 0(r11)\nfence 1\nlw r4, 0(r10)',
    ];
    const fenced = run([...writers, ...readers], RELAXED, ['2:r3', '2:r4', '3:r3', '3:r4']);
    expect(fenced.seen).not.toContain('2:r3=1 2:r4=0 3:r3=1 3:r4=0');
    // Every other combination of the four values is reachable.
    expect(fenced.seen.size).toBe(15);
    expect(fenced.states).toBe(1893);
  });

  it('SB is Allowed and SB+fences Forbidden', () => {
    const observed = ['0:r3', '1:r3'];
    const sb = (f: string) => [
      `sw r1, 0(r10)\n${f}lw r3, 0(r11)`,
      `sw r1, 0(r11)\n${f}lw r3, 0(r10)`,
    ];
    const plain = run(sb(''), RELAXED, observed);
    const full = run(sb('fence 15\n'), RELAXED, observed);
    const storeLoad = run(sb('fence 4\n'), RELAXED, observed);
    expect(plain.seen).toContain('0:r3=0 1:r3=0');
    expect(plain.seen.size).toBe(4);
    expect(full.seen).not.toContain('0:r3=0 1:r3=0');
    expect(storeLoad.seen).not.toContain('0:r3=0 1:r3=0');
    expect([plain.states, full.states, storeLoad.states]).toEqual([70, 44, 44]);
  });

  it('LB is Allowed; a data or control dependency, or a load-store fence, forbids it', () => {
    const observed = ['0:r3', '1:r3'];
    const lb = (between: string, value = 'r1') =>
      run(
        [
          `lw r3, 0(r10)\n${between}sw ${value}, 0(r11)`,
          `lw r3, 0(r11)\n${between}sw ${value}, 0(r10)`,
        ],
        RELAXED,
        observed,
      );
    const plain = lb('');
    expect(plain.seen).toContain('0:r3=1 1:r3=1');
    expect(plain.seen.size).toBe(4);
    // The stored value computed from the loaded one (1 for 0 and 1 for 1): a data dependency.
    const data = lb('sub r5, r3, r3\nadd r5, r5, r1\n', 'r5');
    // A branch on the loaded value before the store: a control dependency (Arm ARM, RVWMO rule 11).
    const ctrl = lb('bne r3, r0, next\nnext:\n');
    const fence = lb('fence 2\n');
    for (const r of [data, ctrl, fence]) {
      expect(r.seen).not.toContain('0:r3=1 1:r3=1');
      expect(r.seen.size).toBe(3);
    }
    expect([plain.states, data.states, ctrl.states, fence.states]).toEqual([46, 68, 53, 53]);
  });

  it('a spin loop re-reading a stale flag is pruned as a repeated state, not run to the step bound', () => {
    const reader = 'wait:\nlw r3, 0(r11)\nbeq r3, r0, wait\nfence 1\nlw r4, 0(r10)';
    const r = exploreMachine(
      litmusMachines([MP_WRITER, reader], RELAXED),
      (m) => `${m.cpus[1].status}:${toBigint(m.cpus[1].state.regs, 8)}`,
      { maxSteps: 500 },
    );
    expect(r.complete).toBe(true);
    // Every execution ends with the reader halted (status 2) after seeing the data.
    expect([...r.outcomes.keys()]).toEqual([JSON.stringify('2:1')]);
    expect(r.states).toBe(25);
  });
});
