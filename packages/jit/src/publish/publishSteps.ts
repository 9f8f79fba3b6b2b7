/**
 * The publish protocol of each arch as data: what must happen, on which
 * CPU, between writing code and letting any CPU execute it. The steps are
 * derived from the `Arch`'s fetch rules (never from its name), so the docs
 * can print them and the machine and the hazard checker run exactly them.
 *
 * @module
 */

import {
  type Arch,
  CacheOp,
  CacheOpEffect,
  type FetchRules,
  fail,
  type IsaState,
} from '@execmem/core';

/** How code reaches its final executable mapping. */
export type PublishStrategy = 'rwThenRox' | 'roxCacheTextPoke' | 'dualMapping';

/** Every {@link PublishStrategy}, in the order the docs list them. */
export const PUBLISH_STRATEGIES: readonly PublishStrategy[] = [
  'rwThenRox',
  'roxCacheTextPoke',
  'dualMapping',
];

/** What a step makes the machine do. */
export type PublishAction =
  /** The writer stores the code, one aligned 8-byte chunk per step. */
  | { readonly kind: 'write' }
  /** The writer turns the writable mapping into read-only executable (`set_memory_rox`). */
  | { readonly kind: 'protect' }
  /** The writer issues `op` for every line of the range (`line` bytes apart). */
  | { readonly kind: 'cacheOp'; readonly op: CacheOp; readonly line: number }
  /** The writer waits for its earlier maintenance to complete (a DSB). */
  | { readonly kind: 'complete' }
  /** The writer orders its earlier stores before what follows (its IPI's MMIO write). */
  | { readonly kind: 'fence' }
  /** The writer context-synchronizes (ISB). */
  | { readonly kind: 'contextSync' }
  /** Every other CPU runs `run` in an IPI handler; the writer waits for all of them. */
  | { readonly kind: 'ipi'; readonly run: 'contextSync' | 'fenceI' };

/** One step of a publish protocol. */
export interface PublishStep {
  /** Who performs it. */
  readonly who: 'writer' | 'every other CPU';
  /** The step as the manual or kernel names it. */
  readonly step: string;
  /** The rule that requires it. */
  readonly why: string;
  /** What it does on a machine. */
  readonly action: PublishAction;
}

/** Options of {@link publishSteps}. */
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

const OP_NAMES: Readonly<Record<CacheOp, string>> = {
  [CacheOp.DcCvau]: 'DC CVAU',
  [CacheOp.IcIvau]: 'IC IVAU',
  [CacheOp.IcIallu]: 'IC IALLU',
  [CacheOp.IcIalluis]: 'IC IALLUIS',
  [CacheOp.FenceI]: 'FENCE.I',
};

/** The strategy's write and permission steps. */
function mappingSteps(strategy: PublishStrategy): PublishStep[] {
  switch (strategy) {
    case 'rwThenRox':
      return [
        {
          who: 'writer',
          step: 'write through the RW mapping',
          why: 'module style: the range is mapped RW and not executable while it is written',
          action: { kind: 'write' },
        },
        {
          who: 'writer',
          step: 'set_memory_rox',
          why: 'W^X: the range becomes executable only once it is read-only',
          action: { kind: 'protect' },
        },
      ];
    case 'roxCacheTextPoke':
      return [
        {
          who: 'writer',
          step: 'text_poke_copy',
          why: 'bpf_prog_pack style: the ROX cache is never writable; a temporary writable alias copies the code in',
          action: { kind: 'write' },
        },
      ];
    case 'dualMapping':
      return [
        {
          who: 'writer',
          step: 'write through the writable alias',
          why: 'dual mapping: the same frames are mapped RW at one address and RX at another (an intentional W^X alias)',
          action: { kind: 'write' },
        },
      ];
    default:
      return fail('EINVAL', `publish strategy "${String(strategy)}" is not one of ${PUBLISH_STRATEGIES.join(', ')}`);
  }
}

/** The synchronization the fetch rules require after the code is written. */
export function syncSteps(rules: FetchRules, options: PublishStepsOptions = {}): PublishStep[] {
  const steps: PublishStep[] = [];
  if (rules.staleness === 'coherent') return steps;
  const atBarrier = rules.maintenanceCompletes === 'atBarrier';
  const complete: PublishStep = {
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
  if (rules.staleness === 'untilInvalidated' && syncLocal !== undefined) {
    // RISC-V: FENCE.I is local only (Zifencei); flush_icache_all() reaches the others by IPI.
    steps.push(
      {
        who: 'writer',
        step: OP_NAMES[syncLocal],
        why: 'FENCE.I orders this hart\'s stores before its own later fetches only (Zifencei)',
        action: { kind: 'cacheOp', op: syncLocal, line: 0 },
      },
      {
        who: 'writer',
        step: 'fence w,o',
        why: 'the code stores must be visible before the IPI\'s MMIO write (flush_icache_all)',
        action: { kind: 'fence' },
      },
      {
        who: 'every other CPU',
        step: OP_NAMES[syncLocal],
        why: 'each hart must run its own FENCE.I (IPI or SBI remote fence.i)',
        action: { kind: 'ipi', run: 'fenceI' },
      },
    );
    return steps;
  }
  if (rules.staleness === 'untilInvalidated' && invalidate !== undefined) {
    steps.push({
      who: 'writer',
      step: OP_NAMES[invalidate],
      why: 'DIC=0: instruction caches may hold the old line until invalidated to the PoU (Arm ARM B2.4.4)',
      action: { kind: 'cacheOp', op: invalidate, line: rules.icacheLine },
    });
    if (atBarrier) steps.push(complete);
  }
  const pipelineOnly = rules.staleness === 'untilContextSync' && rules.cacheOps.length === 0;
  if (pipelineOnly && options.fetchedBefore === false) return steps;
  steps.push(
    {
      who: 'writer',
      step: rules.exceptionSyncs && pipelineOnly ? 'serialize' : 'ISB',
      why: 'the writer\'s own pipeline may hold instructions fetched before the write',
      action: { kind: 'contextSync' },
    },
    {
      who: 'every other CPU',
      step: pipelineOnly ? 'serialize (sync_core IPI)' : 'ISB (kick_all_cpus_sync IPI)',
      why: pipelineOnly
        ? 'cross-modifying code: the executing CPU must serialize before running modified code (SDM vol. 3)'
        : 'other PEs may run instructions fetched before the maintenance until a context synchronization event (Arm ARM B2.4.4)',
      action: { kind: 'ipi', run: 'contextSync' },
    },
  );
  return steps;
}

/**
 * The whole publish protocol for `arch` and `strategy`: the strategy's
 * write and permission steps, then the synchronization its fetch rules
 * require. `EINVAL` for an unknown strategy.
 */
export function publishSteps<I, S extends IsaState>(
  arch: Arch<I, S>,
  strategy: PublishStrategy,
  options: PublishStepsOptions = {},
): PublishStep[] {
  return [...mappingSteps(strategy), ...syncSteps(arch.fetchRules, options)];
}

/** The steps as printable lines: `who: step (why)`. */
export function formatPublishSteps(steps: readonly PublishStep[]): string {
  return steps.map((s, i) => `${i + 1}. ${s.who}: ${s.step} (${s.why})`).join('\n');
}
