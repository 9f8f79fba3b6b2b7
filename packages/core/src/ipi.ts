/**
 * Inter-processor interrupts: a CPU (or the kernel code driving the
 * machine) asks others to run a handler, as `smp_call_function_many` and
 * `kick_all_cpus_sync` do. An IPI is delivered at a step boundary of the
 * target, chosen by the scheduler like any other step, and is taken as an
 * exception: entry and return are context-synchronizing where the arch's
 * fetch rules say so. Every IPI sent is counted.
 *
 * @module
 */

import { Counter, type Counters } from './counters';
import { fail } from './errors';

/** What an IPI runs on its target CPU (its id is passed). */
export type IpiHandler = (cpu: number) => void;

/** A group of IPIs sent together; `pending` reaches 0 when every target has run the handler. */
export interface IpiBatch {
  /** Targets that have not yet taken the IPI. */
  readonly pending: number;
}

interface Batch extends IpiBatch {
  pending: number;
}

/** Per-CPU queues of pending IPIs. */
export class IpiController {
  private readonly queues: { handler: IpiHandler; batch: Batch }[][];
  private readonly counters: Counters;

  constructor(cpus: number, counters: Counters) {
    this.queues = Array.from({ length: cpus }, () => []);
    this.counters = counters;
  }

  /** Sends an IPI running `handler` to CPU `to`. */
  send(to: number, handler: IpiHandler): IpiBatch {
    return this.sendMany([to], handler);
  }

  /** Sends an IPI to every CPU except `except` (the sender; pass -1 to include all). */
  sendAll(handler: IpiHandler, except = -1): IpiBatch {
    const targets: number[] = [];
    for (let c = 0; c < this.queues.length; c++) if (c !== except) targets.push(c);
    return this.sendMany(targets, handler);
  }

  /** Sends one IPI to each CPU in `targets`; `EINVAL` for a CPU that does not exist. */
  sendMany(targets: readonly number[], handler: IpiHandler): IpiBatch {
    for (const t of targets) {
      if (!Number.isInteger(t) || t < 0 || t >= this.queues.length) {
        fail('EINVAL', `IPI target CPU ${t} does not exist (CPUs 0..${this.queues.length - 1})`);
      }
    }
    const batch: Batch = { pending: targets.length };
    for (const t of targets) this.queues[t].push({ handler, batch });
    this.counters.add(Counter.ipis, targets.length);
    return batch;
  }

  /** IPIs waiting for `cpu`. */
  pending(cpu: number): number {
    return this.queues[cpu].length;
  }

  /** Runs `cpu`'s oldest pending IPI handler; false when none is pending. */
  deliver(cpu: number): boolean {
    const next = this.queues[cpu].shift();
    if (!next) return false;
    next.handler(cpu);
    next.batch.pending--;
    return true;
  }
}
