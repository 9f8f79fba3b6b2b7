/**
 * The direct map (x86 `PAGE_OFFSET`, arm64 linear map, riscv
 * `PAGE_OFFSET`): all physical memory mapped read/write at one base with
 * the largest leaves. Changing a frame's alias (set_memory_ro/nx/rw on
 * it, or removing it as `set_direct_map_invalid_noflush` does) splits
 * those leaves and counts `directMapSplits`; restoring the default
 * collapses them again.
 *
 * @module
 */

import { fail } from './errors';
import type { AddressSpace } from './mmu';
import { PROT_GLOBAL, PROT_READ, PROT_WRITE, type Prot } from './pageTableFormat';
import { PAGE_SIZE } from './physicalMemory';

/** The default direct-map protection: `PAGE_KERNEL` (read/write, no exec, global). */
export const DIRECT_MAP_PROT: Prot = PROT_READ | PROT_WRITE | PROT_GLOBAL;

/** A direct map inside a kernel address space. */
export interface DirectMap {
  /** The address space holding it. */
  readonly space: AddressSpace;
  /** Canonical virtual address of physical address 0. */
  readonly base: bigint;
  /** Bytes mapped (all of physical memory). */
  readonly size: bigint;
  /** The default protection. */
  readonly prot: Prot;
  /** The direct-map alias of physical address `pa` (`__va()`); `ERANGE` beyond memory. */
  alias(pa: bigint): bigint;
  /** Sets the protection of the alias of `[pa, pa + size)`. */
  setProt(pa: bigint, size: bigint, prot: Prot): void;
  /** Removes the alias of `[pa, pa + size)` (`set_direct_map_invalid_noflush`). */
  remove(pa: bigint, size: bigint): void;
  /** Restores the default alias of `[pa, pa + size)` (`set_direct_map_default_noflush`), collapsing large leaves. */
  restore(pa: bigint, size: bigint): void;
}

/**
 * Maps all of `space`'s physical memory at `base` with the largest leaves
 * and marks the range so its splits count as direct-map splits.
 */
export function mapDirectMap(
  space: AddressSpace,
  base: bigint,
  prot: Prot = DIRECT_MAP_PROT,
): DirectMap {
  const size = BigInt(space.memory.size);
  space.map(base, 0n, size, prot, { pageSize: 'largest' });
  const start = space.toEngine(base);
  space.directMapRange = { start, end: start + space.memory.size };

  function alias(pa: bigint): bigint {
    if (pa < 0n || pa >= size)
      fail(
        'ERANGE',
        `physical address 0x${pa.toString(16)} is beyond memory of 0x${size.toString(16)} bytes`,
      );
    return BigInt.asUintN(64, base + pa);
  }

  function checkFrames(pa: bigint, length: bigint): bigint {
    if (length <= 0n || pa % BigInt(PAGE_SIZE) !== 0n || length % BigInt(PAGE_SIZE) !== 0n) {
      fail(
        'EINVAL',
        `frames 0x${pa.toString(16)} + 0x${length.toString(16)} are not a page-aligned range`,
      );
    }
    if (pa + length > size)
      fail('ERANGE', `frames 0x${pa.toString(16)} + 0x${length.toString(16)} are beyond memory`);
    return alias(pa);
  }

  return {
    space,
    base,
    size,
    prot,
    alias,
    setProt: (pa, length, newProt) => space.protect(checkFrames(pa, length), length, newProt),
    remove: (pa, length) => space.unmap(checkFrames(pa, length), length),
    restore: (pa, length) =>
      space.map(checkFrames(pa, length), pa, length, prot, { pageSize: 'largest', replace: true }),
  };
}
