import type { Command } from 'commander';
import type { ExitCode } from '../exitCode';
import type { CliIo } from '../io';
import { asmCommand } from './asm';
import { bpfCommand } from './bpf';
import { disasmCommand } from './disasm';
import { exploreCommand } from './explore';
import { litmusCommand } from './litmus';
import { mapCommand } from './map';
import { runCommand } from './run';
import { tourCommand } from './tour';

/** Builds one subcommand; its action stores its exit code in `result.code`. */
export type CommandFactory = (io: CliIo, result: { code: ExitCode }) => Command;

/** Every subcommand, in the order `execmem --help` lists them. */
export const commands: readonly CommandFactory[] = [
  tourCommand,
  asmCommand,
  disasmCommand,
  runCommand,
  bpfCommand,
  litmusCommand,
  mapCommand,
  exploreCommand,
];
