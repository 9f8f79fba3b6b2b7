import { type ArchResolver, runScenario, shippedScenarios } from '@execmem/jit';
import { Command } from 'commander';
import { archByArchName } from '../arches';
import { ExitCode } from '../exitCode';
import { writeJson } from '../io';
import { createProgress } from '../progress';
import { UsageError } from '../usageError';
import type { CommandFactory } from './index';

/** Builds the arches jit's scenarios name, through the CLI's registry. */
const resolveArch: ArchResolver = (name, options) => archByArchName(name, options);

function positiveInteger(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${option} ${text} is not a positive integer`);
  return n;
}

/**
 * `execmem explore [SCENARIO...]`: runs the shipped publish and patch
 * scenarios under the hazard checker (exhaustively, or seeded random runs
 * with `--random`), printing the steps, the states explored and every
 * hazard with its replayable trace.
 */
export const exploreCommand: CommandFactory = (io, result) =>
  new Command('explore')
    .description(
      'check the shipped publish and live-patch protocols (and their broken variants) with the hazard checker',
    )
    .argument('[scenarios...]', 'scenario names (default: all; see --list)')
    .option('--list', 'list the scenarios and what each shows')
    .option('--cpus <n>', 'CPUs, the writer included', '2')
    .option('--random <seed>', 'seeded random runs instead of exhaustive exploration')
    .option('--runs <n>', 'number of random runs with --random', '200')
    .option(
      '--no-independence',
      "interleave the executors' private steps too (same verdicts, far more states; for comparison)",
    )
    .option('--json', 'print JSON for machines')
    .action(
      (
        names: string[],
        opts: {
          list?: boolean;
          cpus: string;
          random?: string;
          runs: string;
          independence: boolean;
          json?: boolean;
        },
      ) => {
        if (opts.list) {
          for (const s of shippedScenarios) {
            io.out.write(`${s.name}\t${s.arch}\texpect ${s.expect}\t${s.description}\n`);
          }
          result.code = ExitCode.Ok;
          return;
        }
        const cpus = positiveInteger(opts.cpus, '--cpus');
        const random =
          opts.random === undefined
            ? undefined
            : { seed: Number(opts.random), runs: positiveInteger(opts.runs, '--runs') };
        const selected = names.length > 0 ? names : shippedScenarios.map((s) => s.name);
        const progress = createProgress('explore', selected.length, io.err);
        const results = selected.map((name) => {
          const r = runScenario(name, resolveArch, {
            cpus,
            independence: opts.independence,
            ...(random ? { random } : {}),
          });
          progress.tick(name);
          return r;
        });
        progress.done();
        if (opts.json) {
          writeJson(
            io.out,
            results.map((r) => ({
              scenario: r.scenario.name,
              expect: r.scenario.expect,
              asExpected: r.asExpected,
              states: r.check.states,
              executions: r.check.executions,
              hazards: r.check.hazards,
            })),
          );
        } else {
          io.out.write(`${results.map((r) => r.text).join('\n\n')}\n`);
        }
        result.code = results.every((r) => r.asExpected) ? ExitCode.Ok : ExitCode.CheckFailed;
      },
    );
