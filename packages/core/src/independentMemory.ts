/**
 * Independent memory: the ranges a machine's CPUs cannot conflict on, by
 * declaration. A step that touches nothing else commutes with every step
 * of every other CPU, so the scheduler may run it together with its CPU's
 * next step instead of offering a choice before it (a partial-order
 * reduction: SPIN's statement merging, CHESS's scheduling at shared
 * accesses only). The declarations are checked as the machine runs: a CPU
 * touching memory private to another, or anything writing read-only
 * memory, is `EPERM`, so a wrong declaration fails loudly instead of
 * hiding behaviours.
 *
 * @module
 */

import { fail } from './errors';
import { PAGE_SIZE } from './physicalMemory';

/** The owner of an independent range: one CPU (by index), or `'readOnly'` for memory nothing writes while the machine runs. */
export type IndependentOwner = number | 'readOnly';

/** An independent range of a machine's kernel address space (see `Machine.declareIndependent`). */
export interface IndependentRange {
  /** Start (a canonical kernel virtual address). */
  readonly va: bigint;
  /** Size in bytes. */
  readonly size: number;
  /** The only CPU that reads or writes the range, or `'readOnly'`: any CPU reads it, none writes it. */
  readonly owner: IndependentOwner;
}

/** Granule of ownership, bytes: coherence is per 8-byte block too. */
const GRANULE = 8;
const GRANULES_PER_PAGE = PAGE_SIZE / GRANULE;
/** Owner codes: 0 shared, 1 read-only, `2 + cpu` private to `cpu`. */
const SHARED = 0;
const READ_ONLY = 1;

/** Ownership of physical memory in 8-byte granules, for the frames that have any. */
export class IndependentMemory {
  private readonly frames = new Map<number, Uint16Array>();

  /** True once anything was declared. */
  get active(): boolean {
    return this.frames.size > 0;
  }

  /**
   * Gives each physical range to its owner; `EINVAL` when one does not
   * start and end on 8-byte boundaries or already has another owner (all
   * are checked before anything changes). `what` names a range in errors.
   */
  declare(
    ranges: readonly { pa: number; size: number; owner: IndependentOwner; what: string }[],
  ): void {
    const given = new Map<number, number>();
    for (const { pa, size, owner, what } of ranges) {
      if (pa % GRANULE !== 0 || size % GRANULE !== 0 || size <= 0) {
        fail(
          'EINVAL',
          `independent range ${what} is not a positive multiple of 8 bytes on 8-byte boundaries`,
        );
      }
      const code = codeOf(owner);
      for (let g = pa / GRANULE; g < (pa + size) / GRANULE; g++) {
        const have = given.get(g) ?? this.owner(g);
        if (have !== SHARED && have !== code)
          fail('EINVAL', `independent range ${what} overlaps memory ${describe(have)}`);
        given.set(g, code);
      }
    }
    for (const [g, code] of given) {
      const pfn = Math.floor(g / GRANULES_PER_PAGE);
      let f = this.frames.get(pfn);
      if (!f) this.frames.set(pfn, (f = new Uint16Array(GRANULES_PER_PAGE)));
      f[g % GRANULES_PER_PAGE] = code;
    }
  }

  /** True when every byte of `[pa, pa + size)` is read-only. */
  readOnly(pa: number, size: number): boolean {
    return this.common(pa, size) === READ_ONLY;
  }

  /**
   * Checks a data access of `cpu` to `[pa, pa + size)` against the
   * declarations (`EPERM` on a violation) and says whether the access is
   * independent: a read of read-only memory, or any access to memory
   * private to `cpu`.
   */
  access(cpu: number, pa: number, size: number, write: boolean): boolean {
    let independent = true;
    for (let g = Math.floor(pa / GRANULE); g * GRANULE < pa + size; g++) {
      const code = this.owner(g);
      if (code === SHARED) independent = false;
      else if (code === READ_ONLY) {
        if (write)
          fail(
            'EPERM',
            `CPU ${cpu} writes read-only independent memory at PA 0x${pa.toString(16)}`,
          );
      } else if (code !== 2 + cpu) {
        fail(
          'EPERM',
          `CPU ${cpu} accesses memory private to CPU ${code - 2} at PA 0x${pa.toString(16)}`,
        );
      }
    }
    return independent;
  }

  /** The owner code of granule `g` ({@link SHARED} when none was declared). */
  private owner(g: number): number {
    return this.frames.get(Math.floor(g / GRANULES_PER_PAGE))?.[g % GRANULES_PER_PAGE] ?? SHARED;
  }

  /** The owner code every granule of `[pa, pa + size)` shares, or {@link SHARED} when they differ. */
  private common(pa: number, size: number): number {
    let code = -1;
    for (let g = Math.floor(pa / GRANULE); g * GRANULE < pa + size; g++) {
      const c = this.owner(g);
      if (code !== -1 && c !== code) return SHARED;
      code = c;
    }
    return code;
  }
}

function codeOf(owner: IndependentOwner): number {
  return owner === 'readOnly' ? READ_ONLY : 2 + owner;
}

function describe(code: number): string {
  return code === READ_ONLY ? 'declared read-only' : `private to CPU ${code - 2}`;
}
