/**
 * RISC-V instruction-fetch rules as data for core's instruction views
 * (FACTS §4 "RISC-V"; the litmus-tests-riscv-ifetch models).
 *
 * @module
 */

import { CacheOp, CacheOpEffect, checkFetchRules, type FetchRules } from '@execmem/core';
import { riscvCpuProfile } from './mm/cpuProfile';

/** Options of {@link riscvFetchRules}. */
export interface RiscvFetchRulesOptions {
  /**
   * The harts implement Ziccid: instruction fetch is coherent with data
   * stores (eventually) and in program order, but instructions already
   * fetched survive until FENCE.I (default false: Zifencei and Ziccif only).
   */
  readonly ziccid?: boolean;
}

/**
 * The riscv64 fetch rules. One fetch block is the 4-byte Ziccif atomic
 * fetch of the CPU profile.
 *
 * - Zifencei (Unprivileged ISA ch. "Zifencei"): FENCE.I orders this
 *   hart's earlier stores before its later fetches and nothing else; it
 *   invalidates only the local instruction cache and restarts the local
 *   fetch stream (CacheOpEffect.SyncLocal). Other harts need their own
 *   FENCE.I, sent by IPI or SBI `remote_fence_i`.
 * - Without Ziccid an instruction cache is not coherent with stores: a
 *   hart may fetch any version written since its last FENCE.I
 *   (`untilInvalidated`). With Ziccid fetch is coherent with stores, yet
 *   "a jump through a freshly published pointer still needs FENCE.I"
 *   (FACTS §4): instructions fetched ahead survive until FENCE.I
 *   (`untilContextSync`, the only synchronizing event being FENCE.I),
 *   and fetches are in program order (Ziccid's `ir2 = [I];po;[I]`,
 *   `fetchOrder: 'programOrder'`): once a fetch returned a version, no
 *   later fetch of the hart returns one overwritten before that version
 *   was written (litmus tests CoFF and MP.FF become Forbidden), and a hart
 *   that keeps fetching eventually sees every store.
 * - Privileged ISA, "Trap handling": trap entry and SRET do not
 *   synchronize instruction fetch (Linux runs FENCE.I in its IPI handler
 *   for that reason), so exceptions do not resynchronize.
 * - RVWMO has no rule making a hart's own store visible to its fetch
 *   without FENCE.I (litmus test SM is Allowed), so own stores do not
 *   resynchronize either; there is no clean-to-PoU step.
 */
export function riscvFetchRules(options: RiscvFetchRulesOptions = {}): FetchRules {
  const cacheOps: CacheOpEffect[] = [];
  cacheOps[CacheOp.FenceI] = CacheOpEffect.SyncLocal;
  return checkFetchRules({
    name: options.ziccid ? 'riscv64 Zifencei+Ziccif+Ziccid' : 'riscv64 Zifencei+Ziccif',
    fetchBlock: riscvCpuProfile.fetchBlockSize,
    icacheLine: riscvCpuProfile.icacheLineSize,
    dcacheLine: riscvCpuProfile.dcacheLineSize,
    staleness: options.ziccid ? 'untilContextSync' : 'untilInvalidated',
    cleanToPou: false,
    ownStoreSyncs: false,
    exceptionSyncs: false,
    // FENCE.I takes effect when it executes; there is no completion barrier.
    maintenanceCompletes: 'immediately',
    cacheOps,
    fetchOrder: options.ziccid ? 'programOrder' : 'free',
  });
}
