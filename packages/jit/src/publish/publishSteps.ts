/**
 * The publish protocol of each arch as data: what must happen, on which
 * CPU, between writing code and letting any CPU execute it. The steps are
 * derived from the `Arch`'s fetch rules (never from its name), so the docs
 * can print them and the machine and the hazard checker run exactly them.
 *
 * @module
 */

import { type Arch, fail, type IsaState } from '@execmem/core';
import type { ProtocolStep } from './protocolStep';
import { type PublishStepsOptions, syncSteps } from './syncSteps';

/** How code reaches its final executable mapping. */
export type PublishStrategy = 'rwThenRox' | 'roxCacheTextPoke' | 'dualMapping';

/** Every {@link PublishStrategy}, in the order the docs list them. */
export const PUBLISH_STRATEGIES: readonly PublishStrategy[] = [
  'rwThenRox',
  'roxCacheTextPoke',
  'dualMapping',
];

/** The strategy's write and permission steps. */
function mappingSteps(strategy: PublishStrategy): ProtocolStep[] {
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
          why: 'bpf_prog_pack style: the ROX cache is never writable and holds only traps until a temporary writable alias copies the code in',
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
        {
          who: 'writer',
          step: 'set_memory_rox',
          why: 'no CPU may execute the range before it is complete, so its executable alias becomes read-only and executable last',
          action: { kind: 'protect' },
        },
      ];
    default:
      return fail(
        'EINVAL',
        `publish strategy "${String(strategy)}" is not one of ${PUBLISH_STRATEGIES.join(', ')}`,
      );
  }
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
): ProtocolStep[] {
  return [...mappingSteps(strategy), ...syncSteps(arch.fetchRules, options)];
}
