/**
 * herd7's output: one block per test (`Test`, `States`, the states, `Ok`/`No`,
 * `Witnesses`, `Positive/Negative`, `Condition`, `Observation`, `Time`),
 * and a JSON form for machines.
 *
 * @module
 */

import type { LitmusResult } from './checkLitmus';
import type { LitmusFileOutcome } from './runLitmus';

/** herd's block for one result. */
export function formatHerdResult(r: LitmusResult, milliseconds?: number): string {
  const lines = [`Test ${r.name} ${r.kind}`, `States ${r.states.length}`];
  for (const s of r.states) lines.push(`${s.cells.map(([k, v]) => `${k}=${v};`).join(' ')}`);
  lines.push(r.ok ? 'Ok' : 'No', 'Witnesses', `Positive: ${r.positive} Negative: ${r.negative}`);
  lines.push(
    `Condition ${r.condition}`,
    `Observation ${r.name} ${r.observation} ${r.positive} ${r.negative}`,
  );
  if (milliseconds !== undefined) lines.push(`Time ${r.name} ${(milliseconds / 1000).toFixed(2)}`);
  return `${lines.join('\n')}\n`;
}

/** herd-style text for a run: a block per file, an error block for a file that failed. */
export function formatHerd(outcomes: readonly LitmusFileOutcome[]): string {
  return outcomes
    .map((o) =>
      'result' in o
        ? formatHerdResult(o.result, o.milliseconds)
        : `Test ${o.file} Error\nError ${o.file}${o.error.line !== undefined ? ` line ${o.error.line}` : ''}: ${o.error.message}\n`,
    )
    .join('\n');
}

/** The JSON form of a run (one object per file). */
export function formatLitmusJson(outcomes: readonly LitmusFileOutcome[]): string {
  return JSON.stringify(outcomes, null, 2);
}

/** 1 when any file failed, else 0: the CLI's exit code. */
export function litmusExitCode(outcomes: readonly LitmusFileOutcome[]): 0 | 1 {
  return outcomes.some((o) => 'error' in o) ? 1 : 0;
}
