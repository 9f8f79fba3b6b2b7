/**
 * Default riscv64 CPU profile and TLB maintenance.
 *
 * @module
 */

import { type CpuProfile, type TlbBroadcast, validateCpuProfile } from '@execmem/core';

/**
 * SiFive-U74-like first-level TLBs (U74 manual: 32-entry fully
 * associative ITLB and DTLB for every page size). The model gives each
 * size class its own 32 entries. 64-byte lines.
 */
const u74Tlb = {
  classes: [12, 21, 30].map((pageShift) => ({ pageShift, entries: 32 })),
};

/** The default riscv64 profile. */
export const riscvCpuProfile: CpuProfile = validateCpuProfile({
  name: 'SiFive U74',
  itlb: u74Tlb,
  dtlb: u74Tlb,
  icacheLineSize: 64,
  dcacheLineSize: 64,
  // Ziccif (RVA20/22/23 profiles): naturally aligned fetches of up to 32
  // bits are atomic; a 32-bit instruction at an address ≡ 2 (mod 4) spans
  // two such blocks and may be torn.
  fetchBlockSize: 4,
});

/** SFENCE.VMA is local: remote shootdowns need IPIs or an SBI remote fence (FACTS §4). */
export const riscvTlbBroadcast: TlbBroadcast = 'ipi';
