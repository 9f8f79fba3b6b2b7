import {
  type Chooser,
  createMachine,
  exploreMachine,
  type HazardEvent,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  word64,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { arm64Arch } from '../arm64Arch';
import { insnWord } from './cmodx';

const TEXT = 0xffff800100000000n;
const SITE = 0xffff800100001000n;
const ALIAS = 0xffff800100020000n;

const arch = arm64Arch();
const word = (source: string) => insnWord(arch.isa.assemble(source).bytes);

interface HazardOutcome {
  readonly hazards: number;
  /** PE1 ran the old instruction after the store (a fetch that had both versions to choose from). */
  readonly stale: boolean;
  /** The versions each hazard event saw, as instruction words. */
  readonly versions: readonly (readonly number[])[];
  readonly cpu: readonly number[];
  readonly pc: readonly number[];
}

/**
 * PE0 overwrites the first instruction at SITE (`oldFirst`, followed by two
 * BRKs) with `newWord` through a writable alias, with no maintenance, while
 * PE1 executes SITE: a concurrent modification (Arm ARM B2.2.5).
 */
function concurrentPatch(oldFirst: string, newWord: number) {
  const writer = arch.isa.assemble('str w0, [x6]\nbrk #0x0').bytes;
  const site = arch.isa.assemble(`${oldFirst}\n1: brk #0x1\n2: brk #0x2`).bytes;
  // The hazards of the execution being explored (the explorer runs one at a time).
  let events: HazardEvent[] = [];
  const r = exploreMachine(
    (chooser: Chooser) => {
      events = [];
      const m = createMachine({ arch, cpus: 2, chooser, onHazard: (e) => events.push(e) });
      m.mapNew(TEXT, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
      const pa = m.mapNew(SITE, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
      m.kernel.map(ALIAS, BigInt(pa), 4096n, PROT_READ | PROT_WRITE | PROT_GLOBAL);
      m.load(TEXT, writer);
      m.load(SITE, site);
      word64.fromBigint(m.cpus[0].state.regs, 0, BigInt(newWord));
      word64.fromBigint(m.cpus[0].state.regs, 12, ALIAS);
      m.start(0, TEXT);
      m.start(1, SITE);
      return m;
    },
    (m): HazardOutcome => ({
      hazards: m.counters.get('hazards'),
      stale: m.counters.get('staleFetches') > 0,
      versions: events.map((e) => e.versions.map((v) => insnWord(v))),
      cpu: events.map((e) => e.cpu),
      pc: events.map((e) => e.pc - m.kernel.toEngine(SITE)),
    }),
  );
  expect(r.complete, r.message).toBe(true);
  console.log(`${oldFirst} patched concurrently: ${r.states} states, ${r.outcomes.size} outcomes`);
  return [...r.outcomes.values()].map((o) => o.outcome);
}

describe('CMODX hazards on the machine (Arm ARM B2.2.5)', () => {
  it('patching a live B to another B is no hazard', () => {
    const outcomes = concurrentPatch('b 2f', word('b 1f\n1: nop'));
    // Some runs fetched while both versions were allowed, and ran the old one.
    expect(outcomes.some((o) => o.stale)).toBe(true);
    for (const o of outcomes)
      expect(o).toMatchObject({ hazards: 0, versions: [], cpu: [], pc: [] });
  });

  it('patching a live ADD to a B is a hazard, reported with the PE, pc and both words', () => {
    const add = word('add x9, x9, #0x1');
    const b = word('b 1f\n1: nop');
    const outcomes = concurrentPatch('add x9, x9, #0x1', b);
    // PE1 fetched before the store (no hazard) or while both versions were fetchable.
    expect(outcomes).toContainEqual(
      expect.objectContaining({ hazards: 0, versions: [], cpu: [], pc: [] }),
    );
    expect(outcomes).toContainEqual(
      expect.objectContaining({ hazards: 1, versions: [[add, b]], cpu: [1], pc: [0] }),
    );
    for (const o of outcomes) expect(o.hazards).toBeLessThanOrEqual(1);
  });
});
