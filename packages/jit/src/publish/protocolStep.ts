/**
 * A step of a publish or live-patch protocol: who does what, the rule that
 * requires it, and the machine action that performs it. Protocols are
 * lists of steps, so the docs print exactly what the machine runs and the
 * hazard checker can drop a step to show what breaks.
 *
 * @module
 */

import type { CacheOp } from '@execmem/core';

/** What a step makes the machine do. */
export type ProtocolAction =
  /**
   * The writer stores bytes `[from, to)` of the new code (default all of
   * it), or of the trap instruction with `trap`, one aligned 8-byte chunk
   * per action.
   */
  | {
      readonly kind: 'write';
      readonly from?: number;
      readonly to?: number;
      readonly trap?: boolean;
    }
  /** The writer turns the writable mapping into read-only executable (`set_memory_rox`). */
  | { readonly kind: 'protect' }
  /** The writer issues `op` for every line of the range (`line` bytes apart). */
  | { readonly kind: 'cacheOp'; readonly op: CacheOp; readonly line: number }
  /** The writer waits for its earlier maintenance to complete (a DSB). */
  | { readonly kind: 'complete' }
  /** The writer orders its earlier stores before what follows (its IPI's MMIO write). */
  | { readonly kind: 'fence' }
  /** The writer context-synchronizes (ISB). */
  | { readonly kind: 'contextSync' }
  /**
   * Every other CPU takes an IPI whose handler runs cache operation `op`
   * on the range, or context-synchronizes without one; the writer waits
   * for all of them.
   */
  | { readonly kind: 'ipi'; readonly op?: CacheOp }
  /** stop_machine: every other CPU takes an IPI and stops; the writer waits until all have. */
  | { readonly kind: 'stopMachine' }
  /** Ends stop_machine: each stopped CPU runs `op` (or context-synchronizes) and resumes. */
  | { readonly kind: 'release'; readonly op?: CacheOp };

/** One step of a publish protocol. */
export interface ProtocolStep {
  /** Who performs it. */
  readonly who: 'writer' | 'every other CPU';
  /** The step as the manual or kernel names it. */
  readonly step: string;
  /** The rule that requires it. */
  readonly why: string;
  /** What it does on a machine. */
  readonly action: ProtocolAction;
}

/** The steps as printable lines: `who: step (why)`. */
export function formatSteps(steps: readonly ProtocolStep[]): string {
  return steps.map((s, i) => `${i + 1}. ${s.who}: ${s.step} (${s.why})`).join('\n');
}
