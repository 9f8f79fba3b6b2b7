/**
 * The synchronization an arch's fetch rules require between writing code
 * and executing it on every CPU, derived from the rules alone: clean to
 * the PoU where writes do not reach fetch otherwise, invalidate where
 * instruction caches may be stale, a local FENCE.I plus remote ones where
 * the only tool is local, and a context synchronization on every CPU
 * where fetched instructions survive until one.
 *
 * @module
 */

import { CacheOp, CacheOpEffect, type FetchRules } from '@execmem/core';
import type { ProtocolStep } from './protocolStep';

/** Options of {@link syncSteps} and `publishSteps`. */
export interface PublishStepsOptions {
  /**
   * The range may have been fetched before (its frames held code, or it
   * lies in a live ROX cache); default true. Only arches whose sole
   * staleness is already-fetched instructions (x86) skip synchronization
   * when false.
   */
  readonly fetchedBefore?: boolean;
}

/** The core cache operation with `effect` under `rules`, if the arch has one. */
function opWith(rules: FetchRules, effect: CacheOpEffect): CacheOp | undefined {
  for (const op of Object.values(CacheOp)) if (rules.cacheOps[op] === effect) return op;
  return undefined;
}

/** The manual's name of each core cache operation. */
export const OP_NAMES: Readonly<Record<CacheOp, string>> = {
  [CacheOp.DcCvau]: 'DC CVAU',
  [CacheOp.IcIvau]: 'IC IVAU',
  [CacheOp.IcIallu]: 'IC IALLU',
  [CacheOp.IcIalluis]: 'IC IALLUIS',
  [CacheOp.FenceI]: 'FENCE.I',
};

/** The synchronization the fetch rules require after the code is written. */
export function syncSteps(rules: FetchRules, options: PublishStepsOptions = {}): ProtocolStep[] {
  const steps: ProtocolStep[] = [];
  if (rules.staleness === 'coherent') return steps;
  const atBarrier = rules.maintenanceCompletes === 'atBarrier';
  const complete: ProtocolStep = {
    who: 'writer',
    step: 'DSB ISH',
    why: 'cache maintenance completes only at a later DSB (Arm ARM D7.5.10)',
    action: { kind: 'complete' },
  };
  const clean = opWith(rules, CacheOpEffect.CleanLine);
  if (rules.cleanToPou && clean !== undefined) {
    steps.push({
      who: 'writer',
      step: OP_NAMES[clean],
      why: 'IDC=0: a write reaches instruction fetch only once cleaned to the PoU (Arm ARM B2.4.4)',
      action: { kind: 'cacheOp', op: clean, line: rules.dcacheLine },
    });
    if (atBarrier) steps.push(complete);
  }
  const syncLocal = opWith(rules, CacheOpEffect.SyncLocal);
  const invalidate = opWith(rules, CacheOpEffect.InvalidateLineAll);
  if (rules.staleness === 'untilInvalidated' && invalidate !== undefined) {
    steps.push({
      who: 'writer',
      step: OP_NAMES[invalidate],
      why: 'DIC=0: instruction caches may hold the old line until invalidated to the PoU (Arm ARM B2.4.4)',
      action: { kind: 'cacheOp', op: invalidate, line: rules.icacheLine },
    });
    if (atBarrier) steps.push(complete);
  } else if (rules.staleness === 'untilInvalidated' && syncLocal !== undefined) {
    // RISC-V: FENCE.I is local only (Zifencei); flush_icache_all() reaches the others by IPI.
    steps.push(
      {
        who: 'writer',
        step: OP_NAMES[syncLocal],
        why: "FENCE.I orders this hart's stores before its own later fetches only (Zifencei)",
        action: { kind: 'cacheOp', op: syncLocal, line: 0 },
      },
      {
        who: 'writer',
        step: 'fence w,o',
        why: "the code stores must be visible before the IPI's MMIO write (flush_icache_all)",
        action: { kind: 'fence' },
      },
      {
        who: 'every other CPU',
        step: OP_NAMES[syncLocal],
        why: 'each hart must run its own FENCE.I (IPI or SBI remote fence.i)',
        action: { kind: 'ipi', op: syncLocal },
      },
    );
    return steps;
  }
  const pipelineOnly = rules.staleness === 'untilContextSync' && rules.cacheOps.length === 0;
  if (pipelineOnly && options.fetchedBefore === false) return steps;
  steps.push(
    {
      who: 'writer',
      step: rules.exceptionSyncs && pipelineOnly ? 'serialize' : 'ISB',
      why: "the writer's own pipeline may hold instructions fetched before the write",
      action: { kind: 'contextSync' },
    },
    {
      who: 'every other CPU',
      step: pipelineOnly ? 'serialize (sync_core IPI)' : 'ISB (kick_all_cpus_sync IPI)',
      why: pipelineOnly
        ? 'cross-modifying code: the executing CPU must serialize before running modified code (SDM vol. 3)'
        : 'other PEs may run instructions fetched before the maintenance until a context synchronization event (Arm ARM B2.4.4)',
      action: { kind: 'ipi' },
    },
  );
  return steps;
}
