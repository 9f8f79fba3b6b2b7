import { readFileSync } from 'node:fs';
import { isExecmemError } from '@execmem/core';
import { Command, CommanderError } from 'commander';
import { commands } from './commands';
import { ExitCode } from './exitCode';
import type { CliIo } from './io';
import { UsageError } from './usageError';

/** The CLI's version, from its package.json. */
export const version = '0.1.0';

/** The default I/O: the process's stdout/stderr and the file system. */
export function processIo(): CliIo {
  return {
    out: process.stdout,
    err: process.stderr,
    readFile: (path) => readFileSync(path === '-' ? 0 : path, 'utf8'),
  };
}

/**
 * Builds the `execmem` program with every registered subcommand. Each
 * command's action resolves to an {@link ExitCode}, stored in `result.code`.
 */
export function createProgram(io: CliIo, result: { code: ExitCode }): Command {
  const program = new Command('execmem')
    .description(
      'Allocate, fill, map and synchronize executable memory on simulated multiprocessor machines.',
    )
    .version(version)
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    })
    .exitOverride();
  for (const register of commands) {
    const command = register(io, result);
    command.exitOverride().configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    });
    program.addCommand(command);
  }
  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns
 * the exit code: 0 ok, 1 a check failed, 2 bad usage or input.
 */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const result: { code: ExitCode } = { code: ExitCode.Ok };
  const program = createProgram(io, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    if (e instanceof UsageError || isExecmemError(e, 'EINVAL') || isExecmemError(e, 'ENOENT')) {
      io.err.write(`execmem: ${(e as Error).message}\n`);
      return ExitCode.Usage;
    }
    if (e instanceof Error && 'code' in e && (e as NodeJS.ErrnoException).code === 'ENOENT') {
      io.err.write(`execmem: ${e.message}\n`);
      return ExitCode.Usage;
    }
    throw e;
  }
}
