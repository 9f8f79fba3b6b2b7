/** Where progress and results are written; `process.stdout` by default. */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Reports progress through a known number of steps. */
export interface Progress {
  /** Marks `n` more steps done (default 1), naming the current item. */
  tick(item?: string, n?: number): void;
  /** Clears the bar (on a terminal) or prints the final count (otherwise). */
  done(): void;
}

/**
 * A progress bar on a terminal, plain lines otherwise (one at each tenth of
 * the work), so logs and pipes stay readable.
 */
export function createProgress(label: string, total: number, out: OutputStream): Progress {
  let count = 0;
  let lastTenth = 0;
  const tty = out.isTTY === true;
  return {
    tick(item = '', n = 1) {
      count += n;
      if (tty) {
        const width = Math.max(10, Math.min(40, (out.columns ?? 80) - label.length - 30));
        const filled = total > 0 ? Math.round((count / total) * width) : width;
        out.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total} ${item}`
            .slice(0, (out.columns ?? 80) - 1)
            .padEnd((out.columns ?? 80) - 1),
        );
        return;
      }
      const tenth = total > 0 ? Math.floor((count * 10) / total) : 10;
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        out.write(`${label}: ${count}/${total}${item ? ` ${item}` : ''}\n`);
      }
    },
    done() {
      if (tty) out.write(`\r${' '.repeat((out.columns ?? 80) - 1)}\r`);
    },
  };
}
