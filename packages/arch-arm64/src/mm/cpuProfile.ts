/**
 * Default arm64 CPU profile and TLB maintenance.
 *
 * @module
 */

import { type CpuProfile, type TlbBroadcast, TlbOpEffect, validateCpuProfile } from '@execmem/core';

/**
 * Neoverse-N1-like first-level TLBs (N1 TRM: 48-entry fully associative
 * L1 instruction and data TLBs for 4 KiB, 64 KiB (a contiguous run), 2 MiB,
 * 32 MiB and 1 GiB). The model gives each size class its own 48 entries.
 * 64-byte lines (CTR_EL0 IminLine = DminLine = 4); 16-byte fetch blocks.
 */
const n1Tlb = {
  classes: [12, 16, 21, 25, 30].map((pageShift) => ({ pageShift, entries: 48 })),
};

/** The default arm64 profile. */
export const arm64CpuProfile: CpuProfile = validateCpuProfile({
  name: 'Neoverse N1',
  itlb: n1Tlb,
  dtlb: n1Tlb,
  icacheLineSize: 64,
  dcacheLineSize: 64,
  fetchBlockSize: 16,
});

/** `TLBI …IS` is broadcast to the inner-shareable domain by hardware: no IPI (FACTS §4). */
export const arm64TlbBroadcast: TlbBroadcast = 'hardware';

/**
 * The {@link TlbOpEffect} of a TLBI operation (its SYS op1:CRn:CRm:op2 value,
 * as `TlbiOp`): CRm = 3 is the Inner Shareable form, broadcast by hardware
 * (Arm ARM D8.13.5); op2 = 0 (VMALLE1) and 2 (ASIDE1) invalidate everything
 * (no ASIDs are modelled), the others one page (VAE1, VAAE1, VALE1, VAALE1).
 */
export function arm64TlbOpEffect(op: number): number {
  const crm = (op >> 3) & 15;
  const op2 = op & 7;
  return (crm === 3 ? TlbOpEffect.Broadcast : 0) | (op2 === 0 || op2 === 2 ? 0 : TlbOpEffect.Page);
}
