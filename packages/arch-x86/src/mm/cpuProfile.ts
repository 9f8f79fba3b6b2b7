/**
 * Default x86-64 CPU profile and TLB maintenance.
 *
 * @module
 */

import { type CpuProfile, type TlbBroadcast, TlbOpEffect, validateCpuProfile } from '@execmem/core';

/**
 * Skylake-like first-level TLBs (Intel optimization manual, Skylake
 * microarchitecture table): iTLB 128 × 4 KiB and 8 × 2 MiB; dTLB 64 ×
 * 4 KiB, 32 × 2 MiB and 4 × 1 GiB; 64-byte lines; 16-byte fetch blocks.
 */
export const x86CpuProfile: CpuProfile = validateCpuProfile({
  name: 'Skylake',
  itlb: {
    classes: [
      { pageShift: 12, entries: 128 },
      { pageShift: 21, entries: 8 },
    ],
  },
  dtlb: {
    classes: [
      { pageShift: 12, entries: 64 },
      { pageShift: 21, entries: 32 },
      { pageShift: 30, entries: 4 },
    ],
  },
  icacheLineSize: 64,
  dcacheLineSize: 64,
  fetchBlockSize: 16,
});

/** INVLPG is local: a kernel range flush sends an IPI to every other CPU (`flush_tlb_kernel_range`). */
export const x86TlbBroadcast: TlbBroadcast = 'ipi';

/** The TLB-maintenance codes of x86-64 as `MemoryPort.tlbOp` receives them. */
export const X86TlbOp = {
  /** INVLPG m: the entries for the page containing the address, on this CPU only. */
  Invlpg: 0,
  /** MOV to CR3 (and INVPCID all-context): every non-global entry of this CPU. */
  FlushAll: 1,
} as const;
/** See the constant of the same name. */
export type X86TlbOp = (typeof X86TlbOp)[keyof typeof X86TlbOp];

/**
 * {@link TlbOpEffect} bits of an {@link X86TlbOp}: x86 has no broadcast
 * invalidation, every one is local (SDM vol. 3A, "Invalidation of TLBs
 * and Paging-Structure Caches").
 */
export function x86TlbOpEffect(op: number): number {
  return op === X86TlbOp.Invlpg ? TlbOpEffect.Page : 0;
}
