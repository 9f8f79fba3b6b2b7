/**
 * The AArch64 data-memory model as core's storage model offers it, and the
 * orderings of DMB/DSB.
 *
 * @module
 */

import { FenceOrder, RELAXED, type StorageConfig } from '@execmem/core';
import { FENCE_DSB } from './isa/barriers';

/**
 * ARMv8 lets stores to different locations become visible out of order,
 * loads pass earlier stores and loads be satisfied out of order (Arm ARM
 * B2.3), so the model is core's relaxed one: per-address store buffers with
 * forwarding from the PE's own buffer (a PE may read its own write early)
 * and loads that may read an older value, ordered only by barriers,
 * acquire/release and dependencies. The dependencies come from
 * `arm64RegisterUse`; a control dependency orders a later load only with an
 * ISB after the branch (B2.3.2, dependency-ordered-before), which
 * `ctrlIsbOrdersLoads` enables. A fetch is ordered before every later
 * access (`aarch64.cat` f-ob), which `fetchOrdersLoads` enables.
 */
export const arm64Storage: StorageConfig = {
  ...RELAXED,
  name: 'arm64',
  ctrlIsbOrdersLoads: true,
  fetchOrdersLoads: true,
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
