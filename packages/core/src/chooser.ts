/**
 * Every place where real hardware may behave differently from run to run
 * (which CPU steps next, when a buffered store drains, which possibly
 * stale instruction bytes a fetch returns) asks a {@link Chooser}. A
 * simulation passes {@link seededChooser}; the exhaustive explorer passes
 * its own enumerating chooser (see `explorer.ts`). One model, two uses.
 *
 * @module
 */

import { fail } from './errors';
import { createPrng } from './prng';

/** The source of every nondeterministic decision in the engine. */
export interface Chooser {
  /**
   * Picks one of `n ≥ 1` alternatives and returns its index in `[0, n)`.
   * `label` names the decision (`'schedule'`, `'fetch'`, …) for traces.
   */
  choose(n: number, label?: string): number;
  /**
   * True for the exhaustive explorer's chooser, which fingerprints the
   * system at its choice points: a system may then keep, at every step, what
   * a fingerprint taken in the middle of the step needs.
   */
  readonly exhaustive?: boolean;
}

/** A {@link Chooser} that draws from a seeded PRNG and can record its decisions. */
export interface SeededChooser extends Chooser {
  /** The decisions made so far, in order (only when created with `record: true`). */
  readonly trace: readonly number[];
}

/** Options for {@link seededChooser}. */
export interface SeededChooserOptions {
  /** Keep every decision in `trace` (costs an array push per decision); default false. */
  readonly record?: boolean;
}

/**
 * A chooser drawing uniformly from xoshiro128** seeded with `seed`: the
 * same seed makes the same decisions, so a simulation replays exactly.
 */
export function seededChooser(seed: number, options: SeededChooserOptions = {}): SeededChooser {
  const prng = createPrng(seed);
  const trace: number[] = [];
  const record = options.record ?? false;
  return {
    trace,
    choose(n) {
      const c = n === 1 ? 0 : prng.below(n);
      if (record) trace.push(c);
      return c;
    },
  };
}

/**
 * A chooser that replays a recorded list of decisions (a seeded trace or
 * an explorer's witness), then always picks alternative 0. `EINVAL` when a
 * recorded decision does not fit the number of alternatives offered, which
 * means the system diverged from the recording.
 */
export function replayChooser(decisions: readonly number[]): Chooser {
  let i = 0;
  return {
    choose(n, label) {
      if (i >= decisions.length) return 0;
      const c = decisions[i++];
      if (c >= n) {
        fail(
          'EINVAL',
          `replayed decision ${c} at step ${i - 1} (${label ?? 'choice'}) exceeds ${n} alternatives`,
        );
      }
      return c;
    },
  };
}
