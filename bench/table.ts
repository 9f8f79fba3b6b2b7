// Shared helpers for the benchmarks: timing loops and a Markdown table printer.
import { arch, cpus, platform } from 'node:os';

/** Runs `fn` repeatedly for at least `ms` milliseconds; returns operations per second. */
export function opsPerSecond(fn: (iterations: number) => void, ms = 500, batch = 1000): number {
  fn(batch); // warm up
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    fn(batch);
    iterations += batch;
    elapsed = performance.now() - start;
  }
  return (iterations / elapsed) * 1000;
}

/** Prints rows as a Markdown table (the format BENCHMARKS.md records). */
export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of cells) console.log(`| ${r.join(' | ')} |`);
}

/** A number with thousands separators and at most three significant decimals. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumSignificantDigits: 4 });
}

/** One line naming the machine, for the record. */
export function machineLine(): string {
  return `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${platform()}-${arch()}, Node ${process.version}`;
}
