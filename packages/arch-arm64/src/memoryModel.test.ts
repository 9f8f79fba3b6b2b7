import {
  type Chooser,
  createMachine,
  exploreMachine,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  word64,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { arm64Arch } from './arm64Arch';
import { arm64Storage } from './memoryModel';

const TEXT = 0xffff800100000000n;
const READER = TEXT + 0x100n;
const DATA = 0xffff800100010000n;
const FLAG = DATA + 0x40n;

const arch = arm64Arch();

/**
 * A two-PE machine builder: PE0 runs `code0` at TEXT, PE1 runs `code1` at
 * READER (each source with `brk #0x0` appended), with the registers
 * `registers(pe)` gives as (index, value) pairs.
 */
function twoPes(code0: string, code1: string, registers: (pe: number) => [number, bigint][]) {
  const images = [code0, code1].map((c) => arch.isa.assemble(`${c}\nbrk #0x0\n`).bytes);
  return (chooser: Chooser) => {
    const m = createMachine({ arch, cpus: 2, chooser });
    m.mapNew(TEXT, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
    m.mapNew(DATA, 4096, PROT_READ | PROT_WRITE | PROT_GLOBAL);
    [TEXT, READER].forEach((origin, pe) => {
      m.load(origin, images[pe]);
      for (const [r, v] of registers(pe)) word64.fromBigint(m.cpus[pe].state.regs, 2 * r, v);
      m.start(pe, origin);
    });
    return m;
  };
}

/**
 * Message passing on two PEs, in A64 assembly (x1 = &data, x2 = &flag):
 * PE0 stores 1 to data, `writerBarrier`, then 1 to flag; PE1 runs
 * `reader`, which loads the flag into x4 and the data into x5. Returns
 * every (x4, x5) PE1 can end with, and the state count.
 */
function messagePassing(writerBarrier: string, reader: string) {
  const build = twoPes(`mov x3, #0x1\nstr x3, [x1]\n${writerBarrier}\nstr x3, [x2]`, reader, () => [
    [1, DATA],
    [2, FLAG],
  ]);
  const r = exploreMachine(build, (m) => {
    const regs = m.cpus[1].state.regs;
    return `${word64.toBigint(regs, 8)},${word64.toBigint(regs, 10)}`;
  });
  expect(r.complete).toBe(true);
  return { outcomes: [...r.outcomes.values()].map((o) => o.outcome).sort(), states: r.states };
}

/** Flag seen, data not: the outcome message passing must rule out. */
const WEAK = '1,0';
const LOAD_FLAG = 'ldr x4, [x2]';
const LOAD_DATA = 'ldr x5, [x1]';

describe('arm64Storage (ARMv8 relaxed loads, exhaustive on two PEs)', () => {
  it('keeps the arch name and orders loads by ISB after a control dependency', () => {
    expect(arm64Storage).toMatchObject({
      name: 'arm64',
      loadOrder: 'relaxed',
      ctrlIsbOrdersLoads: true,
    });
    expect(arm64Arch().storage).toBe(arm64Storage);
  });

  const cases: readonly [string, string, string, boolean][] = [
    ['MP', '', `${LOAD_FLAG}\n${LOAD_DATA}`, true],
    // Loads may be satisfied out of order (Arm ARM B2.3): the writer's barrier alone is not enough.
    ['MP+dmb.st+po', 'dmb ishst', `${LOAD_FLAG}\n${LOAD_DATA}`, true],
    ['MP+dmb.st+dmb.ld', 'dmb ishst', `${LOAD_FLAG}\ndmb ishld\n${LOAD_DATA}`, false],
    ['MP+dmb.sy+dmb.sy', 'dmb ish', `${LOAD_FLAG}\ndmb ish\n${LOAD_DATA}`, false],
    // An address dependency orders the loads even when it cannot change the address.
    ['MP+dmb.st+addr', 'dmb ishst', `${LOAD_FLAG}\neor x6, x4, x4\nldr x5, [x1, x6]`, false],
    // ... carried through other registers, but not by a register the flag never reached.
    [
      'MP+dmb.st+addr through add',
      'dmb ishst',
      `${LOAD_FLAG}\nadd x7, x4, #0x1\neor x6, x7, x7\nldr x5, [x1, x6]`,
      false,
    ],
    [
      'MP+dmb.st+po with an unrelated zero offset',
      'dmb ishst',
      `${LOAD_FLAG}\neor x6, x7, x7\nldr x5, [x1, x6]`,
      true,
    ],
    ['MP+dmb.st+acq', 'dmb ishst', `ldar x4, [x2]\n${LOAD_DATA}`, false],
    // A control dependency does not order a later load (it may be speculated) ...
    ['MP+dmb.st+ctrl', 'dmb ishst', `${LOAD_FLAG}\ncbz x4, 1f\n1: ${LOAD_DATA}`, true],
    // ... but with an ISB after the branch it does (B2.3.2, dependency-ordered-before).
    ['MP+dmb.st+ctrlisb', 'dmb ishst', `${LOAD_FLAG}\ncbz x4, 1f\n1: isb\n${LOAD_DATA}`, false],
    // The dependency may go through NZCV.
    [
      'MP+dmb.st+ctrlisb through flags',
      'dmb ishst',
      `${LOAD_FLAG}\ncmp x4, #0x1\nb.ne 1f\n1: isb\n${LOAD_DATA}`,
      false,
    ],
    [
      'MP+dmb.st+ctrl through flags',
      'dmb ishst',
      `${LOAD_FLAG}\ncmp x4, #0x1\nb.ne 1f\n1: ${LOAD_DATA}`,
      true,
    ],
  ];
  for (const [name, writerBarrier, reader, allowed] of cases) {
    it(`${name}: flag without data is ${allowed ? 'Allowed' : 'Forbidden'}`, () => {
      const { outcomes, states } = messagePassing(writerBarrier, reader);
      console.info(`${name}: ${states} states, outcomes ${outcomes.join(' ')}`);
      expect(outcomes).toContain('1,1');
      expect(outcomes.includes(WEAK)).toBe(allowed);
    });
  }
});

/**
 * Load buffering on two PEs: PE0 loads x into x4 then stores to y, PE1
 * loads y then stores to x (x3 = 1, `between` between the two). Returns
 * every (PE0 x4, PE1 x4) and the state count.
 */
function loadBuffering(between: string, store = 'str x3, [x2]') {
  const code = `ldr x4, [x1]\n${between}\n${store}`;
  const build = twoPes(code, code, (pe) => [
    [1, pe === 0 ? DATA : FLAG],
    [2, pe === 0 ? FLAG : DATA],
    [3, 1n],
  ]);
  const r = exploreMachine(build, (m) =>
    m.cpus.map((c) => word64.toBigint(c.state.regs, 8)).join(','),
  );
  expect(r.complete).toBe(true);
  return { outcomes: [...r.outcomes.values()].map((o) => o.outcome).sort(), states: r.states };
}

describe('arm64Storage load buffering (a store passing an earlier load), exhaustive on two PEs', () => {
  const cases: readonly [string, string, string | undefined, boolean][] = [
    ['LB', '', undefined, true],
    // Another load, a pair, between them: both may still be pending when the store goes out.
    ['LB past a load pair', 'ldp x5, x6, [x1, #16]', undefined, true],
    ['LB+datas', 'eor x5, x4, x4\nadd x5, x5, #0x1', 'str x5, [x2]', false],
    ['LB+addrs', 'eor x5, x4, x4', 'str x3, [x2, x5]', false],
    ['LB+ctrls', 'cbz x4, 1f\n1:', undefined, false],
    ['LB+dmb.lds', 'dmb ishld', undefined, false],
    ['LB+rels', '', 'stlr x3, [x2]', false],
  ];
  for (const [name, between, store, allowed] of cases) {
    it(`${name}: both loads reading 1 is ${allowed ? 'Allowed' : 'Forbidden'}`, () => {
      const { outcomes, states } = loadBuffering(between, store);
      console.info(`${name}: ${states} states, outcomes ${outcomes.join(' ')}`);
      expect(outcomes).toContain('0,0');
      expect(outcomes.includes('1,1')).toBe(allowed);
    });
  }
});
