/**
 * RVWMO data memory as core's storage model can state it.
 *
 * @module
 */

import { PSO, type StorageConfig } from '@execmem/core';

/**
 * RVWMO (Unprivileged ISA, "RVWMO Memory Consistency Model") on core's
 * store buffers: stores to different addresses may become visible out of
 * program order (no preserved program order between them without a fence,
 * rule 1 only orders same-address stores), kept in order by `fence w,w`.
 * Core's storage model does not yet reorder loads, so load→load and
 * load→store reordering, which RVWMO also allows, are not explored.
 */
export const RVWMO_STORAGE: StorageConfig = {
  ...PSO,
  name: 'rvwmo',
};
