/**
 * The kernel's cache maintenance to the point of unification and
 * `kick_all_cpus_sync()`, run by one CPU of a machine through its
 * `MemoryPort` (the instructions the kernel's routines execute).
 *
 * @module
 */

import { CacheOp, fail, type IpiBatch, type Machine } from '@execmem/core';
import { parseCtrEl0 } from '../fetchRules';
import { BarrierOption, dsbCode } from '../isa/barriers';
import { SystemRegister } from '../isa/systemRegisters';

const DSB_ISH = dsbCode(BarrierOption.ISH);
const DSB_ISHST = dsbCode(BarrierOption.ISHST);

/** `CTR_EL0` as CPU `cpu` reads it (the kernel reads it once at boot; the machine may configure it). */
function ctrEl0(machine: Machine, cpu: number): ReturnType<typeof parseCtrEl0> {
  const t = new Uint32Array(2);
  machine.cpus[cpu].readSystemRegister(SystemRegister.CTR_EL0, t, 0);
  return parseCtrEl0((BigInt(t[1]) << 32n) | BigInt(t[0]));
}

/**
 * `caches_clean_inval_pou(start, end)` (arch/arm64/mm/cache.S) on CPU `cpu`
 * for `[start, end)`: `DC CVAU` by data line then `DSB ISH`, or only
 * `DSB ISHST` when `CTR_EL0.IDC` = 1; `IC IVAU` by instruction line then
 * `DSB ISH`, skipped when `CTR_EL0.DIC` = 1; then `ISB`. `EFAULT` naming the
 * first unmapped line (maintenance has no architectural effect to undo).
 */
export function cachesCleanInvalPou(
  machine: Machine,
  cpu: number,
  start: bigint,
  end: bigint,
): void {
  const c = machine.cpus[cpu];
  const ctr = ctrEl0(machine, cpu);
  const byLine = (op: CacheOp, line: number) => {
    const first = start - (start % BigInt(line));
    for (let va = first; va < end; va += BigInt(line)) {
      if (!c.cacheOp(op, machine.kernel.toEngine(va))) {
        fail('EFAULT', `cache maintenance at 0x${va.toString(16)}: address is not mapped`);
      }
    }
    c.fence(DSB_ISH);
  };
  if (ctr.idc) c.fence(DSB_ISHST);
  else byLine(CacheOp.DcCvau, ctr.dminLine);
  if (!ctr.dic) byLine(CacheOp.IcIvau, ctr.iminLine);
  c.contextSync();
}

/**
 * `kick_all_cpus_sync()`: an IPI running nothing to every CPU but `cpu`;
 * taking it is an exception entry and return, the context synchronization
 * event that makes each CPU refetch. The kernel waits until every CPU took
 * it: step the machine until the batch's `pending` is 0.
 */
export function kickAllCpusSync(machine: Machine, cpu: number): IpiBatch {
  return machine.ipis.sendAll(() => {}, cpu);
}

/**
 * `flush_icache_range(start, end)` (arch/arm64/include/asm/cacheflush.h):
 * {@link cachesCleanInvalPou} on `cpu`, then {@link kickAllCpusSync}.
 */
export function flushIcacheRange(
  machine: Machine,
  cpu: number,
  start: bigint,
  end: bigint,
): IpiBatch {
  cachesCleanInvalPou(machine, cpu, start, end);
  return kickAllCpusSync(machine, cpu);
}
