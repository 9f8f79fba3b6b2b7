import type { Counters, Prot } from '@execmem/core';

/**
 * What happens to the direct-map alias of frames that become executable:
 * `readOnly` keeps it, read-only (today's kernel: /proc/kcore reads module
 * memory through it), `removed` unmaps it (the first version of the v6.13
 * ROX cache).
 */
export type DirectMapMode = 'readOnly' | 'removed';

/**
 * The machine operations the allocators need, in the kernel's terms. Every
 * operation either completes or throws an `ExecmemError` having changed
 * nothing; each counts its own costs in {@link ExecmemPort.counters}.
 */
export interface ExecmemPort {
  /** The engine number of a 64-bit kernel address (`EINVAL` when the tables cannot hold it). */
  toEngine(va: bigint): number;
  /** The 64-bit address of an engine number. */
  fromEngine(va: number): bigint;
  /** The machine's counters. */
  readonly counters: Counters;
  /** The PMD-level leaf size (2 MiB), or 0 when the machine cannot map one. */
  readonly largePageSize: number;
  /** Allocates `bytes` of contiguous physical memory aligned to `align` bytes; returns its address (`ENOMEM` when none). */
  allocFrames(bytes: number, align: number): number;
  /** Returns frames from {@link ExecmemPort.allocFrames} to the allocator. */
  freeFrames(pa: number, bytes: number): void;
  /** Maps `[va, va + size)` to `[pa, pa + size)` with `prot`, using leaves of `leafSize` bytes. */
  map(va: number, pa: number, size: number, prot: Prot, leafSize: number): void;
  /** Unmaps `[va, va + size)`, flushing the TLBs of every CPU. */
  unmap(va: number, size: number): void;
  /**
   * `set_memory_{ro,rox,rw,nx,x}()`: changes the protection of mapped
   * `[va, va + size)` to `prot` (splitting large leaves as needed), flushes
   * TLBs, and moves the direct-map alias of the frames with it: made
   * read-only or removed (per `mode`) when `prot` is executable, restored
   * to read/write otherwise.
   */
  setMemory(va: number, size: number, prot: Prot, mode: DirectMapMode): void;
  /** Restores the direct-map alias of `[pa, pa + size)` to read/write (`VM_FLUSH_RESET_PERMS` on vfree). */
  resetDirectMap(pa: number, size: number): void;
  /** A plain store of `bytes` at `va` through a writable kernel mapping (`EFAULT` when it is not writable). */
  write(va: number, bytes: Uint8Array): void;
  /**
   * Writes `bytes` at `va` through the text-poke path (x86 `text_poke_copy`,
   * arm64/riscv fixmap patching): a temporary writable alias of the frames,
   * so the executable mapping is never writable.
   */
  textPoke(va: number, bytes: Uint8Array): void;
  /** Reads `length` bytes at `va` through the kernel mapping (`EFAULT` when unmapped). */
  read(va: number, length: number): Uint8Array;
  /** The physical address `va` translates to, or -1 when unmapped. */
  translate(va: number): number;
  /** The protection of the leaf mapping `va`, or -1 when unmapped. */
  protection(va: number): number;
  /** Visits each piece of mapped `[va, va + size)` lying in one leaf (`EFAULT` at an unmapped page). */
  forEachLeaf(
    va: number,
    size: number,
    visit: (va: number, pa: number, length: number, prot: Prot) => void,
  ): void;
  /**
   * Visits the direct-map alias of `[pa, pa + size)` leaf by leaf with its
   * protection (0 where the alias is removed); visits nothing when the
   * machine has no direct map.
   */
  forEachAliasLeaf(
    pa: number,
    size: number,
    visit: (pa: number, length: number, prot: Prot) => void,
  ): void;
}
