/**
 * The x86-64 data-memory model as core's storage model offers it, and the
 * orderings of its fences.
 *
 * @module
 */

import { FenceOrder, TSO } from '@execmem/core';
import { X86Fence } from './isa/executor';

/**
 * x86-TSO (SDM vol. 3A, "Memory Ordering in P6 and More Recent Processor
 * Families"; Sewell et al., CACM 2010): loads are not reordered
 * with loads, stores not with stores or with older loads, and a load may
 * pass an older store to another location, which is exactly a FIFO store
 * buffer with forwarding.
 */
export const x86Storage = TSO;

/** Orderings by barrier code (SDM vol. 2, MFENCE, LFENCE, SFENCE). */
const ORDERS: Readonly<Record<X86Fence, number>> = {
  // MFENCE: every load and store before it is globally visible before any after it.
  [X86Fence.Mfence]: FenceOrder.Full,
  // LFENCE: earlier loads complete before later instructions (loads are already ordered under TSO).
  [X86Fence.Lfence]: FenceOrder.LoadLoad | FenceOrder.LoadStore,
  // SFENCE: earlier stores are globally visible before later stores.
  [X86Fence.Sfence]: FenceOrder.StoreStore,
};

/** The `FenceOrder` bits of an executor barrier code ({@link X86Fence}); 0 for an unknown code. */
export function x86FenceOrder(kind: number): number {
  return ORDERS[kind as X86Fence] ?? 0;
}
