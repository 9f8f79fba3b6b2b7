/**
 * `text_poke_sync()`: serialize every CPU (arch/x86/kernel/alternative.c).
 *
 * @module
 */

import type { IpiBatch, Machine } from '@execmem/core';
import { checkCpu, syncCore } from './textPoke';

/**
 * `text_poke_sync()` = `on_each_cpu(do_sync_core, NULL, 1)` run by `cpu`:
 * `sync_core()` here, and an IPI running it on every other CPU. The caller
 * waits until the returned batch has no pending target.
 */
export function textPokeSync(machine: Machine, cpu: number): IpiBatch {
  checkCpu(machine, cpu);
  syncCore(machine, cpu);
  return machine.ipis.sendAll((target) => syncCore(machine, target), cpu);
}
