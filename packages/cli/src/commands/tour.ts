import { Command, Option } from 'commander';
import { knownArches } from '../arches';
import { ExitCode } from '../exitCode';
import { writeJson } from '../io';
import { createProgress } from '../progress';
import { runTour } from '../tour/runTour';
import { formatTourTable } from '../tour/tourTable';
import { UsageError } from '../usageError';
import type { CommandFactory } from './index';

/** Workload arrivals per arch and policy when `--programs` is not given. */
export const TOUR_DEFAULT_PROGRAMS = 400;

function count(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${name} ${text} is not an integer of at least ${min}`);
  }
  return n;
}

/**
 * `execmem tour`: on each arch, loads a seeded BPF-like workload through
 * every execmem policy, runs the JIT'd programs on 4 CPUs, flips a static
 * key under them, prints one comparison table and writes an SVG map of
 * each cache. Exits 1 when a hazard or a W^X violation shows up.
 */
export const tourCommand: CommandFactory = (io, result) =>
  new Command('tour')
    .description(
      'load a BPF-like workload through every execmem policy on each arch, run it on 4 CPUs, flip a static key; print the comparison table and write SVG maps',
    )
    .addOption(
      new Option('--arch <arch>', 'architecture')
        .choices(['all', ...knownArches.map((a) => a.name)])
        .default('all'),
    )
    .option(
      '--programs <n>',
      'workload arrivals per arch and policy',
      String(TOUR_DEFAULT_PROGRAMS),
    )
    .option('--seed <n>', 'seed of every random choice', '1')
    .option('--out <dir>', 'folder for the SVG maps', 'execmem-out')
    .option('--json', 'print JSON for machines')
    .action(
      (opts: { arch: string; programs: string; seed: string; out: string; json?: boolean }) => {
        const programs = count('--programs', opts.programs, 1);
        const seed = count('--seed', opts.seed, 0);
        const arches = knownArches.filter((a) => opts.arch === 'all' || a.name === opts.arch);
        const progress = createProgress('tour', arches.length * 4, io.err);
        const { rows, maps } = runTour({
          arches,
          programs,
          seed,
          out: opts.out,
          onCase: (label) => progress.tick(label),
        });
        progress.done();
        if (opts.json) {
          writeJson(io.out, { programs, seed, rows, maps });
        } else {
          io.out.write(formatTourTable(rows));
          io.out.write(`maps: ${maps.length} SVG files in ${opts.out}\n`);
        }
        const failed = rows.some((r) => r.hazards > 0 || r.wxViolations > 0);
        result.code = failed ? ExitCode.CheckFailed : ExitCode.Ok;
      },
    );
