/**
 * RVWMO data memory as core's storage model states it.
 *
 * @module
 */

import { RELAXED, type StorageConfig } from '@execmem/core';

/**
 * RVWMO (Unprivileged ISA, "RVWMO Memory Consistency Model") on core's
 * relaxed model: stores to different addresses may become visible out of
 * program order (rule 1 only orders same-address stores) and loads may be
 * satisfied out of order, so a hart can see another's stores in any order
 * its fences allow. What keeps accesses in order is what preserved program
 * order lists: FENCE (rule 4, see `riscvFenceOrder`), `.aq`/`.rl` (rules
 * 5-7) and the syntactic address and data dependencies of rules 9 and
 * 10, which core follows through `Isa.registerUse`. A control dependency
 * orders only later stores (rule 11), never later loads, so core's ARMv8
 * rule that a branch followed by a context synchronization orders the
 * loads after it is off.
 */
export const RVWMO_STORAGE: StorageConfig = {
  ...RELAXED,
  name: 'rvwmo',
  ctrlIsbOrdersLoads: false,
};
