/**
 * Symbolic execution of one thread: every path through its code for every
 * value its reads (explicit loads and instruction fetches) may return,
 * each path recorded as a {@link Trace} of events with their register
 * dependencies, as herd builds the per-thread event structures before
 * pairing reads with writes.
 *
 * @module
 */

import { fail } from '@execmem/core';
import type { InsnContext, LitmusArch } from './litmusArch';
import type { LitmusCond, LitmusInsn, LitmusOperand, LitmusOrdering } from './litmusInsn';
import type { LitmusTest } from './litmusTest';
import {
  codeAddress,
  instrText,
  instrValue,
  type LitmusValue,
  parseCodeAddress,
  truncate,
} from './litmusValue';

/** Event kinds: explicit read/write, instruction fetch, barrier or exception boundary, cache operation. */
export type EventKind = 'R' | 'W' | 'IF' | 'F' | 'C';

/** One event of a thread's trace; dependency lists hold indices of this trace's explicit reads. */
export interface TraceEvent {
  readonly kind: EventKind;
  /** Location of an access or an address-carrying cache operation. */
  readonly loc: string | undefined;
  /** Value read or written. */
  readonly value: LitmusValue | undefined;
  readonly ordering: LitmusOrdering;
  /** Barrier (`DMB.SY`, `ISB`, `EXC-ENTRY`, `fence.rw.w`, `MFENCE`, …) or cache operation name. */
  readonly label: string;
  /** Which dynamic instruction the event belongs to (its fetch shares it). */
  readonly instance: number;
  readonly addr: readonly number[];
  readonly data: readonly number[];
  readonly ctrl: readonly number[];
  /** For the write of an atomic swap: index of its read. */
  readonly rmwRead?: number;
}

/** One path of one thread. */
export interface Trace {
  readonly thread: number;
  readonly events: readonly TraceEvent[];
  /** Final register values (index = register). */
  readonly registers: readonly LitmusValue[];
  /** Code addresses of the instructions that raised an exception on this path. */
  readonly faults: readonly string[];
}

/** The values a location may hold, as the caller currently knows them. */
export type PossibleValues = (loc: string) => readonly LitmusValue[];

/** Number of register slots: 32 general registers plus room for every arch's numbering. */
const REGISTERS = 64;
/**
 * How often one path may execute the same instruction: loops are unrolled
 * this far and longer paths are cut, as herd7 unrolls loops a bounded
 * number of times (its `-unroll` option) instead of running them forever.
 */
const MAX_VISITS = 4;

interface ThreadState {
  regs: LitmusValue[];
  deps: number[][];
  flagA: LitmusValue;
  flagB: LitmusValue;
  flagDeps: number[];
  ctrl: number[];
  column: string;
  slot: number;
  elr: LitmusValue;
  inHandler: boolean;
  steps: number;
  faults: string[];
  /** Times each code address ran on this path. */
  visits: Map<string, number>;
  events: TraceEvent[];
}

function union(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return a as number[];
  if (a.length === 0) return b as number[];
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

function clone(s: ThreadState): ThreadState {
  return {
    ...s,
    regs: [...s.regs],
    visits: new Map(s.visits),
    faults: [...s.faults],
    deps: [...s.deps],
    flagDeps: s.flagDeps,
    events: [...s.events],
  };
}

/** Decodes the instruction a fetch returned, caching per test; `undefined` means it faults. */
export class FetchDecoder {
  private readonly cache = new Map<string, LitmusInsn | undefined>();
  constructor(
    readonly test: LitmusTest,
    readonly arch: LitmusArch,
  ) {}

  decode(column: string, slot: number, value: LitmusValue): LitmusInsn | undefined {
    const original = this.test.code.get(column)?.slots[slot];
    if (original && value === instrValue(original.text)) return original.insn;
    const text = instrText(value);
    if (text === undefined) return undefined;
    const key = `${column}:${slot}:${text}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const code = this.test.code;
    const ctx: InsnContext = {
      column,
      slot,
      label(name: string): string {
        const thread = column.replace('.F', '');
        for (const c of [column, thread]) {
          const at = code.get(c)?.labels.get(name);
          if (at !== undefined) return codeAddress(c, at);
        }
        return fail(
          'EINVAL',
          `instruction '${text}' written to ${column} names unknown label '${name}'`,
        );
      },
      fail(what: string): never {
        return fail('EINVAL', `instruction value instr:"${text}": ${what}`);
      },
    };
    const insn = this.arch.parseInstruction(text, ctx);
    this.cache.set(key, insn);
    return insn;
  }
}

/** The initial value of every code slot: the instruction written there. */
export function initialCode(test: LitmusTest): Map<string, LitmusValue> {
  const m = new Map<string, LitmusValue>();
  for (const col of test.code.values())
    col.slots.forEach((s, i) => {
      m.set(codeAddress(col.name, i), instrValue(s.text));
    });
  return m;
}

/**
 * Every path of `thread` when each read may return any of `possible(loc)`.
 * Stops with `E2BIG` past `maxTraces` paths or a path longer than the step bound.
 */
export function threadTraces(
  test: LitmusTest,
  decoder: FetchDecoder,
  thread: number,
  possible: PossibleValues,
  maxTraces: number,
): Trace[] {
  const regs: LitmusValue[] = new Array(REGISTERS).fill(0n);
  for (const r of test.registers) if (r.thread === thread) regs[r.reg] = r.value;
  const start: ThreadState = {
    regs,
    deps: new Array(REGISTERS).fill([]),
    flagA: 0n,
    flagB: 0n,
    flagDeps: [],
    ctrl: [],
    column: `P${thread}`,
    slot: 0,
    elr: 0n,
    inHandler: false,
    steps: 0,
    visits: new Map(),
    faults: [],
    events: [],
  };
  const out: Trace[] = [];
  const insnBytes = decoder.arch.instructionBytes;
  const finish = (s: ThreadState) => {
    if (out.length >= maxTraces)
      fail('E2BIG', `thread P${thread} has more than ${maxTraces} paths (raise --max-states)`);
    out.push({ thread, events: s.events, registers: s.regs, faults: s.faults });
  };
  const step = (s: ThreadState): void => {
    for (;;) {
      const col = test.code.get(s.column);
      if (!col || s.slot >= col.slots.length || s.slot < 0) {
        finish(s);
        return;
      }
      s.steps++;
      const loc = codeAddress(s.column, s.slot);
      const visits = (s.visits.get(loc) ?? 0) + 1;
      if (visits > MAX_VISITS) return;
      s.visits.set(loc, visits);
      const instance = s.steps;
      const choices = possible(loc);
      // Forks for all but the last choice run to completion on their own; the last goes on here.
      for (const v of choices.slice(0, -1)) {
        const t = clone(s);
        fetchAndRun(t, loc, instance, v);
        step(t);
      }
      fetchAndRun(s, loc, instance, choices[choices.length - 1] as LitmusValue);
    }
  };
  const emit = (s: ThreadState, e: Omit<TraceEvent, 'ctrl'>): number => {
    s.events.push({ ...e, ctrl: s.ctrl });
    return s.events.length - 1;
  };
  const read = (s: ThreadState, o: LitmusOperand): LitmusValue =>
    'imm' in o ? o.imm : truncate(s.regs[o.reg] as LitmusValue, o.bits);
  const depsOf = (s: ThreadState, o: LitmusOperand): number[] =>
    'imm' in o ? [] : (s.deps[o.reg] as number[]);
  const write = (s: ThreadState, reg: number, bits: 32 | 64, v: LitmusValue, deps: number[]) => {
    if (reg === decoder.arch.zeroRegister) return;
    s.regs[reg] = truncate(v, bits);
    s.deps[reg] = deps;
  };
  const address = (s: ThreadState, o: LitmusOperand, index?: LitmusOperand): string => {
    const v = index ? alu('add', read(s, o), read(s, index), insnBytes) : read(s, o);
    if (typeof v !== 'string' || v.startsWith('instr:'))
      fail(
        'EINVAL',
        `P${thread} accesses address ${String(v)}, which is not a location of the test`,
      );
    return v;
  };
  const addressDeps = (s: ThreadState, o: LitmusOperand, index?: LitmusOperand): number[] =>
    index ? union(depsOf(s, o), depsOf(s, index)) : depsOf(s, o);

  const fault = (s: ThreadState, instance: number, slot: number, resume: number) => {
    const handler = `P${thread}.F`;
    s.faults.push(codeAddress(s.column, slot));
    if (s.inHandler || !test.code.has(handler)) {
      s.slot = Number.MAX_SAFE_INTEGER;
      return;
    }
    // The preferred return address is the faulting instruction, or the next one for a
    // system call or trap (Arm ARM D1.10.1; SDM vol. 3 §6.5).
    s.elr = codeAddress(s.column, resume);
    emit(s, {
      kind: 'F',
      loc: undefined,
      value: undefined,
      ordering: 'plain',
      label: 'EXC-ENTRY',
      instance,
      addr: [],
      data: [],
    });
    s.inHandler = true;
    s.column = handler;
    s.slot = 0;
  };
  /** Runs one fetched instruction; a read with several possible values forks (the fork continues in `step`). */
  const fetchAndRun = (s: ThreadState, loc: string, instance: number, value: LitmusValue): void => {
    emit(s, { kind: 'IF', loc, value, ordering: 'plain', label: '', instance, addr: [], data: [] });
    const insn = decoder.decode(s.column, s.slot, value);
    if (!insn) {
      fault(s, instance, s.slot, s.slot);
      return;
    }
    const next = s.slot + 1;
    s.slot = next;
    switch (insn.op) {
      case 'nop':
        return;
      case 'mov':
        write(s, insn.dst, insn.bits, read(s, insn.src), depsOf(s, insn.src));
        return;
      case 'alu':
        write(
          s,
          insn.dst,
          insn.bits,
          alu(insn.alu, read(s, insn.a), read(s, insn.b), insnBytes),
          union(depsOf(s, insn.a), depsOf(s, insn.b)),
        );
        return;
      case 'cmp':
        s.flagA = read(s, insn.a);
        s.flagB = read(s, insn.b);
        s.flagDeps = union(depsOf(s, insn.a), depsOf(s, insn.b));
        return;
      case 'cset':
        write(s, insn.dst, 64, holds(insn.cond, s.flagA, s.flagB) ? 1n : 0n, s.flagDeps);
        return;
      case 'jump':
        if (insn.link !== undefined) write(s, insn.link, 64, codeAddress(s.column, next), []);
        jumpTo(s, insn.target);
        return;
      case 'branchFlags':
        s.ctrl = union(s.ctrl, s.flagDeps);
        if (holds(insn.cond, s.flagA, s.flagB)) jumpTo(s, insn.target);
        return;
      case 'branchCompare':
        s.ctrl = union(s.ctrl, union(depsOf(s, insn.a), depsOf(s, insn.b)));
        if (holds(insn.cond, read(s, insn.a), read(s, insn.b))) jumpTo(s, insn.target);
        return;
      case 'jumpReg': {
        const target = s.regs[insn.reg] as LitmusValue;
        s.ctrl = union(s.ctrl, s.deps[insn.reg] as number[]);
        if (insn.link !== undefined) write(s, insn.link, 64, codeAddress(s.column, next), []);
        jumpTo(s, target);
        return;
      }
      case 'fence':
        emit(s, {
          kind: 'F',
          loc: undefined,
          value: undefined,
          ordering: 'plain',
          label: insn.fence,
          instance,
          addr: [],
          data: [],
        });
        return;
      case 'cacheOp':
        emit(s, {
          kind: 'C',
          loc: insn.base ? address(s, insn.base) : undefined,
          value: undefined,
          ordering: 'plain',
          label: insn.cacheOp,
          instance,
          addr: insn.base ? depsOf(s, insn.base) : [],
          data: [],
        });
        return;
      case 'setReturn':
        s.elr = s.regs[insn.src] as LitmusValue;
        return;
      case 'exceptionReturn':
        emit(s, {
          kind: 'F',
          loc: undefined,
          value: undefined,
          ordering: 'plain',
          label: 'EXC-RET',
          instance,
          addr: [],
          data: [],
        });
        s.inHandler = false;
        jumpTo(s, s.elr);
        return;
      case 'fault':
        fault(s, instance, next - 1, insn.resume === 'same' ? next - 1 : next);
        return;
      case 'store': {
        const at = address(s, insn.base, insn.index);
        emit(s, {
          kind: 'W',
          loc: at,
          value: read(s, insn.src),
          ordering: insn.ordering,
          label: '',
          instance,
          addr: addressDeps(s, insn.base, insn.index),
          data: depsOf(s, insn.src),
        });
        return;
      }
      case 'load':
      case 'swap': {
        const at = address(s, insn.base, insn.index);
        const values = possible(at);
        const addrDeps = addressDeps(s, insn.base, insn.index);
        const forks = values.map((v, i) => {
          const t = i === values.length - 1 ? s : clone(s);
          const r = emit(t, {
            kind: 'R',
            loc: at,
            value: v,
            ordering: insn.ordering,
            label: '',
            instance,
            addr: addrDeps,
            data: [],
          });
          if (insn.op === 'swap')
            emit(t, {
              kind: 'W',
              loc: at,
              value: read(t, insn.src),
              ordering: insn.ordering,
              label: '',
              instance,
              addr: addrDeps,
              data: depsOf(t, insn.src),
              rmwRead: r,
            });
          const loaded =
            insn.op === 'load' && insn.signed && typeof v === 'bigint'
              ? BigInt.asIntN(insn.bits, v)
              : v;
          write(t, insn.dst, insn.op === 'load' && insn.signed ? 64 : insn.bits, loaded, [r]);
          return t;
        });
        // All but the last fork continue on their own; the last goes on in the caller's loop.
        for (const t of forks.slice(0, -1)) step(t);
        return;
      }
    }
  };
  const jumpTo = (s: ThreadState, target: LitmusValue) => {
    if (decoder.arch.recordsBranches)
      emit(s, {
        kind: 'F',
        loc: undefined,
        value: undefined,
        ordering: 'plain',
        label: 'BRANCH',
        instance: s.steps,
        addr: [],
        data: [],
      });
    const c = parseCodeAddress(target);
    if (!c || !test.code.has(c.column))
      fail('EINVAL', `P${thread} jumps to ${String(target)}, which is not code`);
    s.column = c.column;
    s.slot = c.slot;
  };
  step(start);
  return out;
}

/**
 * Arithmetic on litmus values. Symbolic values allow what tests do with
 * addresses: adding or or-ing zero, xor with itself (a false dependency),
 * and moving a code address by whole instructions when they have a fixed size.
 */
function alu(
  op: string,
  a: LitmusValue,
  b: LitmusValue,
  insnBytes: number | undefined,
): LitmusValue {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    switch (op) {
      case 'add':
        return a + b;
      case 'sub':
        return a - b;
      case 'and':
        return a & b;
      case 'or':
        return a | b;
      default:
        return a ^ b;
    }
  }
  if (op === 'xor' && a === b) return 0n;
  if (op === 'add' || op === 'or' || op === 'xor') {
    if (b === 0n) return a;
    if (a === 0n) return b;
  }
  if (op === 'sub' && b === 0n) return a;
  const code = parseCodeAddress(a);
  if (code && typeof b === 'bigint' && insnBytes && (op === 'add' || op === 'sub')) {
    const bytes = Number(BigInt.asIntN(64, b)) * (op === 'sub' ? -1 : 1);
    if (bytes % insnBytes === 0) return codeAddress(code.column, code.slot + bytes / insnBytes);
  }
  return fail('EINVAL', `arithmetic '${op}' on symbolic values ${String(a)} and ${String(b)}`);
}

/** Evaluates a condition on the compared pair (Arm ARM C1.2.4; symbolic values compare for equality only). */
export function holds(cond: LitmusCond, a: LitmusValue, b: LitmusValue): boolean {
  if (cond === 'eq') return a === b;
  if (cond === 'ne') return a !== b;
  if (cond === 'tz' || cond === 'tnz') {
    const zero = alu('and', a, b, undefined) === 0n;
    return cond === 'tz' ? zero : !zero;
  }
  if (typeof a !== 'bigint' || typeof b !== 'bigint')
    return fail(
      'EINVAL',
      `ordered comparison '${cond}' of symbolic values ${String(a)} and ${String(b)}`,
    );
  const sa = BigInt.asIntN(64, a);
  const sb = BigInt.asIntN(64, b);
  const ua = BigInt.asUintN(64, a);
  const ub = BigInt.asUintN(64, b);
  switch (cond) {
    case 'lt':
      return sa < sb;
    case 'ge':
      return sa >= sb;
    case 'gt':
      return sa > sb;
    case 'le':
      return sa <= sb;
    case 'lo':
      return ua < ub;
    case 'hs':
      return ua >= ub;
    case 'hi':
      return ua > ub;
    default:
      return ua <= ub;
  }
}
