import {
  formatHerd,
  formatLitmusJson,
  type LitmusFileOutcome,
  litmusExitCode,
  litmusFiles,
  runLitmus,
} from '@execmem/litmus';
import { Command, Option } from 'commander';
import { ExitCode } from '../exitCode';
import { createProgress } from '../progress';
import { UsageError } from '../usageError';
import type { CommandFactory } from './index';

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
    .option('--json', 'print JSON for machines')
    .action(
      (
        paths: string[],
        opts: {
          riscvModel: 'ziccif' | 'ziccid';
          cacheType?: 'none' | 'IDC' | 'DIC';
          maxStates: string;
          json?: boolean;
        },
      ) => {
        const maxStates = Number(opts.maxStates);
        if (!Number.isSafeInteger(maxStates) || maxStates < 1) {
          throw new UsageError(`--max-states ${opts.maxStates} is not a positive integer`);
        }
        const files = litmusFiles(paths);
        const progress = createProgress('litmus', files.length, io.err);
        const outcomes: LitmusFileOutcome[] = files.flatMap((file) => {
          const r = runLitmus([file], {
            riscvModel: opts.riscvModel,
            cacheType: opts.cacheType,
            maxStates,
          });
          progress.tick(file);
          return r;
        });
        progress.done();
        io.out.write(opts.json ? `${formatLitmusJson(outcomes)}\n` : formatHerd(outcomes));
        result.code = litmusExitCode(outcomes) === 0 ? ExitCode.Ok : ExitCode.CheckFailed;
      },
    );
