/**
 * A text dump of an address space in the style of the kernel's
 * `/sys/kernel/debug/page_tables` (mm/ptdump.c): one line per run of
 * adjacent leaves with the same level and protection.
 *
 * @module
 */

import type { AddressSpace } from './mmu';
import { PteAttr, protToString } from './pageTableFormat';

/** Formats a byte count the way ptdump does: `4K`, `2M`, `1G`, `12K`. */
export function formatSize(bytes: number): string {
  for (const [unit, shift] of [
    ['T', 40],
    ['G', 30],
    ['M', 20],
    ['K', 10],
  ] as const) {
    if (bytes % 2 ** shift === 0) return `${bytes / 2 ** shift}${unit}`;
  }
  return `${bytes}B`;
}

/** Dumps `space`, one line per run: `start-end size prot [CONT] level`. */
export function ptdump(space: AddressSpace): string {
  const lines: string[] = [];
  let run: { start: number; end: number; prot: number; level: number; cont: boolean } | undefined;
  const flush = () => {
    if (!run) return;
    const last = BigInt.asUintN(64, space.fromEngine(run.end - 1) + 1n);
    const range = `0x${space.fromEngine(run.start).toString(16).padStart(16, '0')}-0x${last.toString(16).padStart(16, '0')}`;
    const cont = run.cont ? ' CONT' : '';
    lines.push(
      `${range} ${formatSize(run.end - run.start).padStart(8)} ${protToString(run.prot).padEnd(11)}${cont} ${space.format.levels[run.level].name}`,
    );
  };
  space.forEachLeafMapping((va, _pa, size, prot, level, attributes) => {
    const cont = (attributes & PteAttr.Contiguous) !== 0;
    if (run && run.end === va && run.prot === prot && run.level === level && run.cont === cont) {
      run.end = va + size;
      return;
    }
    flush();
    run = { start: va, end: va + size, prot, level, cont };
  });
  flush();
  return lines.join('\n');
}
