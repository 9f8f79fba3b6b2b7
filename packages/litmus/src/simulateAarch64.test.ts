import { readFileSync } from 'node:fs';
import { sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { aarch64Litmus } from './arch/aarch64Litmus';
import { parseLitmus } from './parseLitmus';
import { runLitmus } from './runLitmus';
import { simulateLitmus } from './simulateLitmus';
import { litmusMachineArch as machineArch } from './testing/litmusMachines';
import { describeSimulation } from './testing/simulationGroups';

// 60 tests, 21 Allowed: 10 of them reach their exists outcome in 40 runs (seed 1).
describeSimulation({
  name: 'herdtools7 aarch64-ifetch catalogue',
  dir: sharedPath('litmus', 'aarch64'),
  options: {},
  tests: 60,
  minAllowedHit: 8,
});

describe('every Allowed aarch64 test on the machine', () => {
  it('reaches its exists outcome within 200 runs (seed 1), with load buffering', () => {
    // Without load→store reordering 11 of the 21 stay out of reach however many runs.
    const outcomes = runLitmus([sharedPath('litmus', 'aarch64')], {
      simulate: { runs: 200, seed: 1, machineArch },
    });
    const missed: string[] = [];
    let allowed = 0;
    for (const o of outcomes) {
      if (!('result' in o) || !o.simulation || 'error' in o.simulation) throw new Error(o.file);
      expect(o.simulation.outside).toEqual([]);
      if (o.result.observation === 'Never') continue;
      allowed++;
      if (o.simulation.existsHits === 0) missed.push(o.result.name);
    }
    expect(allowed).toBe(21);
    expect(missed).toEqual([]);
  });
});

describe('a fetch orders the later loads of its PE (aarch64.cat f-ob)', () => {
  it('MP.FR+dmb.st+ctrlisb: once P1 runs the new code, its load sees the data written before it', () => {
    // Seed 1, runs 178 and neighbours reached 1:X9=2;1:X2=0 before the storage model honoured f-ob.
    const file = sharedPath('litmus', 'aarch64', 'MP.FR+dmb.st+ctrlisb.litmus');
    const test = parseLitmus(readFileSync(file, 'utf8'), file, [aarch64Litmus]);
    const s = simulateLitmus(test, aarch64Litmus, { runs: 400, seed: 1, machineArch });
    expect(s.unfinished).toBe(0);
    expect(s.outside).toEqual([]);
    // The run still explores: P1 sees the new code in some runs and the old in others.
    expect(s.states.length).toBeGreaterThan(1);
  });
});
