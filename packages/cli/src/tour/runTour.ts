import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXECMEM_POLICIES } from '@execmem/execmem';
import type { ArchEntry } from '../arches';
import { renderSvgMap } from '../svgMap';
import type { PatchMode } from './liveTextPatch';
import { runTourCase, type TourRow } from './tourCase';

/** Options of {@link runTour}. */
export interface TourOptions {
  /** The arches to tour. */
  readonly arches: readonly ArchEntry[];
  /** Workload arrivals per case. */
  readonly programs: number;
  /** Seed of everything. */
  readonly seed: number;
  /** Folder the SVG maps are written to (created when missing). */
  readonly out: string;
  /** How the static key is flipped; default `protocol`. */
  readonly patch?: PatchMode;
  /** Called after each case with its label. */
  readonly onCase?: (label: string) => void;
}

/** The tour's result: the rows and the map files written. */
export interface TourResult {
  readonly rows: readonly TourRow[];
  /** Paths of the SVG maps, one per row. */
  readonly maps: readonly string[];
}

/**
 * Runs {@link runTourCase} for every arch and every execmem policy (a fresh
 * machine each) and writes each cache's SVG map as `<arch>-<policy>.svg`
 * into `out`.
 */
export function runTour(options: TourOptions): TourResult {
  const { arches, programs, seed, out, patch } = options;
  mkdirSync(out, { recursive: true });
  const rows: TourRow[] = [];
  const maps: string[] = [];
  for (const arch of arches) {
    for (const policy of EXECMEM_POLICIES) {
      const { row, dump } = runTourCase({
        arch,
        policy,
        programs,
        seed,
        ...(patch ? { patch } : {}),
      });
      const file = join(out, `${arch.name}-${policy}.svg`);
      writeFileSync(
        file,
        renderSvgMap(dump, {
          title: `execmem map: ${arch.name}, ${policy}`,
          subtitle: `${row.programs} live BPF programs of a ${programs}-arrival workload, seed ${seed}`,
        }),
      );
      rows.push(row);
      maps.push(file);
      options.onCase?.(`${arch.name} ${policy}`);
    }
  }
  return { rows, maps };
}
