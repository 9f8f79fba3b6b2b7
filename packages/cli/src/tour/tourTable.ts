import type { TourRow } from './tourCase';

/** The table's columns: heading and cell of a row. */
const COLUMNS: readonly (readonly [string, (r: TourRow) => string])[] = [
  ['arch', (r) => r.arch],
  ['policy', (r) => r.policy],
  ['programs', (r) => String(r.programs)],
  ['large pages', (r) => String(r.stats.largePages)],
  ['utilization', (r) => `${(100 * r.stats.utilization).toFixed(1)}%`],
  ['direct-map splits', (r) => String(r.counters.directMapSplits)],
  ['IPIs', (r) => String(r.counters.ipis)],
  ['TLB shootdowns', (r) => String(r.counters.tlbShootdowns)],
  ['iTLB misses/1k insns', (r) => r.itlbMissesPerKilo.toFixed(2)],
  ['hazards', (r) => String(r.hazards)],
  ['W^X violations', (r) => String(r.wxViolations)],
];

/** The tour's comparison table, one row per arch and policy, columns aligned (text left, numbers right). */
export function formatTourTable(rows: readonly TourRow[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return `${[line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n')}\n`;
}
