/**
 * The kernel's `set_memory_*()` family (arch/x86/mm/pat/set_memory.c,
 * arch/arm64/mm/pageattr.c): change permission bits of `numPages` pages
 * from `va`, counting one `setMemoryCalls` each. With a direct map given,
 * the change is also applied to the frames' direct-map alias, as x86's
 * `cpa_process_alias()` does, except the exec bit: the direct map is
 * never made executable.
 *
 * @module
 */

import { Counter } from './counters';
import type { DirectMap } from './directMap';
import { fail } from './errors';
import type { AddressSpace } from './mmu';
import { PROT_EXEC, PROT_WRITE, type Prot } from './pageTableFormat';
import { PAGE_SIZE } from './physicalMemory';

/** Options for the `setMemory*` functions. */
export interface SetMemoryOptions {
  /** Apply the write-bit change to the direct-map alias of the frames too. */
  readonly directMap?: DirectMap;
}

/** The runs of a mapped range: virtual start, physical start, length, protection. */
function runsOf(
  space: AddressSpace,
  va: bigint,
  size: bigint,
): { va: bigint; pa: bigint; size: bigint; prot: Prot }[] {
  const runs: { va: bigint; pa: bigint; size: bigint; prot: Prot }[] = [];
  const end = BigInt.asUintN(64, va) + size;
  space.forEachMapping(
    (m) => {
      const from = m.va > BigInt.asUintN(64, va) ? m.va : BigInt.asUintN(64, va);
      const to = m.va + m.size < end ? m.va + m.size : end;
      const pa = m.pa + (from - m.va);
      const last = runs[runs.length - 1];
      if (
        last &&
        last.va + last.size === from &&
        last.pa + last.size === pa &&
        last.prot === m.prot
      )
        last.size += to - from;
      else runs.push({ va: from, pa, size: to - from, prot: m.prot });
    },
    va,
    end,
  );
  return runs;
}

/**
 * `change_page_attr_set_clr()`: sets `set` and clears `clear` on
 * `numPages` pages from `va`. Rejected calls change nothing, in the alias
 * either.
 */
export function changePageAttr(
  space: AddressSpace,
  va: bigint,
  numPages: number,
  set: Prot,
  clear: Prot,
  options: SetMemoryOptions = {},
): void {
  if (!Number.isSafeInteger(numPages) || numPages < 1)
    fail('EINVAL', `page count ${numPages} is not a positive integer`);
  const size = BigInt(numPages) * BigInt(PAGE_SIZE);
  const { directMap } = options;
  const aliasSet = set & ~PROT_EXEC;
  const aliasClear = clear & ~PROT_EXEC;
  const before = directMap && (aliasSet | aliasClear) !== 0 ? runsOf(space, va, size) : [];
  space.changeProt(va, size, set, clear);
  space.counters.add(Counter.setMemoryCalls);
  if (before.length === 0 || !directMap) return;
  const done: { va: bigint; size: bigint; prot: Prot }[] = [];
  try {
    for (const run of before) {
      const alias = directMap.alias(run.pa);
      const aliasRuns = runsOf(directMap.space, alias, run.size);
      directMap.space.changeProt(alias, run.size, aliasSet, aliasClear);
      for (const a of aliasRuns) done.push({ va: a.va, size: a.size, prot: a.prot });
    }
  } catch (e) {
    for (const d of done.reverse()) directMap.space.protect(d.va, d.size, d.prot);
    for (const run of before) space.protect(run.va, run.size, run.prot);
    space.counters.add(Counter.setMemoryCalls, -1);
    throw e;
  }
}

/** `set_memory_ro()`: clears write. */
export function setMemoryRo(
  space: AddressSpace,
  va: bigint,
  numPages: number,
  options?: SetMemoryOptions,
): void {
  changePageAttr(space, va, numPages, 0, PROT_WRITE, options);
}

/** `set_memory_rw()`: sets write. */
export function setMemoryRw(
  space: AddressSpace,
  va: bigint,
  numPages: number,
  options?: SetMemoryOptions,
): void {
  changePageAttr(space, va, numPages, PROT_WRITE, 0, options);
}

/** `set_memory_nx()`: clears exec. */
export function setMemoryNx(
  space: AddressSpace,
  va: bigint,
  numPages: number,
  options?: SetMemoryOptions,
): void {
  changePageAttr(space, va, numPages, 0, PROT_EXEC, options);
}

/** `set_memory_x()`: sets exec. */
export function setMemoryX(
  space: AddressSpace,
  va: bigint,
  numPages: number,
  options?: SetMemoryOptions,
): void {
  changePageAttr(space, va, numPages, PROT_EXEC, 0, options);
}

/** `set_memory_rox()`: read-only and executable in one call. */
export function setMemoryRox(
  space: AddressSpace,
  va: bigint,
  numPages: number,
  options?: SetMemoryOptions,
): void {
  changePageAttr(space, va, numPages, PROT_EXEC, PROT_WRITE, options);
}
