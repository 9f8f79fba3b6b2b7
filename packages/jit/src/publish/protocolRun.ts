/**
 * Runs a publish protocol's steps on a machine. One step (or one 8-byte
 * chunk of a write) is one action; {@link performStep} does the next
 * action and says whether the writer must wait for other CPUs first. The
 * publish API runs the actions back to back; the hazard checker runs each
 * one as an IPI the writer sends itself, so the scheduler interleaves them
 * with the executing CPUs' instructions.
 *
 * @module
 */

import {
  CpuStatus,
  FenceOrder,
  fail,
  type IpiBatch,
  type IsaState,
  type Machine,
  vaFromBigint,
} from '@execmem/core';
import type { ProtocolStep } from './protocolStep';

/** Where a protocol runs and what it publishes. */
export interface ProtocolTarget {
  /** The CPU that writes and synchronizes. */
  readonly writer: number;
  /** Executable address of the code. */
  readonly exec: bigint;
  /** Where the writer stores the code (a writable alias, or `exec` itself for a text poke). */
  readonly write: bigint;
  /** The code. */
  readonly bytes: Uint8Array;
  /** The trap instruction a `write` with `trap` stores (the int3 protocol). */
  readonly trap?: Uint8Array;
  /** Makes the range read-only and executable (the `protect` step). */
  readonly protect?: () => void;
}

/** A protocol in progress: the step index, the write offset and the IPI batch waited for. */
export interface ProtocolRun {
  readonly steps: readonly ProtocolStep[];
  readonly target: ProtocolTarget;
  /** Index of the next step; `steps.length` once done. */
  step: number;
  /** Bytes of the current write step already stored. */
  written: number;
  /** The IPIs the writer waits for, if any. */
  batch: IpiBatch | undefined;
  /** Status of each CPU before stop_machine stopped it (-1: not stopped). */
  readonly saved: Int8Array;
}

/** A run of `steps` against `target`, not started. */
export function createProtocolRun(
  steps: readonly ProtocolStep[],
  target: ProtocolTarget,
  cpus: number,
): ProtocolRun {
  return {
    steps,
    target,
    step: 0,
    written: 0,
    batch: undefined,
    saved: new Int8Array(cpus).fill(-1),
  };
}

/** True once every step is done. */
export function protocolDone(run: ProtocolRun): boolean {
  return run.step >= run.steps.length;
}

/** Calls `f` with each `line`-sized line of the target (once, at its start, when `line` is 0). */
function eachLine(run: ProtocolRun, f: (va: number) => void, line: number): void {
  const start = vaFromBigint(run.target.exec);
  if (line === 0) {
    f(start);
    return;
  }
  const end = start + run.target.bytes.length;
  for (let va = start - (start % line); va < end; va += line) f(va);
}

/**
 * Performs the next action of `run` on `machine`. Returns false when the
 * writer is waiting for other CPUs (call again later), true when the action
 * was done (or nothing is left).
 */
export function performStep<I, S extends IsaState>(
  machine: Machine<I, S>,
  run: ProtocolRun,
): boolean {
  if (protocolDone(run)) return true;
  if (run.batch !== undefined) {
    if (run.batch.pending > 0) return false;
    run.batch = undefined;
    run.step++;
    return true;
  }
  const { target } = run;
  const writer = machine.cpus[target.writer];
  const { action } = run.steps[run.step];
  switch (action.kind) {
    case 'write': {
      const source = action.trap ? target.trap : target.bytes;
      if (source === undefined) return fail('EINVAL', 'a trap write needs the trap instruction');
      const from = action.from ?? 0;
      const to = Math.min(action.to ?? source.length, source.length);
      // One naturally aligned 8-byte chunk per action: what a copy loop of word stores makes visible.
      const offset = from + run.written;
      const at = target.write + BigInt(offset);
      const chunk = Math.min(8 - Number(at % 8n), to - offset);
      if (chunk > 0) machine.poke(target.writer, at, source.subarray(offset, offset + chunk));
      run.written += Math.max(chunk, 0);
      if (from + run.written < to) return true;
      run.written = 0;
      break;
    }
    case 'stopMachine':
      run.batch = machine.ipis.sendAll((cpu) => {
        run.saved[cpu] = machine.cpus[cpu].status;
        machine.cpus[cpu].status = CpuStatus.Stopped;
      }, target.writer);
      return false;
    case 'release':
      machine.cpus.forEach((c, cpu) => {
        if (run.saved[cpu] < 0) return;
        if (action.op === undefined) c.contextSync();
        else c.cacheOp(action.op, vaFromBigint(target.exec));
        c.status = run.saved[cpu] as CpuStatus;
        run.saved[cpu] = -1;
      });
      break;
    case 'protect':
      target.protect?.();
      break;
    case 'cacheOp':
      eachLine(run, (va) => writer.cacheOp(action.op, va), action.line);
      break;
    case 'complete':
      machine.storage.fence(target.writer, FenceOrder.Full);
      machine.views.completeMaintenance(target.writer);
      break;
    case 'fence':
      machine.storage.fence(target.writer, FenceOrder.Full);
      break;
    case 'contextSync':
      writer.contextSync();
      break;
    case 'ipi': {
      const exec = vaFromBigint(target.exec);
      const { op } = action;
      run.batch = machine.ipis.sendAll((cpu) => {
        const c = machine.cpus[cpu];
        if (op === undefined) c.contextSync();
        else c.cacheOp(op, exec);
      }, target.writer);
      return false;
    }
  }
  run.step++;
  return true;
}
