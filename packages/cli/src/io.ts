import type { OutputStream } from './progress';

/** Where a command writes: results to `out`, diagnostics to `err`. Tests pass string sinks. */
export interface CliIo {
  readonly out: OutputStream;
  readonly err: OutputStream;
  /** Reads a file named on the command line, or standard input for `-`. */
  readFile(path: string): string;
}

/** Writes `value` as pretty JSON (bigints as `0x…` strings) followed by a newline. */
export function writeJson(out: OutputStream, value: unknown): void {
  out.write(
    `${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2)}\n`,
  );
}
