/**
 * The exhaustive explorer: model checking by depth-first enumeration of
 * every sequence of {@link Chooser} decisions a system can make.
 *
 * It re-executes each execution from the initial state (stateless search)
 * rather than copying states: a machine holds page tables, TLBs, store
 * buffers and instruction views, so a faithful copy is costly and easy to
 * get wrong, while re-running a litmus-sized prefix is cheap. State
 * hashing recovers what copying would give: at every choice point the
 * system may fingerprint its state, and a choice point reached in a state
 * already seen is pruned (its continuations are, or are being, explored
 * from the first visit). This also makes spin loops finite and merges the
 * commuting "diamonds" of independent steps (steps of CPUs touching only
 * private state reach the same state in either order). The machine adds
 * the partial-order reduction proper: with memory declared independent
 * (`Machine.declareIndependent`) it offers no decision before a step that
 * commutes with every other CPU's, so those states are never reached.
 *
 * @module
 */

import type { Chooser } from './chooser';
import { fail } from './errors';

/** A system the explorer can run from its initial state any number of times. */
export interface Exploration<S, R> {
  /** Builds the system in its initial state, with `chooser` as its source of decisions. */
  start(chooser: Chooser): S;
  /** Runs the system to its end and returns the outcome. */
  finish(system: S): R;
  /**
   * The system's state at the current choice point, as a string that is
   * equal exactly when the states are; `undefined` where the state cannot
   * be captured (for example in the middle of an instruction), which
   * disables pruning at that point. Without it nothing is pruned.
   */
  fingerprint?(system: S): string | undefined;
  /** The key under which equal outcomes are merged; default `JSON.stringify` (with `bigint`s as `"<digits>n"`). */
  outcomeKey?(outcome: R): string;
}

/** Bounds for {@link explore}. */
export interface ExploreOptions {
  /** Stop (with `E2BIG`) once this many distinct states were fingerprinted; default 1,000,000. */
  readonly maxStates?: number;
  /** Stop (with `E2BIG`) after this many executions; default 10,000,000. */
  readonly maxExecutions?: number;
  /** Stop (with `E2BIG`) when one execution makes more decisions; default 100,000. */
  readonly maxDepth?: number;
}

/** One distinct outcome and a decision sequence that reaches it (replay it with `replayChooser`). */
export interface ExploredOutcome<R> {
  readonly outcome: R;
  readonly witness: readonly number[];
}

/** What {@link explore} found. */
export interface ExploreResult<R> {
  /** True when every execution was enumerated; false when a bound stopped the search. */
  readonly complete: boolean;
  /** `'E2BIG'` when a bound stopped the search, with `message` naming it. */
  readonly code?: 'E2BIG';
  readonly message?: string;
  /** Distinct outcomes by key, in the order first reached. */
  readonly outcomes: ReadonlyMap<string, ExploredOutcome<R>>;
  /** Distinct states fingerprinted at choice points. */
  readonly states: number;
  /** Executions started (run to the end or pruned). */
  readonly executions: number;
  /** Executions cut short because they reached an already explored state. */
  readonly pruned: number;
  /** Choice points passed, over all executions. */
  readonly choicePoints: number;
}

/** `JSON.stringify` that also takes `bigint`s (as `"<digits>n"`). */
function defaultOutcomeKey(outcome: unknown): string {
  return JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Thrown through the system to abandon an execution that reached a known state. */
class Pruned {}
const PRUNED = new Pruned();
/** Thrown through the system when a bound is exceeded. */
class Bounded {
  constructor(readonly message: string) {}
}

/**
 * Enumerates every decision sequence of `exploration` depth-first and
 * collects the distinct outcomes. The system must be deterministic apart
 * from its chooser, and must let the explorer's private exceptions
 * propagate out of `choose`.
 */
export function explore<S, R>(
  exploration: Exploration<S, R>,
  options: ExploreOptions = {},
): ExploreResult<R> {
  const maxStates = options.maxStates ?? 1_000_000;
  const maxExecutions = options.maxExecutions ?? 10_000_000;
  const maxDepth = options.maxDepth ?? 100_000;
  const key = exploration.outcomeKey ?? defaultOutcomeKey;
  const seen = new Set<string>();
  const outcomes = new Map<string, ExploredOutcome<R>>();
  // The current decision sequence: taken[i] of width[i] alternatives.
  const taken: number[] = [];
  const width: number[] = [];
  let executions = 0;
  let pruned = 0;
  let choicePoints = 0;
  let depth = 0;
  let system: S | undefined;

  const chooser: Chooser = {
    exhaustive: true,
    choose(n, label) {
      if (!Number.isInteger(n) || n < 1) {
        fail('EINVAL', `choice ${label ?? ''} offers ${n} alternatives; need a positive integer`);
      }
      choicePoints++;
      if (depth < taken.length) {
        if (width[depth] !== n) {
          fail(
            'EINVAL',
            `system is not deterministic: choice ${depth} (${label ?? 'choice'}) offered ${n} alternatives, earlier ${width[depth]}`,
          );
        }
        return taken[depth++];
      }
      if (depth >= maxDepth)
        throw new Bounded(`an execution made more than ${maxDepth} decisions (maxDepth)`);
      if (exploration.fingerprint && system !== undefined) {
        const f = exploration.fingerprint(system);
        if (f !== undefined) {
          if (seen.has(f)) throw PRUNED;
          if (seen.size >= maxStates)
            throw new Bounded(`more than ${maxStates} states (maxStates)`);
          seen.add(f);
        }
      }
      taken.push(0);
      width.push(n);
      depth++;
      return 0;
    },
  };

  const result = (complete: boolean, message?: string): ExploreResult<R> => ({
    complete,
    ...(complete ? {} : { code: 'E2BIG' as const, message }),
    outcomes,
    states: seen.size,
    executions,
    pruned,
    choicePoints,
  });

  for (;;) {
    if (executions >= maxExecutions) {
      return result(false, `more than ${maxExecutions} executions (maxExecutions)`);
    }
    executions++;
    depth = 0;
    system = undefined;
    try {
      system = exploration.start(chooser);
      const outcome = exploration.finish(system);
      const k = key(outcome);
      if (!outcomes.has(k)) outcomes.set(k, { outcome, witness: taken.slice(0, depth) });
    } catch (e) {
      if (e === PRUNED) pruned++;
      else if (e instanceof Bounded) return result(false, e.message);
      else throw e;
    }
    // Decisions past `depth` belong to an abandoned branch of a pruned run.
    taken.length = depth;
    width.length = depth;
    while (taken.length > 0 && taken[taken.length - 1] + 1 >= width[width.length - 1]) {
      taken.pop();
      width.pop();
    }
    if (taken.length === 0) return result(true);
    taken[taken.length - 1]++;
  }
}
