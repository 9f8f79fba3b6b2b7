import {
  type Cpu,
  CpuStatus,
  fail,
  type IpiBatch,
  type IsaState,
  type Machine,
} from '@execmem/core';
import { flushIcacheAll, localFlushIcacheAll } from './flushIcacheAll';
import { checkText, patchInsnWrite } from './patchInsnWrite';

/** `EINVAL` unless `cpu` is one of the machine's CPUs. */
function checkCpu<I, S extends IsaState>(machine: Machine<I, S>, cpu: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= machine.cpus.length) {
    fail('EINVAL', `CPU ${cpu} does not exist (CPUs 0..${machine.cpus.length - 1})`);
  }
}

/** `EINVAL` unless the patch starts on a 2-byte parcel boundary and covers whole parcels. */
function checkParcels(addr: bigint, length: number): void {
  if (addr % 2n !== 0n || length % 2 !== 0) {
    fail(
      'EINVAL',
      `patch of ${length} bytes at 0x${BigInt.asUintN(64, addr).toString(16)} does not cover whole 2-byte instruction parcels`,
    );
  }
}

/**
 * `patch_text_nosync()`: writes `insns` at `addr` through the fixmap
 * alias, then `flush_icache_range()`, which on riscv is
 * {@link flushIcacheAll}. The caller must keep other harts from executing
 * the range meanwhile; it waits for the returned IPI batch.
 */
export function patchTextNosync<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
  addr: bigint,
  insns: Uint8Array,
): IpiBatch {
  checkCpu(machine, cpu);
  checkParcels(addr, insns.length);
  patchInsnWrite(machine, cpu, addr, insns);
  return flushIcacheAll(machine, cpu);
}

/**
 * `patch_text_set_nosync()`: fills `len` bytes at `addr` with `c` through
 * the fixmap alias (`patch_insn_set`), then flushes as
 * {@link patchTextNosync} does. `EINVAL` for a fill byte outside 0..255.
 */
export function patchTextSetNosync<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
  addr: bigint,
  c: number,
  len: number,
): IpiBatch {
  checkCpu(machine, cpu);
  if (!Number.isInteger(c) || c < 0 || c > 255) fail('EINVAL', `fill byte ${c} is not in 0..255`);
  if (!Number.isInteger(len) || len < 1) fail('EINVAL', `fill length ${len} is not positive`);
  patchInsnWrite(machine, cpu, addr, new Uint8Array(len).fill(c));
  return flushIcacheAll(machine, cpu);
}

/**
 * `bpf_arch_text_invalidate()` (arch/riscv/net/bpf_jit_core.c): a freed
 * BPF program's text is zeroed with `patch_text_set_nosync(dst, 0, len)`;
 * an all-zero parcel is an illegal instruction.
 */
export function bpfArchTextInvalidate<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
  addr: bigint,
  len: number,
): IpiBatch {
  return patchTextSetNosync(machine, cpu, addr, 0, len);
}

/** A `patch_text()` in progress. */
export interface StopMachinePatch {
  /** True once every CPU has arrived, the text is written and every CPU has run FENCE.I and resumed. */
  readonly done: boolean;
  /** The CPU that wrote the text (the last to arrive), or -1 before. */
  readonly patcher: number;
}

/**
 * `patch_text()`: stop_machine running `patch_text_cb` on every CPU. CPU
 * `cpu` arrives at once; the others are sent an IPI (the stopper wake-up)
 * and, taking it, stop and spin. The last CPU to arrive writes `insns`
 * through the fixmap alias and releases the rest; every CPU then runs
 * `local_flush_icache_all()` (FENCE.I) before it resumes what it was
 * doing. The machine's scheduler decides when each CPU arrives, so the
 * explorer sees every arrival order; run the machine until `done`.
 */
export function patchText<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
  addr: bigint,
  insns: Uint8Array,
): StopMachinePatch {
  checkCpu(machine, cpu);
  checkParcels(addr, insns.length);
  // Refuse a bad target before stopping anything.
  checkText(machine, addr, insns.length);
  const n = machine.cpus.length;
  const saved = new Int8Array(n).fill(-1);
  const state = { done: false, patcher: -1 };
  let arrived = 0;
  const arrive = (c: number): void => {
    const target: Cpu<I, S> = machine.cpus[c];
    saved[c] = target.status;
    target.status = CpuStatus.Stopped;
    if (++arrived < n) return;
    state.patcher = c;
    patchInsnWrite(machine, c, addr, insns);
    for (let k = 0; k < n; k++) {
      localFlushIcacheAll(machine, k);
      machine.cpus[k].status = saved[k] as CpuStatus;
    }
    state.done = true;
  };
  arrive(cpu);
  if (n > 1) machine.ipis.sendAll(arrive, cpu);
  return state;
}
