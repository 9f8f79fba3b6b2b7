/**
 * A candidate execution as the models see it: the events of every thread
 * plus the initial writes, and the base relations herd provides (`po`,
 * `rf`, `co`, `addr`, `data`, `ctrl`, `rmw`, `loc`, `int`).
 *
 * @module
 */

import { type EventSet, eventSet, Relation } from '../relation';
import type { TraceEvent } from '../threadTraces';

/** An event of a candidate execution. */
export interface ExecEvent extends TraceEvent {
  /** Thread number; -1 for an initial write. */
  readonly thread: number;
}

/** A candidate execution: events and the base relations over them. */
export interface Execution {
  readonly n: number;
  readonly events: readonly ExecEvent[];
  /** Model variants in force: `IDC`, `DIC` (AArch64 `CacheType=`), `ziccid` (RISC-V). */
  readonly variants: ReadonlySet<string>;
  readonly po: Relation;
  readonly rf: Relation;
  readonly co: Relation;
  readonly addr: Relation;
  readonly data: Relation;
  readonly ctrl: Relation;
  readonly rmw: Relation;
  /** Same location (herd `loc`, over accesses and address-carrying cache operations). */
  readonly loc: Relation;
  /** Same thread (herd `int`); `ext` is its complement. */
  readonly int: Relation;
  /** Same dynamic instruction (herd's `iico` reach: a fetch and the effects of what it fetched). */
  readonly sameInstance: Relation;
}

/** Derived relations every model uses, computed once per execution. */
export class Derived {
  readonly fr: Relation;
  readonly ca: Relation;
  readonly ext: Relation;
  private readonly sets = new Map<string, EventSet>();

  constructor(readonly x: Execution) {
    const id = Relation.identity(
      x.n,
      eventSet(x.n, () => true),
    );
    // fr = (rf^-1 ; co) \ id
    this.fr = x.rf.inverse().seq(x.co).minus(id);
    this.ca = this.fr.clone().unionWith(x.co);
    this.ext = Relation.from(x.n, (i, j) => !x.int.has(i, j));
  }

  /** The set of events with `pred`, cached under `name`. */
  set(name: string, pred: (e: ExecEvent) => boolean): EventSet {
    let s = this.sets.get(name);
    if (!s) {
      const events = this.x.events;
      s = eventSet(this.x.n, (i) => pred(events[i] as ExecEvent));
      this.sets.set(name, s);
    }
    return s;
  }

  /** `[S]`. */
  id(s: EventSet): Relation {
    return Relation.identity(this.x.n, s);
  }
}

/** A memory model: which candidate executions it allows. */
export interface LitmusModel {
  /** A name for reports (`aarch64.cat -variant ifetch`). */
  readonly name: string;
  /** True when the model allows the execution. */
  consistent(x: Execution): boolean;
  /**
   * The flags (`flag ~empty … as NAME`) an execution the model allows
   * raises, as herd names them; absent when the model defines none.
   */
  flags?(x: Execution): readonly string[];
}
