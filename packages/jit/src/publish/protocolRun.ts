/**
 * Runs a publish or patch protocol's steps on a machine. One step (or one
 * 8-byte chunk of a write) is one action; {@link performStep} does the
 * next action and says whether the writer must wait for other CPUs first.
 * The publish API runs the actions back to back ({@link runProtocol});
 * `patchText` and the hazard checker run each one as an IPI the writer
 * sends itself ({@link driveProtocol}), so the scheduler interleaves them
 * with the other CPUs' instructions. A run may cover several sites (a
 * batch, as `text_poke_queue` + `text_poke_finish`): each write step
 * writes every site and each synchronization covers them all, so N sites
 * cost the synchronization rounds of one.
 *
 * @module
 */

import {
  Counter,
  CpuStatus,
  FenceOrder,
  fail,
  type IpiBatch,
  type IsaState,
  type Machine,
  vaFromBigint,
} from '@execmem/core';
import type { ProtocolAction, ProtocolStep } from './protocolStep';

/** One range a protocol writes and synchronizes. */
export interface ProtocolSite {
  /** Executable address of the code. */
  readonly exec: bigint;
  /** Where the writer stores the code (a writable alias, or `exec` itself for a text poke). */
  readonly write: bigint;
  /** The code. */
  readonly bytes: Uint8Array;
}

/** Where a protocol runs and what it publishes: its own site, and `more` of a batch. */
export interface ProtocolTarget extends ProtocolSite {
  /** The CPU that writes and synchronizes. */
  readonly writer: number;
  /** Further sites of the same run (a batch): every step covers them too, in order. */
  readonly more?: readonly ProtocolSite[];
  /** The trap instruction a `write` with `trap` stores at each site (the int3 protocol). */
  readonly trap?: Uint8Array;
  /** Makes the range read-only and executable (the `protect` step). */
  readonly protect?: () => void;
}

/** A protocol in progress: the step index, the write position and the IPI batch waited for. */
export interface ProtocolRun {
  readonly steps: readonly ProtocolStep[];
  readonly target: ProtocolTarget;
  /** The target's site followed by its `more`. */
  readonly sites: readonly ProtocolSite[];
  /** Index of the next step; `steps.length` once done. */
  step: number;
  /** The site the current write step is at. */
  site: number;
  /** Bytes of the current write step already stored at that site. */
  written: number;
  /** Synchronization rounds so far: times the writer waited for every other CPU. */
  rounds: number;
  /** The IPIs the writer waits for, if any. */
  batch: IpiBatch | undefined;
  /** Status of each CPU before stop_machine stopped it (-1: not stopped). */
  readonly saved: Int8Array;
  /**
   * Called when the last CPU takes the IPIs the writer waits for (the
   * writer's csd flags clear): a driver that runs the writer as IPIs to
   * itself sends the next one from here instead of spinning.
   */
  wake: (() => void) | undefined;
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
    sites: [target, ...(target.more ?? [])],
    step: 0,
    site: 0,
    written: 0,
    rounds: 0,
    batch: undefined,
    saved: new Int8Array(cpus).fill(-1),
    wake: undefined,
  };
}

/** Sends `handler` to every CPU but the writer as the batch the writer waits for; the last one wakes it. */
function sendSync<I, S extends IsaState>(
  machine: Machine<I, S>,
  run: ProtocolRun,
  handler: (cpu: number) => void,
): void {
  let left = machine.cpus.length - 1;
  run.rounds++;
  run.batch = machine.ipis.sendAll((cpu) => {
    handler(cpu);
    if (--left === 0) run.wake?.();
  }, run.target.writer);
  if (left === 0) run.wake?.();
}

/** True once every step is done. */
export function protocolDone(run: ProtocolRun): boolean {
  return run.step >= run.steps.length;
}

/** Calls `f` with each `line`-sized line of every site (once per site, at its start, when `line` is 0). */
function eachLine(run: ProtocolRun, f: (va: number) => void, line: number): void {
  for (const site of run.sites) {
    const start = vaFromBigint(site.exec);
    if (line === 0) f(start);
    else {
      const end = start + site.bytes.length;
      for (let va = start - (start % line); va < end; va += line) f(va);
    }
  }
}

/** The bytes `[from, to)` a write step stores at `site`. */
function writeRange(
  run: ProtocolRun,
  action: Extract<ProtocolAction, { kind: 'write' }>,
  site: ProtocolSite,
): [Uint8Array, number, number] {
  const source = action.trap ? run.target.trap : site.bytes;
  if (source === undefined) return fail('EINVAL', 'a trap write needs the trap instruction');
  return [source, action.from ?? 0, Math.min(action.to ?? source.length, source.length)];
}

/** Moves to the next site with bytes to write in this step; false when none is left. */
function nextSite(run: ProtocolRun, action: Extract<ProtocolAction, { kind: 'write' }>): boolean {
  run.written = 0;
  while (++run.site < run.sites.length) {
    const [, from, to] = writeRange(run, action, run.sites[run.site]);
    if (from < to) return true;
  }
  run.site = 0;
  return false;
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
      const site = run.sites[run.site];
      const [source, from, to] = writeRange(run, action, site);
      // One naturally aligned 8-byte chunk per action: what a copy loop of word stores makes visible.
      const offset = from + run.written;
      const at = site.write + BigInt(offset);
      const chunk = Math.min(8 - Number(at % 8n), to - offset);
      if (chunk > 0) machine.poke(target.writer, at, source.subarray(offset, offset + chunk));
      run.written += Math.max(chunk, 0);
      if (from + run.written < to || nextSite(run, action)) return true;
      break;
    }
    case 'stopMachine':
      sendSync(machine, run, (cpu) => {
        run.saved[cpu] = machine.cpus[cpu].status;
        machine.cpus[cpu].status = CpuStatus.Stopped;
      });
      return false;
    case 'release':
      machine.cpus.forEach((c, cpu) => {
        if (run.saved[cpu] < 0) return;
        if (action.op === undefined) c.contextSync();
        else for (const site of run.sites) c.cacheOp(action.op, vaFromBigint(site.exec));
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
      const { op } = action;
      sendSync(machine, run, (cpu) => {
        const c = machine.cpus[cpu];
        if (op === undefined) c.contextSync();
        else for (const site of run.sites) c.cacheOp(op, vaFromBigint(site.exec));
      });
      return false;
    }
  }
  run.step++;
  return true;
}

/**
 * Runs `run` to its end on the calling thread: the writer's actions back
 * to back, stepping the machine while it waits for other CPUs (the
 * publish API's `finalize`).
 */
export function runProtocol<I, S extends IsaState>(machine: Machine<I, S>, run: ProtocolRun): void {
  while (!protocolDone(run)) {
    if (!performStep(machine, run)) machine.run({ until: () => (run.batch?.pending ?? 0) === 0 });
  }
}

/**
 * Starts `run` as actions the writer performs one per IPI it sends itself,
 * so the machine's scheduler interleaves them with every other CPU's
 * steps; while it waits for other CPUs it sends none (the last of them
 * wakes it). `done` runs in the writer's last action. The self-IPIs are
 * how the model schedules the writer, not interrupts: the `ipis` counter
 * leaves them out.
 */
export function driveProtocol<I, S extends IsaState>(
  machine: Machine<I, S>,
  run: ProtocolRun,
  done?: () => void,
): void {
  const { writer } = run.target;
  const schedule = (): void => {
    machine.ipis.send(writer, act);
    machine.counters.add(Counter.ipis, -1);
  };
  const act = (): void => {
    if (protocolDone(run)) return;
    const acted = performStep(machine, run);
    if (protocolDone(run)) done?.();
    else if (acted) schedule();
  };
  run.wake = schedule;
  schedule();
}
