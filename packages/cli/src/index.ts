/**
 * `@execmem/cli`: the `execmem` command, also usable as a library
 * (`run(argv, io)` returns the exit code instead of exiting).
 *
 * @packageDocumentation
 */

export {
  type ArchEntry,
  type ArchOptions,
  archByArchName,
  findArch,
  findIsa,
  knownArches,
} from './arches';
export { ExitCode } from './exitCode';
export { type CliIo, writeJson } from './io';
export { createProgram, processIo, run, version } from './program';
export { createProgress, type OutputStream, type Progress } from './progress';
export { UsageError } from './usageError';
