import { CacheOp, Counter, type IpiBatch, type IsaState, type Machine } from '@execmem/core';
import { riscvFenceOrder } from '../fenceOrder';
import { FENCE_O, FENCE_W } from '../isa/fence';

/**
 * `local_flush_icache_all()`: FENCE.I on `cpu`. Like the instruction, it
 * acts on memory as the hart's earlier stores left it, and restarts the
 * hart's fetch stream.
 */
export function localFlushIcacheAll<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
): void {
  machine.storage.flush(cpu);
  machine.views.cacheOp(cpu, CacheOp.FenceI, 0);
  machine.counters.add(Counter.cacheMaintenanceOps);
}

/**
 * `flush_icache_all()` (arch/riscv/mm/cacheflush.c) run by `cpu`: a local
 * FENCE.I; then, with other harts online, `fence w,o` so the earlier
 * writes are ordered before the IPI's MMIO write, and an IPI asking every
 * other hart to run FENCE.I (`ipi_remote_fence_i`). The caller waits
 * (`on_each_cpu(…, wait=1)`) until the returned batch has no pending
 * target; every IPI is counted.
 */
export function flushIcacheAll<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
): IpiBatch {
  localFlushIcacheAll(machine, cpu);
  if (machine.cpus.length > 1) {
    machine.storage.fence(cpu, riscvFenceOrder((FENCE_W << 4) | FENCE_O));
  }
  return machine.ipis.sendAll((target) => localFlushIcacheAll(machine, target), cpu);
}
