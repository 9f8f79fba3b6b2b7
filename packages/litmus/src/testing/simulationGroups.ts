/**
 * Test support: the consistency check over a folder of tests, as
 * vitest suites. Every test of the folder runs `RUNS` seeded times on the
 * core machine (`execmem litmus --simulate`); every final state reached
 * must be one the checker lists, and the `exists` outcome of Allowed tests
 * must be hit often enough to show the runs explore relaxed behaviour.
 *
 * @module
 */

import { describe, expect, it } from 'vitest';
import { type CheckOptions, stateKey } from '../checkLitmus';
import { runLitmus } from '../runLitmus';
import { litmusMachineArch } from './litmusMachines';

/** Runs per test: the 106 tests of the four groups take about ten seconds on one core. */
export const RUNS = 40;
const SEED = 1;

/** One folder of tests under one model. */
export interface SimulationGroup {
  readonly name: string;
  readonly dir: string;
  readonly options: CheckOptions;
  readonly tests: number;
  /** Allowed tests whose `exists` outcome the runs must reach at least once (a floor below what they reach). */
  readonly minAllowedHit: number;
}

/** The suites of one group. */
export function describeSimulation(group: SimulationGroup): void {
  describe(`simulation of the ${group.name}`, () => {
    const outcomes = runLitmus([group.dir], {
      ...group.options,
      simulate: { runs: RUNS, seed: SEED, machineArch: litmusMachineArch },
    });
    const simulated = outcomes.map((o) => {
      if (!('result' in o)) throw new Error(o.error.message);
      const s = o.simulation;
      if (!s || 'error' in s) throw new Error(`${o.file}: ${s?.error ?? 'not simulated'}`);
      return { result: o.result, simulation: s };
    });

    it('runs every test to the end on the machine', () => {
      expect(simulated).toHaveLength(group.tests);
      for (const { simulation } of simulated) {
        expect(simulation.unfinished, simulation.name).toBe(0);
        expect(simulation.states.reduce((n, s) => n + s.count, 0)).toBe(RUNS);
      }
    });

    it('reaches only final states the checker lists', () => {
      const unexpected = simulated.flatMap(({ simulation }) =>
        simulation.outside.map((s) => `${simulation.name}: ${stateKey(s.cells)}`),
      );
      expect(unexpected).toEqual([]);
    });

    it('hits the exists outcome of Allowed tests, never of Forbidden ones', () => {
      const allowed = simulated.filter(({ result }) => result.observation !== 'Never');
      const hit = allowed.filter(({ simulation }) => simulation.existsHits > 0);
      expect(hit.length).toBeGreaterThanOrEqual(group.minAllowedHit);
      for (const { result, simulation } of simulated)
        if (result.observation === 'Never') expect(simulation.existsHits, result.name).toBe(0);
    });
  });
}
