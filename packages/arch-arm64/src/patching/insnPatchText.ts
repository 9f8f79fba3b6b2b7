/**
 * `aarch64_insn_patch_text()`: patching code other CPUs may be running,
 * under `stop_machine()` (arch/arm64/kernel/patching.c).
 *
 * @module
 */

import { CpuStatus, fail, type Machine } from '@execmem/core';
import { aarch64InsnPatchTextNosync } from './textPoke';

/** Progress of one {@link aarch64InsnPatchText} call. */
export interface StopMachinePatch {
  /** CPUs that have entered the stop-machine callback. */
  readonly arrived: number;
  /** True once the instructions are written and every CPU is released. */
  readonly done: boolean;
  /** The CPU that wrote the instructions (the last to arrive), or -1 before. */
  readonly patcher: number;
}

/**
 * `aarch64_insn_patch_text(addrs, insns, cnt)` started by CPU `cpu`. Every
 * CPU runs `aarch64_insn_patch_text_cb()` under `stop_machine()`: `cpu`
 * enters at once, the others when they take the stop-machine IPI. Each
 * increments `cpu_count`; the last to arrive patches every site with
 * `aarch64_insn_patch_text_nosync()` and releases the others, which spin
 * (here: do not run) until then and execute an `ISB` before returning.
 * Step the machine until `done`. Arguments are checked first: `EINVAL` for
 * mismatched lists, a misaligned address or a bad word, `EFAULT` for an
 * unmapped one.
 */
export function aarch64InsnPatchText(
  machine: Machine,
  cpu: number,
  addrs: readonly bigint[],
  insns: readonly number[],
): StopMachinePatch {
  const { cpus } = machine;
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= cpus.length) {
    fail('EINVAL', `CPU ${cpu} does not exist (CPUs 0..${cpus.length - 1})`);
  }
  if (addrs.length === 0 || addrs.length !== insns.length) {
    fail('EINVAL', `${addrs.length} addresses for ${insns.length} instructions`);
  }
  addrs.forEach((addr, i) => {
    if (addr & 3n) fail('EINVAL', `text address 0x${addr.toString(16)} is not 4-byte aligned`);
    if (!machine.kernel.translate(addr)) {
      fail('EFAULT', `text address 0x${addr.toString(16)} is not mapped`);
    }
    const insn = insns[i];
    if (!Number.isInteger(insn) || insn < 0 || insn > 0xffffffff) {
      fail('EINVAL', `instruction word ${insn} is not a 32-bit value`);
    }
  });
  const prior = cpus.map((c) => c.status);
  const progress = { arrived: 0, done: false, patcher: -1 };
  const arrive = (c: number) => {
    progress.arrived++;
    if (progress.arrived < cpus.length) {
      // multi_cpu_stop(): a CPU that is not last spins in the callback until released.
      prior[c] = cpus[c].status;
      cpus[c].status = CpuStatus.Stopped;
      return;
    }
    addrs.forEach((addr, i) => {
      aarch64InsnPatchTextNosync(machine, c, addr, insns[i]);
    });
    progress.patcher = c;
    progress.done = true;
    for (let o = 0; o < cpus.length; o++) {
      if (o === c) continue;
      cpus[o].contextSync();
      cpus[o].status = prior[o];
    }
  };
  arrive(cpu);
  if (!progress.done) machine.ipis.sendAll(arrive, cpu);
  return progress;
}
