/**
 * x86-64 instruction-fetch rules as data for core's instruction views
 * (Intel SDM vol. 3A, "Self-Modifying Code" in the chapter on memory
 * cache control, "Handling Self- and Cross-Modifying Code" and
 * "Serializing Instructions" in the chapter on multiple-processor
 * management; FACTS §4 "x86-64").
 *
 * @module
 */

import { checkFetchRules, type FetchRules } from '@execmem/core';
import { x86CpuProfile } from './mm/cpuProfile';

/**
 * The x86-64 fetch rules. One field per rule:
 *
 * - `staleness: 'untilContextSync'`: "a write to a memory location in a
 *   code segment that is currently cached in the processor causes the
 *   associated cache line (or lines) to be invalidated. This check is
 *   based on the physical address of the instruction" (SDM "Self-Modifying Code"), so
 *   instruction caches are coherent; but the cross-modifying-code rule
 *   ("Handling Self- and Cross-Modifying Code") makes the executing processor run a serializing instruction
 *   before it executes modified code: instructions it already fetched or
 *   decoded survive until then.
 * - `exceptionSyncs: true`: CPUID, SERIALIZE and IRET are serializing
 *   ("Serializing Instructions"; the executor reports them as context synchronization), and so
 *   are the delivery of an interrupt or exception and the return from it.
 * - `ownStoreSyncs: true`, `ownStoreMatch: 'linear'`: "the processor
 *   checks whether a write to a code segment may modify an instruction
 *   that has been prefetched for execution. If the write affects a
 *   prefetched instruction, the prefetch queue is invalidated. This
 *   latter check is based on the linear address of the instruction"
 *   ("Self-Modifying Code"): a CPU's own store through the address it
 *   fetches from resynchronizes it, one through another alias does not.
 * - `fetchBlock: 16`: instructions are fetched in aligned 16-byte blocks
 *   (the CPU profile's fetch block), each read at once; an instruction
 *   modified while it is fetched across two blocks can be seen torn
 *   (FACTS §4), one inside a block cannot.
 * - no clean-to-PoU step and no cache-maintenance operations: the caches
 *   are coherent (CLFLUSH is not needed for code), and MFENCE,
 *   LFENCE and SFENCE are not serializing ("Serializing Instructions"), so they leave fetch alone.
 */
export function x86FetchRules(): FetchRules {
  return checkFetchRules({
    name: 'x86-64 SDM',
    fetchBlock: x86CpuProfile.fetchBlockSize,
    icacheLine: x86CpuProfile.icacheLineSize,
    dcacheLine: x86CpuProfile.dcacheLineSize,
    staleness: 'untilContextSync',
    cleanToPou: false,
    ownStoreSyncs: true,
    ownStoreMatch: 'linear',
    exceptionSyncs: true,
    maintenanceCompletes: 'immediately',
    cacheOps: [],
  });
}
