import { arm64Arch } from '@execmem/arch-arm64';
import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import { isExecmemError, replayChooser } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { buildProtocolMachine } from './checkProtocol';
import { type ArchResolver, runScenario, shippedScenarios } from './shippedScenarios';

const resolve: ArchResolver = (name, options) =>
  (name === 'arm64'
    ? arm64Arch(options)
    : name === 'x86_64'
      ? x86Arch(options)
      : riscvArch(options)) as never;

describe('shipped protocol scenarios, exhaustive with 2 CPUs', () => {
  for (const scenario of shippedScenarios) {
    it(`${scenario.name} is ${scenario.expect}`, () => {
      const r = runScenario(scenario.name, resolve);
      console.log(
        `${scenario.name}: ${r.check.states} states, ${r.check.executions} executions, ${r.check.hazards.length} hazards`,
      );
      expect(r.check.complete).toBe(true);
      expect(r.check.states).toBeGreaterThan(0);
      expect(r.asExpected).toBe(true);
      if (scenario.expect === 'hazard') {
        expect(r.check.hazards.length).toBeGreaterThan(0);
        // The trace replays: the same machine under the recorded choices ends in the hazard.
        const h = r.check.hazards[0];
        const p = buildProtocolMachine(r.options, replayChooser(h.trace));
        p.machine.run({ maxSteps: 2000 });
        const o = p.outcome();
        const newValue = String(r.options.executors.newValue);
        expect(o.torn || o.faults.length > 0 || o.results.some(([, a]) => a !== newValue)).toBe(
          true,
        );
      } else expect(r.check.hazards).toEqual([]);
    });
  }

  it('patch-x86_64-call-no-int3 fetches the call torn', () => {
    const r = runScenario('patch-x86_64-call-no-int3', resolve);
    expect(r.check.hazards.map((h) => h.kind)).toContain('torn');
  });

  it('rejects an unknown scenario name with ENOENT naming it', () => {
    try {
      runScenario('no-such', resolve);
      expect.unreachable();
    } catch (e) {
      expect(isExecmemError(e, 'ENOENT')).toBe(true);
      expect(String(e)).toContain('no-such');
    }
  });
});
