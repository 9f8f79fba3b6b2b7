/**
 * The AArch64 data-memory model as core's storage model offers it, and the
 * orderings of DMB/DSB.
 *
 * @module
 */

import { FenceOrder, type StorageConfig } from '@execmem/core';
import { FENCE_DSB } from './isa/barriers';

/**
 * ARMv8 lets stores to different locations become visible out of order and
 * loads pass earlier stores (Arm ARM B2.3); of core's models the per-address
 * store buffer (PSO) allows exactly those reorderings, with forwarding from
 * the PE's own buffer (B2.3: a PE may read its own write early). Load-load
 * reordering is not modelled, so every outcome it reaches is one ARMv8
 * allows, not every one.
 */
export const arm64Storage: StorageConfig = {
  name: 'arm64',
  buffered: true,
  drainOrder: 'perAddress',
  bufferCapacity: 32,
};

/** Orderings by the access-type bits CRm[1:0] of a DMB/DSB option (Arm ARM C6.2.81). */
const BY_TYPE = [
  // 0b00 with any domain is reserved and executes as SY.
  FenceOrder.Full,
  // LD: earlier loads before later loads and stores.
  FenceOrder.LoadLoad | FenceOrder.LoadStore,
  // ST: earlier stores before later stores.
  FenceOrder.StoreStore,
  FenceOrder.Full,
];
/** CRm[3:2] = 0b01: the non-shareable domain holds only the issuing PE, so no other PE is ordered. */
const NSH = 1;

/**
 * The `FenceOrder` bits of a barrier code from the executor (`dmbCode`,
 * `dsbCode`). A DSB also waits for its accesses to complete before any later
 * instruction executes (C6.2.83), so DSB ST orders earlier stores before
 * later loads too; a DSB for reads and writes completes the PE's earlier
 * cache maintenance (B2.3.12), the {@link FenceOrder.Completion} bit.
 */
export function arm64FenceOrder(kind: number): number {
  const option = kind & 15;
  if (option >> 2 === NSH && option & 3) return 0;
  let order = BY_TYPE[option & 3];
  if (kind & FENCE_DSB) {
    if (order & FenceOrder.StoreStore) order |= FenceOrder.StoreLoad;
    if (order === FenceOrder.Full) order |= FenceOrder.Completion;
  }
  return order;
}
