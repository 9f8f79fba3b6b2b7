/**
 * RISC-V FENCE kinds as core `FenceOrder` bits.
 *
 * @module
 */

import { FenceOrder } from '@execmem/core';
import { FENCE_I, FENCE_O, FENCE_R, FENCE_TSO, FENCE_W } from './isa/fence';

/** Predecessor or successor set members that are loads: memory reads and device input. */
const READS = FENCE_R | FENCE_I;
/** Members that are stores: memory writes and device output (an IPI is an MMIO store). */
const WRITES = FENCE_W | FENCE_O;

/**
 * The orderings a FENCE of the executor's `kind` (`pred << 4 | succ`,
 * plus `FENCE_TSO`) enforces (Unprivileged ISA, "Memory Ordering
 * Instructions"; RVWMO rule 4, "Fence"). Device input and output order
 * like loads and stores, so `fence w,o` (flush_icache_all, before the
 * IPI) orders stores before stores. FENCE.TSO orders R→RW and W→W but
 * not W→R.
 */
export function riscvFenceOrder(kind: number): number {
  const pred = (kind >>> 4) & 15;
  const succ = kind & 15;
  let order =
    (pred & READS && succ & READS ? FenceOrder.LoadLoad : 0) |
    (pred & READS && succ & WRITES ? FenceOrder.LoadStore : 0) |
    (pred & WRITES && succ & READS ? FenceOrder.StoreLoad : 0) |
    (pred & WRITES && succ & WRITES ? FenceOrder.StoreStore : 0);
  if (kind & FENCE_TSO) order &= ~FenceOrder.StoreLoad;
  return order;
}
