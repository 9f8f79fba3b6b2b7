import { describe, expect, it } from 'vitest';
import { type Chooser, replayChooser, seededChooser } from './chooser';
import { type Exploration, explore } from './explorer';

/** Two threads of m and n private steps; a scheduler choice before each step. */
function twoThreads(
  m: number,
  n: number,
  hashed: boolean,
): Exploration<{ pc: number[]; chooser: Chooser; order: number[] }, string> {
  return {
    start: (chooser) => ({ pc: [0, 0], chooser, order: [] }),
    finish(s) {
      for (;;) {
        const runnable = [s.pc[0] < m, s.pc[1] < n];
        const ready = runnable.filter(Boolean).length;
        if (ready === 0) return s.order.join('');
        const pick = s.chooser.choose(ready, 'schedule');
        const cpu = runnable[0] && pick === 0 ? 0 : 1;
        s.pc[cpu]++;
        s.order.push(cpu);
      }
    },
    ...(hashed ? { fingerprint: (s) => `${s.pc[0]},${s.pc[1]}` } : {}),
  };
}

const binomial = (a: number, b: number): number => {
  let r = 1;
  for (let i = 1; i <= b; i++) r = (r * (a - b + i)) / i;
  return r;
};

describe('explore', () => {
  it('enumerates every interleaving of two threads: C(m+n, n) executions', () => {
    for (const [m, n] of [
      [1, 1],
      [2, 3],
      [4, 4],
      [5, 2],
    ]) {
      const r = explore(twoThreads(m, n, false));
      expect(r.complete).toBe(true);
      expect(r.executions).toBe(binomial(m + n, n));
      expect(r.outcomes.size).toBe(binomial(m + n, n));
    }
  });

  it('prunes already seen states: (m+1)(n+1)-1 states instead of C(m+n, n) runs', () => {
    const r = explore(twoThreads(6, 6, true));
    expect(r.complete).toBe(true);
    expect(r.states).toBe(7 * 7 - 1);
    expect(r.executions).toBeLessThan(binomial(12, 6));
  });

  it('stops with E2BIG at the state bound instead of running on', () => {
    const r = explore(twoThreads(10, 10, true), { maxStates: 20 });
    expect(r.complete).toBe(false);
    expect(r.code).toBe('E2BIG');
    expect(r.message).toMatch(/20 states/);
    const d = explore(twoThreads(10, 10, false), { maxExecutions: 5 });
    expect(d.code).toBe('E2BIG');
    expect(d.executions).toBe(5);
  });

  it('records a witness that replays to its outcome', () => {
    const ex = twoThreads(3, 2, false);
    const r = explore(ex);
    for (const { outcome, witness } of r.outcomes.values()) {
      expect(ex.finish(ex.start(replayChooser(witness)))).toBe(outcome);
    }
  });

  it('rejects a chooser call without alternatives', () => {
    const r = () => explore({ start: (c) => c, finish: (c) => c.choose(0, 'empty') });
    expect(r).toThrow(/EINVAL.*empty.*0 alternatives/);
  });
});

describe('seededChooser', () => {
  it('replays identically for the same seed and differs for another', () => {
    const run = (seed: number) => {
      const c = seededChooser(seed, { record: true });
      for (let i = 0; i < 200; i++) c.choose(1 + (i % 7));
      return c.trace;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
    expect(run(0).every((v, i) => v >= 0 && v < 1 + (i % 7))).toBe(true);
  });
});
