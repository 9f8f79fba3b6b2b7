/**
 * herd's final-state conditions: `exists`, `~exists` and `forall` over a
 * proposition of `cell=value` atoms joined by `/\`, `\/` and `~`.
 *
 * @module
 */

import { cellName, type ObservedCell } from './litmusTest';
import type { LitmusValue } from './litmusValue';

/** A proposition over the final state. */
export type Proposition =
  | {
      readonly kind: 'atom';
      readonly cell: ObservedCell;
      readonly value: LitmusValue;
      readonly text: string;
    }
  /** `fault(P1)` / `fault(P1,L0)`: thread 1 took an exception (at the instruction at code address `at`). */
  | { readonly kind: 'fault'; readonly thread: number; readonly at?: string; readonly text: string }
  | { readonly kind: 'not'; readonly arg: Proposition }
  | { readonly kind: 'and' | 'or'; readonly args: readonly [Proposition, Proposition] }
  | { readonly kind: 'const'; readonly value: boolean };

/** A test's final condition. */
export interface LitmusCondition {
  readonly quantifier: 'exists' | '~exists' | 'forall';
  readonly prop: Proposition;
}

/** Reads a final-state cell. */
export type CellReader = (cell: ObservedCell) => LitmusValue;

/** Tells whether a thread faulted in this execution (at code address `at`, when given). */
export type FaultReader = (thread: number, at?: string) => boolean;

/** A {@link FaultReader} over the code addresses at which each thread faulted. */
export function faultReader(faultsOf: (thread: number) => readonly string[]): FaultReader {
  return (thread, at) => {
    const faults = faultsOf(thread);
    return at === undefined ? faults.length > 0 : faults.includes(at);
  };
}

/** Evaluates a proposition on a final state. */
export function evaluate(
  p: Proposition,
  read: CellReader,
  faulted: FaultReader = () => false,
): boolean {
  switch (p.kind) {
    case 'atom':
      return read(p.cell) === p.value;
    case 'fault':
      return faulted(p.thread, p.at);
    case 'not':
      return !evaluate(p.arg, read, faulted);
    case 'and':
      return evaluate(p.args[0], read, faulted) && evaluate(p.args[1], read, faulted);
    case 'or':
      return evaluate(p.args[0], read, faulted) || evaluate(p.args[1], read, faulted);
    case 'const':
      return p.value;
  }
}

/** The cells a proposition reads, each once, in order of appearance. */
export function propositionCells(p: Proposition, out: ObservedCell[] = []): ObservedCell[] {
  if (p.kind === 'atom') {
    if (!out.some((c) => cellName(c) === cellName(p.cell))) out.push(p.cell);
  } else if (p.kind === 'not') propositionCells(p.arg, out);
  else if (p.kind === 'and' || p.kind === 'or') for (const a of p.args) propositionCells(a, out);
  return out;
}

/** herd's rendering of a proposition: `1:X3=1 /\ 1:X9=0`, parenthesized below the top. */
export function formatProposition(p: Proposition, top = true): string {
  switch (p.kind) {
    case 'atom':
    case 'fault':
      return p.text;
    case 'const':
      return p.value ? 'true' : 'false';
    case 'not':
      return `not (${formatProposition(p.arg, true)})`;
    case 'and':
    case 'or': {
      const s = `${formatProposition(p.args[0], false)} ${p.kind === 'and' ? '/\\' : '\\/'} ${formatProposition(p.args[1], false)}`;
      return top ? s : `(${s})`;
    }
  }
}

/** herd's rendering of a condition: `exists (…)`, `~exists (…)`, `forall (…)`. */
export function formatCondition(c: LitmusCondition): string {
  return `${c.quantifier} (${formatProposition(c.prop)})`;
}
