/**
 * A parsed herd litmus test, arch-neutral: the checker's input.
 *
 * @module
 */

import type { LitmusCondition } from './condition';
import type { LitmusInsn } from './litmusInsn';
import type { LitmusValue } from './litmusValue';

/** Where something is in the source file (1-based). */
export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

/** One instruction slot of a code column. */
export interface CodeSlot {
  /** The instruction as written (canonical text). */
  readonly text: string;
  /** The decoded instruction. */
  readonly insn: LitmusInsn;
  readonly pos: SourcePos;
}

/** One code column: a thread's program `P1` or its fault handler `P1.F`. */
export interface CodeColumn {
  /** The column name (`P0`, `P1.F`). */
  readonly name: string;
  /** Thread number the column belongs to. */
  readonly thread: number;
  readonly slots: readonly CodeSlot[];
  /** Label name to slot index (a label after the last instruction points at `slots.length`). */
  readonly labels: ReadonlyMap<string, number>;
}

/** A register's initial value: `1:X9=0`. */
export interface RegisterInit {
  readonly thread: number;
  readonly reg: number;
  readonly value: LitmusValue;
}

/** A parsed litmus test. */
export interface LitmusTest {
  /** Herd arch name from the header (`AArch64`, `RISCV`, `X86_64`). */
  readonly arch: string;
  /** Test name from the header. */
  readonly name: string;
  /** `Key=Value` header lines (`Variant`, `Hash`, `Stable`, `CacheType`, …). */
  readonly info: ReadonlyMap<string, string>;
  /** Register initial values (unlisted registers hold 0). */
  readonly registers: readonly RegisterInit[];
  /** Data memory initial values (unlisted locations hold 0). */
  readonly memory: ReadonlyMap<string, LitmusValue>;
  /** Every data location the test names. */
  readonly locations: readonly string[];
  /** Number of threads. */
  readonly threads: number;
  /** Code columns by name. */
  readonly code: ReadonlyMap<string, CodeColumn>;
  /** Extra observed cells from `locations […]`. */
  readonly observed: readonly ObservedCell[];
  /** The final condition, absent when the test has none. */
  readonly condition?: LitmusCondition;
}

/** A register `1:X9` or a memory location `x` of the final state. */
export type ObservedCell =
  | { readonly kind: 'reg'; readonly thread: number; readonly reg: number; readonly name: string }
  | { readonly kind: 'mem'; readonly loc: string };

/** The name a final-state cell prints as: `1:X9` or `x`. */
export function cellName(cell: ObservedCell): string {
  return cell.kind === 'reg' ? `${cell.thread}:${cell.name}` : cell.loc;
}
