/**
 * The checker: every candidate execution of a parsed test under its arch's
 * model, herd's way. Each thread's paths are enumerated for every value
 * its reads may return (the values any write may store, found by a fixed
 * point); then, for every choice of one path per thread, every `rf` (each
 * read from a write of the value it returned) and every coherence order
 * `co` is built and handed to the model.
 *
 * @module
 */

import { fail } from '@execmem/core';
import {
  evaluate,
  faultReader,
  formatCondition,
  type LitmusCondition,
  propositionCells,
} from './condition';
import type { LitmusArch } from './litmusArch';
import { cellName, type LitmusTest, type ObservedCell } from './litmusTest';
import { type LitmusValue, parseCodeAddress } from './litmusValue';
import type { ExecEvent, Execution } from './model/execution';
import { Relation } from './relation';
import { FetchDecoder, initialCode, type Trace, threadTraces } from './threadTraces';

/** Checker options. */
export interface CheckOptions {
  /** RISC-V fetch model: base Ziccif (default) or coherent fetch Ziccid. */
  readonly riscvModel?: 'ziccif' | 'ziccid';
  /** AArch64 `CTR_EL0` cache type, overriding the file's `CacheType=` line. */
  readonly cacheType?: 'none' | 'IDC' | 'DIC';
  /** Bound on candidate executions (and thread paths); past it the test fails with `E2BIG`. Default 200000. */
  readonly maxStates?: number;
}

/** One distinct final state. */
export interface FinalState {
  /** Cell name and printed value, in the order herd prints them. */
  readonly cells: readonly (readonly [string, string])[];
  /** True when the state satisfies the condition's proposition. */
  readonly witness: boolean;
}

/** The outcome of checking one test. */
export interface LitmusResult {
  readonly name: string;
  readonly arch: string;
  /** `Allowed` for `exists`, `Forbidden` for `~exists`, `Required` for `forall`. */
  readonly kind: 'Allowed' | 'Forbidden' | 'Required';
  readonly states: readonly FinalState[];
  /** herd's `Ok` / `No`: the condition holds. */
  readonly ok: boolean;
  /** Executions that satisfy / do not satisfy the proposition. */
  readonly positive: number;
  readonly negative: number;
  /** The condition as herd prints it. */
  readonly condition: string;
  readonly observation: 'Always' | 'Sometimes' | 'Never';
  /** The model variants in force (`IDC`, `DIC`, `ziccid`). */
  readonly variants: readonly string[];
  /** The model's flags some allowed execution raises (herd's `Flag NAME` lines), sorted. */
  readonly flags: readonly string[];
  /** The file's `Hash=` value, which herd prints back. */
  readonly hash?: string;
}

const DEFAULT_MAX_STATES = 200_000;
const TRUE_CONDITION: LitmusCondition = {
  quantifier: 'forall',
  prop: { kind: 'const', value: true },
};

/** The model variants a test runs under (`IDC`, `DIC`, `ziccid`). */
export function variantsOf(test: LitmusTest, options: CheckOptions): Set<string> {
  const v = new Set<string>();
  if (test.arch === 'AArch64') {
    const fromFile = (test.info.get('CacheType') ?? '').toUpperCase();
    const type =
      options.cacheType ??
      (fromFile.includes('DIC') ? 'DIC' : fromFile.includes('IDC') ? 'IDC' : 'none');
    // DIC=1 implies IDC=1 for the tests (README of the catalogue: `DIC1.` means IDC=1 and DIC=1).
    if (type === 'DIC') v.add('DIC').add('IDC');
    if (type === 'IDC') v.add('IDC');
  }
  if (test.arch === 'RISCV' && options.riscvModel === 'ziccid') v.add('ziccid');
  return v;
}

/** The test's condition; a test without one is `forall true`. */
export function testCondition(test: LitmusTest): LitmusCondition {
  return test.condition ?? TRUE_CONDITION;
}

/** The cells a final state shows: `locations […]`, then those the condition reads. */
export function observedCells(test: LitmusTest): ObservedCell[] {
  const cells: ObservedCell[] = [...test.observed];
  for (const c of propositionCells(testCondition(test).prop))
    if (!cells.some((o) => cellName(o) === cellName(c))) cells.push(c);
  return cells;
}

/** The identity of a printed final state. */
export function stateKey(cells: FinalState['cells']): string {
  return cells.map(([k, v]) => `${k}=${v}`).join(';');
}

/** Checks a parsed test with `arch`'s model. */
export function checkLitmus(
  test: LitmusTest,
  arch: LitmusArch,
  options: CheckOptions = {},
): LitmusResult {
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  const variants = variantsOf(test, options);
  const decoder = new FetchDecoder(test, arch);
  const initial = new Map<string, LitmusValue>([...initialCode(test), ...test.memory]);
  const initialOf = (loc: string): LitmusValue => initial.get(loc) ?? 0n;

  // Fixed point of the values each location may hold, and of the code locations some write targets.
  const possible = new Map<string, LitmusValue[]>();
  const valuesOf = (loc: string): LitmusValue[] => {
    let v = possible.get(loc);
    if (!v) {
      v = [initialOf(loc)];
      possible.set(loc, v);
    }
    return v;
  };
  let traces: Trace[][] = [];
  for (let round = 0; ; round++) {
    if (round > 16)
      fail('E2BIG', `${test.name}: the values written do not settle (a loop through memory?)`);
    traces = [];
    for (let t = 0; t < test.threads; t++)
      traces.push(threadTraces(test, decoder, t, valuesOf, maxStates));
    let changed = false;
    for (const ts of traces)
      for (const tr of ts)
        for (const e of tr.events)
          if (e.kind === 'W' && e.loc !== undefined && e.value !== undefined) {
            const vs = valuesOf(e.loc);
            if (!vs.includes(e.value)) {
              vs.push(e.value);
              changed = true;
            }
          }
    if (!changed) break;
  }
  // Fetches of code that nothing writes or maintains read the initial instruction and
  // take part in no ordering that a model could close into a cycle (no write or cache
  // operation shares their location); dropping them keeps executions small. A whole-cache
  // invalidation (IC IALLU) pairs with every fetch, so it keeps them all.
  const written = new Set<string>();
  let keepAll = false;
  for (const ts of traces)
    for (const tr of ts)
      for (const e of tr.events) {
        if ((e.kind === 'W' || e.kind === 'C') && e.loc) written.add(e.loc);
        if (e.kind === 'C' && e.label.startsWith('IC.IALL')) keepAll = true;
      }
  if (!keepAll) traces = traces.map((ts) => ts.map((tr) => pruneFetches(tr, written)));

  const condition = testCondition(test);
  const cells = observedCells(test);
  const states = new Map<string, FinalState>();
  const flags = new Set<string>();
  let positive = 0;
  let negative = 0;
  let explored = 0;

  const paths = traces.reduce((c, ts) => c * ts.length, 1);
  if (paths > maxStates)
    fail(
      'E2BIG',
      `${test.name}: ${paths} combinations of thread paths exceed --max-states ${maxStates}`,
    );
  const choice: Trace[] = [];
  const combine = (t: number): void => {
    if (t === test.threads) {
      const tooMany = (): never =>
        fail(
          'E2BIG',
          `${test.name}: more than ${maxStates} candidate executions (--max-states ${maxStates})`,
        );
      for (const x of candidateExecutions(
        choice,
        initialOf,
        variants,
        maxStates - explored,
        tooMany,
      )) {
        if (++explored > maxStates) tooMany();
        if (!arch.model.consistent(x.execution)) continue;
        for (const f of arch.model.flags?.(x.execution) ?? []) flags.add(f);
        const read = (c: ObservedCell): LitmusValue =>
          c.kind === 'reg'
            ? ((choice[c.thread]?.registers[c.reg] as LitmusValue | undefined) ?? 0n)
            : x.finalMemory(c.loc);
        const faulted = faultReader((thread) => choice[thread]?.faults ?? []);
        const witness = evaluate(condition.prop, read, faulted);
        if (witness) positive++;
        else negative++;
        const printed = cells.map((c) => [cellName(c), formatValue(test, read(c))] as const);
        const key = stateKey(printed);
        if (!states.has(key)) states.set(key, { cells: printed, witness });
      }
      return;
    }
    for (const tr of traces[t] as Trace[]) {
      choice[t] = tr;
      combine(t + 1);
    }
  };
  combine(0);

  const kind =
    condition.quantifier === 'exists'
      ? 'Allowed'
      : condition.quantifier === '~exists'
        ? 'Forbidden'
        : 'Required';
  const ok =
    condition.quantifier === 'exists'
      ? positive > 0
      : condition.quantifier === '~exists'
        ? positive === 0
        : negative === 0;
  return {
    name: test.name,
    arch: test.arch,
    kind,
    states: [...states.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => s),
    ok,
    positive,
    negative,
    condition: formatCondition(condition),
    observation: positive === 0 ? 'Never' : negative === 0 ? 'Always' : 'Sometimes',
    variants: [...variants],
    flags: [...flags].sort(),
    ...(test.info.has('Hash') ? { hash: test.info.get('Hash') as string } : {}),
  };
}

/** Drops fetch events of locations no write targets, renumbering dependency indices. */
function pruneFetches(tr: Trace, written: ReadonlySet<string>): Trace {
  const keep = tr.events.map((e) => e.kind !== 'IF' || written.has(e.loc as string));
  if (keep.every(Boolean)) return tr;
  const renumber: number[] = [];
  let k = 0;
  for (let i = 0; i < keep.length; i++) renumber[i] = keep[i] ? k++ : -1;
  const map = (xs: readonly number[]) => xs.map((i) => renumber[i] as number);
  const events = tr.events
    .filter((_, i) => keep[i])
    .map((e) => ({
      ...e,
      addr: map(e.addr),
      data: map(e.data),
      ctrl: map(e.ctrl),
      ...(e.rmwRead !== undefined ? { rmwRead: renumber[e.rmwRead] as number } : {}),
    }));
  return { ...tr, events };
}

/** herd's rendering of a value: numbers in decimal, labels as `P1:L0`, instructions as `instr:"…"`. */
export function formatValue(test: LitmusTest, v: LitmusValue): string {
  if (typeof v === 'bigint') return BigInt.asIntN(64, v).toString();
  if (v.startsWith('instr:')) return `instr:"${v.slice(6)}"`;
  const c = parseCodeAddress(v);
  if (c) {
    const col = test.code.get(c.column);
    for (const [name, slot] of col?.labels ?? []) if (slot === c.slot) return `${c.column}:${name}`;
  }
  return v;
}

interface Candidate {
  readonly execution: Execution;
  finalMemory(loc: string): LitmusValue;
}

/** Every (rf, co) candidate for one choice of thread paths. */
function* candidateExecutions(
  traces: readonly Trace[],
  initialOf: (loc: string) => LitmusValue,
  variants: ReadonlySet<string>,
  budget: number,
  tooMany: () => never,
): Generator<Candidate> {
  const events: ExecEvent[] = [];
  const locs = new Set<string>();
  for (const tr of traces)
    for (const e of tr.events) if (e.loc !== undefined && e.kind !== 'C') locs.add(e.loc);
  const initIndex = new Map<string, number>();
  for (const loc of locs) {
    initIndex.set(loc, events.length);
    events.push({
      kind: 'W',
      loc,
      value: initialOf(loc),
      ordering: 'plain',
      label: 'IW',
      instance: -1,
      addr: [],
      data: [],
      ctrl: [],
      thread: -1,
    });
  }
  const base: number[] = [];
  for (const tr of traces) {
    base.push(events.length);
    for (const e of tr.events) events.push({ ...e, thread: tr.thread });
  }
  const n = events.length;
  const po = new Relation(n);
  const addr = new Relation(n);
  const data = new Relation(n);
  const ctrl = new Relation(n);
  const rmw = new Relation(n);
  traces.forEach((tr, t) => {
    const b = base[t] as number;
    tr.events.forEach((e, i) => {
      for (let j = i + 1; j < tr.events.length; j++) po.add(b + i, b + j);
      for (const r of e.addr) addr.add(b + r, b + i);
      for (const r of e.data) data.add(b + r, b + i);
      for (const r of e.ctrl) ctrl.add(b + r, b + i);
      if (e.rmwRead !== undefined) rmw.add(b + e.rmwRead, b + i);
    });
  });
  const loc = Relation.from(n, (i, j) => {
    const a = events[i] as ExecEvent;
    const c = events[j] as ExecEvent;
    return a.loc !== undefined && a.loc === c.loc;
  });
  const int = Relation.from(
    n,
    (i, j) =>
      (events[i] as ExecEvent).thread === (events[j] as ExecEvent).thread &&
      (events[i] as ExecEvent).thread >= 0,
  );
  const sameInstance = Relation.from(n, (i, j) => {
    const a = events[i] as ExecEvent;
    const c = events[j] as ExecEvent;
    return a.thread === c.thread && a.thread >= 0 && a.instance === c.instance;
  });

  // Reads and the writes each may read from (same location, same value).
  const reads: number[] = [];
  const sources: number[][] = [];
  for (let i = 0; i < n; i++) {
    const e = events[i] as ExecEvent;
    if (e.kind !== 'R' && e.kind !== 'IF') continue;
    const from: number[] = [];
    for (let j = 0; j < n; j++) {
      const w = events[j] as ExecEvent;
      if (w.kind === 'W' && w.loc === e.loc && w.value === e.value && j !== i) from.push(j);
    }
    if (from.length === 0) return;
    reads.push(i);
    sources.push(from);
  }
  // Writes per location, the initial write first in every coherence order.
  const writesAt = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const e = events[i] as ExecEvent;
    if (e.kind === 'W' && e.thread >= 0) {
      const list = writesAt.get(e.loc as string) ?? [];
      list.push(i);
      writesAt.set(e.loc as string, list);
    }
  }
  const coLocs = [...writesAt.entries()];
  // Count before enumerating: a coherence order per location is a permutation of its writes.
  let count = sources.reduce((c, s) => c * s.length, 1);
  for (const [, ws] of coLocs) for (let k = 2; k <= ws.length; k++) count *= k;
  if (count > budget) tooMany();
  const orders = coLocs.map(([, ws]) => permutations(ws));

  const pick = new Array<number>(reads.length).fill(0);
  const coPick = new Array<number>(orders.length).fill(0);
  for (;;) {
    const rf = new Relation(n);
    reads.forEach((r, k) => {
      rf.add((sources[k] as number[])[pick[k] as number] as number, r);
    });
    for (;;) {
      const co = new Relation(n);
      const last = new Map<string, number>();
      coLocs.forEach(([l], k) => {
        const order = (orders[k] as number[][])[coPick[k] as number] as number[];
        const chain = [initIndex.get(l) as number, ...order];
        for (let a = 0; a < chain.length; a++)
          for (let b = a + 1; b < chain.length; b++) co.add(chain[a] as number, chain[b] as number);
        last.set(l, chain[chain.length - 1] as number);
      });
      const execution: Execution = {
        n,
        events,
        variants,
        po,
        rf,
        co,
        addr,
        data,
        ctrl,
        rmw,
        loc,
        int,
        sameInstance,
      };
      yield {
        execution,
        finalMemory(l: string): LitmusValue {
          const w = last.get(l) ?? initIndex.get(l);
          return w === undefined ? initialOf(l) : ((events[w] as ExecEvent).value as LitmusValue);
        },
      };
      if (
        !advance(
          coPick,
          orders.map((o) => o.length),
        )
      )
        break;
    }
    if (
      !advance(
        pick,
        sources.map((s) => s.length),
      )
    )
      return;
  }
}

/** Odometer step over `digits` with the given bases; false after the last combination. */
function advance(digits: number[], bases: readonly number[]): boolean {
  for (let k = 0; k < digits.length; k++) {
    if ((digits[k] as number) + 1 < (bases[k] as number)) {
      digits[k] = (digits[k] as number) + 1;
      return true;
    }
    digits[k] = 0;
  }
  return false;
}

function permutations(xs: readonly number[]): number[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: number[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)]))
      out.push([x, ...rest]);
  });
  return out;
}
