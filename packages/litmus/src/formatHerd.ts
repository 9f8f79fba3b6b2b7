/**
 * herd7's output: one block per test (`Test`, `States`, the states, `Ok`/`No`,
 * `Witnesses`, `Positive/Negative`, `Flag`s, `Condition`, `Observation`,
 * `Time`, `Hash`), the simulation's lines after them, and a JSON form for machines.
 *
 * @module
 */

import type { LitmusResult } from './checkLitmus';
import type { LitmusFileOutcome, SimulationOutcome } from './runLitmus';

/** herd's block for one result. */
export function formatHerdResult(r: LitmusResult, milliseconds?: number): string {
  const lines = [`Test ${r.name} ${r.kind}`, `States ${r.states.length}`];
  for (const s of r.states) lines.push(`${s.cells.map(([k, v]) => `${k}=${v};`).join(' ')}`);
  lines.push(r.ok ? 'Ok' : 'No', 'Witnesses', `Positive: ${r.positive} Negative: ${r.negative}`);
  for (const f of r.flags) lines.push(`Flag ${f}`);
  lines.push(
    `Condition ${r.condition}`,
    `Observation ${r.name} ${r.observation} ${r.positive} ${r.negative}`,
  );
  if (milliseconds !== undefined) lines.push(`Time ${r.name} ${(milliseconds / 1000).toFixed(2)}`);
  if (r.hash !== undefined) lines.push(`Hash=${r.hash}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The lines a simulation adds after herd's: `Simulation NAME runs R exists-hits H
 * states-outside-model K`, then one `Outside NAME` line per such state, or
 * `Simulation NAME unsupported: why`.
 */
export function formatSimulation(name: string, s: SimulationOutcome): string {
  if ('error' in s) return `Simulation ${name} unsupported: ${s.error}\n`;
  const lines = [
    `Simulation ${name} runs ${s.runs} exists-hits ${s.existsHits} states-outside-model ${s.outside.length}${s.unfinished ? ` unfinished ${s.unfinished}` : ''}`,
  ];
  for (const o of s.outside)
    lines.push(
      `Outside ${name} ${o.cells.map(([k, v]) => `${k}=${v};`).join(' ')} runs ${o.count} seed ${o.seed}`,
    );
  return `${lines.join('\n')}\n`;
}

/** herd-style text for a run: a block per file, an error block for a file that failed. */
export function formatHerd(outcomes: readonly LitmusFileOutcome[]): string {
  return outcomes
    .map((o) =>
      'result' in o
        ? formatHerdResult(o.result, o.milliseconds) +
          (o.simulation ? formatSimulation(o.result.name, o.simulation) : '')
        : `Test ${o.file} Error\nError ${o.file}${o.error.line !== undefined ? ` line ${o.error.line}` : ''}: ${o.error.message}\n`,
    )
    .join('\n');
}

/** The JSON form of a run (one object per file). */
export function formatLitmusJson(outcomes: readonly LitmusFileOutcome[]): string {
  return JSON.stringify(outcomes, null, 2);
}

/**
 * 1 when any file failed, or its simulation could not run, reached a state
 * the checker does not list or did not finish; else 0: the CLI's exit code.
 */
export function litmusExitCode(outcomes: readonly LitmusFileOutcome[]): 0 | 1 {
  return outcomes.some(
    (o) =>
      'error' in o ||
      (o.simulation !== undefined &&
        ('error' in o.simulation ||
          o.simulation.outside.length > 0 ||
          o.simulation.unfinished > 0)),
  )
    ? 1
    : 0;
}
