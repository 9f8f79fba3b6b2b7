import type { Arch } from '@execmem/core';
import {
  formatHerd,
  formatLitmusJson,
  type LitmusFileOutcome,
  litmusExitCode,
  litmusFiles,
  runLitmus,
} from '@execmem/litmus';
import { Command, Option } from 'commander';
import { findArch } from '../arches';
import { ExitCode } from '../exitCode';
import { createProgress } from '../progress';
import { UsageError } from '../usageError';
import type { CommandFactory } from './index';

/**
 * The machine a test runs on under `--simulate`: its herd arch, with the
 * cache type (`CTR_EL0.IDC`/`DIC`) or RISC-V fetch model of its variants;
 * RISC-V without compressed instructions, as herd's tests are written.
 */
export function litmusMachineArch(herdArch: string, variants: ReadonlySet<string>): Arch {
  switch (herdArch) {
    case 'AArch64':
      return findArch('arm64').arch({
        ctrEl0: { idc: variants.has('IDC'), dic: variants.has('DIC') },
      });
    case 'RISCV':
      return findArch('riscv64').arch({ ziccid: variants.has('ziccid'), compressed: false });
    default:
      return findArch('x86-64').arch();
  }
}

/** A non-negative safe integer option value, or a {@link UsageError} naming it. */
function count(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${flag} ${value} is not an integer of at least ${min}`);
  return n;
}

/** `execmem litmus [options] FILE|DIR...`: herd7-compatible checking of litmus tests. */
export const litmusCommand: CommandFactory = (io, result) =>
  new Command('litmus')
    .description(
      'check herd7 litmus tests (AArch64, RISCV, X86_64) under the arch models; print herd-style verdicts',
    )
    .argument('<paths...>', 'litmus files, or folders (every *.litmus file in them)')
    .addOption(
      new Option('--riscv-model <model>', 'RISC-V fetch model')
        .choices(['ziccif', 'ziccid'])
        .default('ziccif'),
    )
    .addOption(
      new Option(
        '--cache-type <type>',
        "AArch64 CTR_EL0 cache type, overriding the file's CacheType=",
      ).choices(['none', 'IDC', 'DIC']),
    )
    .option('--max-states <n>', 'stop a test past this many candidate executions', '200000')
    .option(
      '--simulate <runs>',
      'also run each test RUNS times on a simulated machine; exit 1 if a final state is not one the checker lists',
    )
    .option('--seed <seed>', 'seed of the first simulated run', '0')
    .option('--json', 'print JSON for machines')
    .action(
      (
        paths: string[],
        opts: {
          riscvModel: 'ziccif' | 'ziccid';
          cacheType?: 'none' | 'IDC' | 'DIC';
          maxStates: string;
          simulate?: string;
          seed: string;
          json?: boolean;
        },
      ) => {
        const maxStates = count('--max-states', opts.maxStates, 1);
        const seed = count('--seed', opts.seed, 0);
        if (seed > 0xffffffff) throw new UsageError(`--seed ${opts.seed} is not a 32-bit seed`);
        const simulate =
          opts.simulate === undefined
            ? undefined
            : {
                runs: count('--simulate', opts.simulate, 1),
                seed,
                machineArch: litmusMachineArch,
              };
        const files = litmusFiles(paths);
        const progress = createProgress('litmus', files.length, io.err);
        const outcomes: LitmusFileOutcome[] = files.flatMap((file) => {
          const r = runLitmus([file], {
            riscvModel: opts.riscvModel,
            cacheType: opts.cacheType,
            maxStates,
            ...(simulate ? { simulate } : {}),
          });
          progress.tick(file);
          return r;
        });
        progress.done();
        io.out.write(opts.json ? `${formatLitmusJson(outcomes)}\n` : formatHerd(outcomes));
        result.code = litmusExitCode(outcomes) === 0 ? ExitCode.Ok : ExitCode.CheckFailed;
      },
    );
