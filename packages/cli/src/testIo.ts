import type { CliIo } from './io';
import { UsageError } from './usageError';

/** An in-memory {@link CliIo} for tests: captures output, serves files from a map. */
export function memoryIo(files: Record<string, string> = {}): CliIo & {
  stdout(): string;
  stderr(): string;
} {
  let out = '';
  let err = '';
  return {
    out: { write: (s: string) => (out += s) },
    err: { write: (s: string) => (err += s) },
    readFile(path) {
      const text = files[path];
      if (text === undefined) throw new UsageError(`cannot read ${path}`);
      return text;
    },
    stdout: () => out,
    stderr: () => err,
  };
}
