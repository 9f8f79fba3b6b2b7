/**
 * One CPU of a machine: the arch's architectural state, a decode cache,
 * instruction fetch through its instruction view, and the
 * {@link MemoryPort} its executor calls. `step()` runs one instruction (or
 * takes one pending IPI); the machine's scheduler decides which CPU steps.
 * Hot path: a step that hits the translation and decode caches allocates
 * nothing.
 *
 * @module
 */

import { vaFromWords, vaHi, vaLo } from './address';
import type { Arch, SystemRegisterDef } from './arch';
import { atomicRmw } from './atomicRmw';
import type { Chooser } from './chooser';
import { Counter, type Counters } from './counters';
import type { IndependentMemory } from './independentMemory';
import type { InstructionViews } from './instructionViews';
import { FetchStatus } from './instructionViews';
import type { IpiController } from './ipi';
import {
  AccessKind,
  type AtomicOp,
  type CacheOp,
  ExceptionCause,
  type IsaState,
  type MemoryPort,
  RegisterUse,
  RegisterUseFlag,
} from './isa';
import {
  ACCESSES_PER_LOAD,
  LoadBuffer,
  LoadProbe,
  MAX_PENDING_LOADS,
  stateCopier,
} from './loadBuffer';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from './pageTableFormat';
import { PAGE_SIZE } from './physicalMemory';
import { addObject, type StateHasher } from './stateHash';
import { FenceOrder, type StorageModel } from './storageModel';
import * as w from './word64';

/** What a CPU is doing. */
export const CpuStatus = {
  /** Stopped for good (by an unhandled exception or by the machine). */
  Stopped: 0,
  /** Executing instructions. */
  Running: 1,
  /** Waiting for an interrupt (HLT, WFI); an IPI wakes it. */
  Halted: 2,
} as const;
/** See the constant of the same name. */
export type CpuStatus = (typeof CpuStatus)[keyof typeof CpuStatus];

/** Why a CPU trapped: an exception the instruction raised, or a failed translation or permission check. */
export type TrapCause = ExceptionCause | 'instructionFault' | 'dataFault';

/** A trap as the machine's handler hook sees it. */
export interface TrapEvent {
  /** The CPU that trapped. */
  readonly cpu: number;
  readonly cause: TrapCause;
  /** The exception's detail (BRK/INT3 immediate, …) or the faulting address. */
  readonly detail: number;
  /** Address of the instruction that trapped. */
  readonly pc: number;
  /** Where execution resumes on return (the same instruction, or the next for trap-class exceptions). */
  readonly returnPc: number;
}

/**
 * What to do after a trap: stop the CPU (the default), resume at the
 * return address or at `resumeAt` (the handler ran in the host, like the
 * kernel's int3 emulation), or enter simulated handler code at `vector`
 * with the return state saved for an exception return.
 */
export type TrapAction =
  | 'stop'
  | 'resume'
  | { readonly resumeAt: number }
  | { readonly vector: number };

/** The machine's trap hook. */
export type TrapHandler = (event: TrapEvent) => TrapAction;

/**
 * A concurrent modification of code outside the arch's list (Arm ARM
 * B2.2.5 CMODX): a fetch could return several versions of an instruction
 * and one of them is not on `arch.patching`'s list, so the architecture
 * does not define what the CPU executes.
 */
export interface HazardEvent {
  /** The fetching CPU. */
  readonly cpu: number;
  /** Address of the instruction. */
  readonly pc: number;
  /** The instruction's bytes in every version the fetch could return, oldest first, memory as it is last. */
  readonly versions: readonly Uint8Array[];
  /** The bytes the fetch returned. */
  readonly fetched: Uint8Array;
}

/** The machine's hazard hook. */
export type HazardHandler = (event: HazardEvent) => void;

/** What a CPU needs from its machine. */
export interface CpuContext<I, S extends IsaState> {
  readonly arch: Arch<I, S>;
  readonly storage: StorageModel;
  readonly views: InstructionViews;
  readonly counters: Counters;
  readonly ipis: IpiController;
  readonly chooser: Chooser;
  /** The memory declared independent, against which every access is checked. */
  readonly independent: IndependentMemory;
  /** Translates `va` for an access needing `prot` (`PROT_EXEC` for fetch); the physical address, or -1 on a fault. */
  translate(cpu: number, va: number, prot: number): number;
  /** TLB maintenance requested by an instruction. */
  tlbOp(cpu: number, op: number, va: number): void;
  /** The machine's trap hook, if any. */
  readonly onTrap: TrapHandler | undefined;
  /** The machine's hazard hook, if any. */
  readonly onHazard: HazardHandler | undefined;
}

interface DecodeEntry<I> {
  readonly bytes: Uint8Array;
  readonly insn: I;
  readonly length: number;
  /** The instruction's register use, when loads are relaxed and the arch describes it. */
  readonly use: Uint32Array | undefined;
  next: DecodeEntry<I> | undefined;
}

/** Decoded variants kept per address (stale fetches can make one address hold several). */
const DECODE_VARIANTS = 4;
const NO_TRAP = -1;
/** `nextPc` is only meaningful inside `execute`. */
const TRANSIENT_STATE: ReadonlySet<string> = new Set(['nextPc']);

/** One CPU. It is also the {@link MemoryPort} its instructions run against. */
export class Cpu<I = unknown, S extends IsaState = IsaState> implements MemoryPort {
  /** Its index in the machine. */
  readonly id: number;
  /** Architectural state (registers, pc). */
  readonly state: S;
  /** See {@link CpuStatus}. */
  status: CpuStatus = CpuStatus.Stopped;
  /** The trap that stopped the CPU, once it stopped on one. */
  stopEvent: TrapEvent | undefined;
  /** Return address saved by exception entry into simulated handler code, or -1 outside a handler. */
  savedPc = -1;
  private readonly ctx: CpuContext<I, S>;
  private readonly decodeCache = new Map<number, DecodeEntry<I>>();
  private readonly window: Uint8Array;
  private readonly sysregs = new Map<number, Uint32Array>();
  private readonly readOnly = new Set<number>();
  private readonly tmp = new Uint32Array(4);
  /** `versionViews[n]`: a scratch view of `n` bytes for checking one version against the CMODX list. */
  private readonly versionViews: Uint8Array[];
  private trapCause: TrapCause | typeof NO_TRAP = NO_TRAP;
  /** The current step touched something beyond independent memory (or nothing is declared). */
  private shared = true;
  /** Stores of the current step to this CPU's private memory, committed at once. */
  private privateCommits = 0;
  /** Under `loadBuffering`: the unperformed loads, the probe and the state copy it runs on. */
  private readonly loads: LoadBuffer<DecodeEntry<I>> | undefined;
  private readonly probe = new LoadProbe();
  // Typed as the base state so that a Cpu stays covariant in its state type.
  private readonly probeState: IsaState | undefined;
  private readonly copyState: ((dst: IsaState, src: IsaState) => void) | undefined;
  /** The buffered load being performed, and its next access; -1 outside. */
  private performing = -1;
  private performAccess = 0;
  private trapDetail = 0;
  private returning = false;

  constructor(id: number, ctx: CpuContext<I, S>, systemRegisters: readonly SystemRegisterDef[]) {
    this.id = id;
    this.ctx = ctx;
    this.state = ctx.arch.isa.createState();
    this.window = new Uint8Array(ctx.arch.isa.maxLength);
    const scratch = new Uint8Array(ctx.arch.isa.maxLength);
    this.versionViews = Array.from({ length: scratch.length + 1 }, (_, n) =>
      scratch.subarray(0, n),
    );
    for (const r of systemRegisters) {
      const v = new Uint32Array(2);
      w.fromBigint(v, 0, r.reset);
      this.sysregs.set(r.id, v);
      if (r.readOnly) this.readOnly.add(r.id);
    }
    const { isa } = ctx.arch;
    this.copyState =
      ctx.storage.loadBuffering && isa.registerUse ? stateCopier<IsaState>(this.state) : undefined;
    if (this.copyState) {
      this.loads = new LoadBuffer();
      this.probeState = isa.createState();
    }
  }

  /** True when the scheduler may step this CPU (running, or an IPI is waiting). */
  get runnable(): boolean {
    return this.status === CpuStatus.Running || this.ctx.ipis.pending(this.id) > 0;
  }

  /** Starts (or restarts) the CPU at engine address `pc`. */
  start(pc: number): void {
    this.state.pc = pc;
    this.status = CpuStatus.Running;
    this.stopEvent = undefined;
  }

  /**
   * True when the last step touched only memory declared independent
   * (`Machine.declareIndependent`): it fetched read-only code with no old
   * versions through the TLBs, read read-only or private data, and wrote
   * private data, with no barrier, maintenance, exception or IPI. Such a
   * step commutes with every step of every other CPU.
   */
  get lastStepIndependent(): boolean {
    return !this.shared;
  }

  /** Takes a pending IPI, or executes one instruction. */
  step(): void {
    const { ctx } = this;
    if (!ctx.independent.active) {
      this.shared = true;
      this.stepOnce();
      return;
    }
    const walks = ctx.counters.values[Counter.pageTableWalks];
    const writes = ctx.storage.instant;
    this.shared = false;
    this.privateCommits = 0;
    this.stepOnce();
    // A page-table walk, or a write to memory other than this step's private stores, is shared.
    if (
      ctx.counters.values[Counter.pageTableWalks] !== walks ||
      ctx.storage.instant - writes !== this.privateCommits
    )
      this.shared = true;
  }

  private stepOnce(): void {
    const { ctx } = this;
    if (ctx.ipis.pending(this.id) > 0) {
      this.shared = true;
      // Interrupts are precise: every issued load performs first.
      this.performBufferedLoads();
      // Taken like an interrupt: entry and return synchronize the fetch stream.
      ctx.views.exception(this.id);
      ctx.ipis.deliver(this.id);
      ctx.views.exception(this.id);
      if (this.status === CpuStatus.Halted) this.status = CpuStatus.Running;
      return;
    }
    if (this.status !== CpuStatus.Running) return;
    const { isa } = ctx.arch;
    const s = this.state;
    const pc = s.pc;
    if (pc % isa.alignment !== 0) {
      this.trap(ExceptionCause.Protection, pc, pc, pc);
      return;
    }
    const entry = this.fetchDecode(pc);
    if (entry === undefined) return;
    s.nextPc = pc + entry.length;
    if (this.loads !== undefined && this.buffer(entry, pc)) {
      ctx.counters.values[Counter.instructions]++;
      s.pc = s.nextPc;
      return;
    }
    this.trapCause = NO_TRAP;
    this.returning = false;
    const relaxed = ctx.storage.relaxedLoads;
    if (relaxed) ctx.storage.beginInstruction(this.id, entry.use);
    isa.execute(entry.insn, s, this);
    if (relaxed) ctx.storage.endInstruction(this.id, entry.use, this.trapCause !== NO_TRAP);
    ctx.counters.values[Counter.instructions]++;
    if (this.trapCause !== NO_TRAP) {
      this.shared = true;
      if (this.trapCause === ExceptionCause.Halt) {
        s.pc = s.nextPc;
        this.status = CpuStatus.Halted;
      } else this.trap(this.trapCause, this.trapDetail, pc, s.nextPc);
    } else if (this.returning) {
      this.shared = true;
      s.pc = this.savedPc;
      this.savedPc = -1;
      ctx.views.exception(this.id);
    } else s.pc = s.nextPc;
  }

  /**
   * Under `loadBuffering`: performs the buffered loads the instruction at
   * `pc` must wait for, then buffers it if it is a plain load with room
   * left (true: it is issued, and reads memory later). The instruction is
   * probed on a copy of the state to find its accesses.
   */
  private buffer(entry: DecodeEntry<I>, pc: number): boolean {
    const lb = this.loads!;
    const use = entry.use!;
    const sources = use[RegisterUse.Sources];
    const destinations = use[RegisterUse.Destinations];
    // Register hazards: it reads or overwrites a load's destination, or overwrites its sources.
    if (lb.count > 0) this.performLoads(sources | destinations, destinations, 0);
    const loads = use[RegisterUse.Loaded];
    if (lb.count === 0 && loads === 0) return false;
    const p = this.probe;
    const scratch = this.probeState!;
    this.copyState!(scratch, this.state);
    p.reset();
    this.ctx.arch.isa.execute(entry.insn, scratch as S, p);
    if (p.other) {
      this.performBufferedLoads();
      return false;
    }
    // Accesses to the bytes of a buffered load wait for it (coherence).
    let pending = 0;
    for (let k = 0; k < p.accesses; k++) {
      const pa = this.translateData(p.va[k], p.size[k], p.write[k] ? PROT_WRITE : PROT_READ);
      if (pa < 0) {
        // A fault or a page crossing: the instruction runs now, in order.
        this.performBufferedLoads();
        return false;
      }
      for (let i = 0; i < lb.count; i++) if (lb.overlaps(i, pa, p.size[k])) pending |= 1 << i;
      p.va[k] = pa;
    }
    if (pending !== 0) this.performLoads(0, 0, pending);
    const plainLoad =
      p.stores === 0 &&
      p.loads > 0 &&
      (use[RegisterUse.Flags] & (RegisterUseFlag.Branch | RegisterUseFlag.WritesFlags)) === 0;
    if (!plainLoad || lb.count === MAX_PENDING_LOADS) return false;
    const i = lb.count++;
    lb.entries[i] = entry;
    lb.pc[i] = pc;
    lb.nextPc[i] = this.state.nextPc;
    lb.sources[i] = sources;
    lb.destinations[i] = destinations;
    lb.floor[i] = this.ctx.storage.readFloor(this.id);
    for (let k = 0; k < ACCESSES_PER_LOAD; k++) {
      const slot = lb.slot(i, k);
      lb.pa[slot] = k < p.loads ? p.va[k] : 0;
      lb.size[slot] = k < p.loads ? p.size[k] : 0;
    }
    return true;
  }

  /**
   * Performs every load this CPU has buffered (`StorageConfig.loadBuffering`)
   * now: a TLB invalidation reaching it completes only after the accesses
   * made through the old translations.
   */
  performBufferedLoads(): void {
    this.performLoads(0, 0, (1 << MAX_PENDING_LOADS) - 1);
  }

  /**
   * Performs, oldest first, every buffered load that writes a register of
   * `touches`, reads a register of `overwrites`, or is in the bit set
   * `which`. Each runs its instruction on the real state at its own pc,
   * reading memory at the addresses it translated at issue, under the read
   * floor it issued with.
   */
  private performLoads(touches: number, overwrites: number, which: number): void {
    const lb = this.loads;
    if (lb === undefined || lb.count === 0) return;
    const { storage, arch } = this.ctx;
    const s = this.state;
    const pc = s.pc;
    const nextPc = s.nextPc;
    // Performing one makes no other due: the set is fixed by position before any is removed.
    let due = 0;
    for (let i = 0; i < lb.count; i++) {
      if (lb.destinations[i] & touches || lb.sources[i] & overwrites || which & (1 << i))
        due |= 1 << i;
    }
    for (let i = 0, removed = 0; due >>> i !== 0; i++) {
      if ((due & (1 << i)) === 0) continue;
      const j = i - removed++;
      const entry = lb.entries[j]!;
      s.pc = lb.pc[j];
      s.nextPc = lb.nextPc[j];
      this.performing = j;
      this.performAccess = 0;
      const floor = storage.swapReadFloor(this.id, lb.floor[j]);
      storage.beginInstruction(this.id, entry.use);
      arch.isa.execute(entry.insn, s, this);
      storage.endInstruction(this.id, entry.use, false);
      storage.swapReadFloor(this.id, Math.max(floor, storage.readFloor(this.id)));
      this.performing = -1;
      lb.remove(j);
    }
    s.pc = pc;
    s.nextPc = nextPc;
  }

  /** Mixes the CPU's state into `h`. */
  fingerprint(h: StateHasher): void {
    const { arch } = this.ctx;
    if (arch.fingerprintState) arch.fingerprintState(this.state, h);
    else addObject(h, this.state, TRANSIENT_STATE);
    h.add(this.status);
    h.add(this.savedPc);
    h.add(this.ctx.ipis.pending(this.id));
    for (const [id, v] of this.sysregs) {
      if (this.readOnly.has(id)) continue;
      h.add(id);
      h.addWords(v);
    }
    const lb = this.loads;
    if (lb === undefined) return;
    h.add(lb.count);
    const now = this.ctx.storage.instant;
    for (let i = 0; i < lb.count; i++) {
      h.add(lb.pc[i]);
      h.add(now - lb.floor[i]);
      for (let k = 0; k < ACCESSES_PER_LOAD; k++) {
        h.add(lb.pa[lb.slot(i, k)]);
        h.add(lb.size[lb.slot(i, k)]);
      }
    }
  }

  /** Fetches and decodes the instruction at `pc`, trapping on a fault or an undefined encoding. */
  private fetchDecode(pc: number): DecodeEntry<I> | undefined {
    const { ctx } = this;
    const { isa } = ctx.arch;
    const block = ctx.views.rules.fetchBlock;
    const win = this.window;
    ctx.views.beginFetch();
    let have = 0;
    let blocks = 0;
    let entry: DecodeEntry<I> | undefined;
    while (have < isa.maxLength) {
      blocks++;
      const va = pc + have;
      const pa = ctx.translate(this.id, va, PROT_EXEC);
      if (pa < 0) {
        this.trap('instructionFault', va, pc, pc);
        return undefined;
      }
      const n = Math.min(block - (va % block), isa.maxLength - have);
      if (!this.shared && !(ctx.independent.readOnly(pa, n) && !ctx.views.versioned(pa, n)))
        this.shared = true;
      ctx.views.fetch(this.id, pa, n, win, have, ctx.chooser, va);
      have += n;
      entry = this.decoded(pc, have);
      if (entry !== undefined) break;
    }
    const status = ctx.views.endFetch();
    if (ctx.storage.relaxedLoads)
      ctx.storage.fetchObserved(this.id, ctx.views.fetchedInstant(this.id));
    if (status & FetchStatus.Stale) ctx.counters.values[Counter.staleFetches]++;
    if (status & FetchStatus.Torn) ctx.counters.values[Counter.tornFetches]++;
    if (entry !== undefined && blocks === 1 && ctx.views.alternatives > 1)
      this.checkConcurrentModification(pc, entry.length);
    if (entry === undefined) this.trap(ExceptionCause.Undefined, 0, pc, pc);
    return entry;
  }

  /**
   * Counts (and reports to the hazard hook) a fetch of `length` bytes at
   * `pc` that could return differing versions of which one is not on the
   * arch's concurrent-modification list. Only instructions inside one
   * fetch block are checked: the views keep the alternatives of one block.
   */
  private checkConcurrentModification(pc: number, length: number): void {
    const { views, arch, counters } = this.ctx;
    const bytes = views.alternativeBytes;
    const stride = views.alternativeLength;
    const count = views.alternatives;
    const v = this.versionViews[length];
    let differ = false;
    let unlisted = false;
    for (let a = 0; a < count; a++) {
      for (let j = 0; j < length; j++) {
        v[j] = bytes[a * stride + j];
        if (v[j] !== bytes[j]) differ = true;
      }
      if (!arch.patching.concurrentlyModifiable(v)) unlisted = true;
    }
    if (!differ || !unlisted) return;
    counters.values[Counter.hazards]++;
    if (this.ctx.onHazard) {
      const versions = Array.from({ length: count }, (_, a) =>
        bytes.slice(a * stride, a * stride + length),
      );
      this.ctx.onHazard({ cpu: this.id, pc, versions, fetched: this.window.slice(0, length) });
    }
  }

  /**
   * The cached decoding of the `have` fetched bytes at `pc`, decoding on a
   * miss. Entries are checked against the fetched bytes, so remapped or
   * patched code never runs from a stale decoding.
   */
  private decoded(pc: number, have: number): DecodeEntry<I> | undefined {
    const win = this.window;
    const head = this.decodeCache.get(pc);
    let count = 0;
    for (let e = head; e !== undefined; e = e.next, count++) {
      if (e.length > have) continue;
      let same = true;
      for (let i = 0; i < e.length && same; i++) same = e.bytes[i] === win[i];
      if (same) return e;
    }
    const { isa } = this.ctx.arch;
    const d = isa.decode(win, 0, have);
    if (d === null) return undefined;
    let use: Uint32Array | undefined;
    if (this.ctx.storage.relaxedLoads && isa.registerUse) {
      use = new Uint32Array(RegisterUse.Length);
      isa.registerUse(d.insn, use);
    }
    const e: DecodeEntry<I> = {
      bytes: win.slice(0, d.length),
      insn: d.insn,
      length: d.length,
      use,
      next: count < DECODE_VARIANTS ? head : undefined,
    };
    this.decodeCache.set(pc, e);
    return e;
  }

  /** Handles a trap at `pc`: counts it, synchronizes, and asks the machine's hook what to do. */
  private trap(cause: TrapCause, detail: number, pc: number, nextPc: number): void {
    const { ctx } = this;
    this.shared = true;
    // Exceptions are precise: every issued load performs first.
    this.performBufferedLoads();
    ctx.counters.values[Counter.exceptions]++;
    if (cause === 'instructionFault' || cause === 'dataFault')
      ctx.counters.values[Counter.faults]++;
    ctx.views.exception(this.id);
    const returnPc =
      typeof cause === 'number' && ctx.arch.resumeAfter.includes(cause) ? nextPc : pc;
    const event: TrapEvent = { cpu: this.id, cause, detail, pc, returnPc };
    const action = ctx.onTrap ? ctx.onTrap(event) : 'stop';
    if (action === 'stop') {
      this.state.pc = pc;
      this.status = CpuStatus.Stopped;
      this.stopEvent = event;
    } else if (action === 'resume') {
      this.state.pc = returnPc;
      ctx.views.exception(this.id);
    } else if ('resumeAt' in action) {
      this.state.pc = action.resumeAt;
      ctx.views.exception(this.id);
    } else {
      this.savedPc = returnPc;
      this.state.pc = action.vector;
      const link = ctx.arch.exceptionLinkRegister;
      if (link !== undefined) {
        // Exception entry writes the preferred return address (Arm ARM D1.10.1).
        const t = this.tmp;
        t[0] = vaLo(returnPc);
        t[1] = vaHi(returnPc);
        this.writeSystemRegister(link, t, 0);
      }
    }
  }

  /**
   * Checks a data access against the independence declarations (`EPERM`
   * on a violation) and marks the step shared unless the access is
   * independent. True when it is a plain store to this CPU's private
   * memory under ordered loads, which may reach memory at once: under
   * relaxed loads a write's place in the global order is visible to this
   * CPU's later loads through their views, so there every data access is
   * shared.
   */
  private noteData(pa: number, size: number, write: boolean, kind: AccessKind): boolean {
    const { independent, storage } = this.ctx;
    if (!independent.active) return false;
    const own = independent.access(this.id, pa, size, write);
    if (!own || storage.relaxedLoads || kind !== AccessKind.Plain) {
      this.shared = true;
      return false;
    }
    return write;
  }

  /**
   * Checks an access that is never independent (an atomic, an exclusive,
   * a store split across pages) against the declarations, and marks the
   * step shared.
   */
  private noteShared(pa: number, size: number, write: boolean): void {
    const { independent } = this.ctx;
    if (independent.active) independent.access(this.id, pa, size, write);
    this.shared = true;
  }

  private dataFault(va: number): false {
    this.trapCause = 'dataFault';
    this.trapDetail = va;
    return false;
  }

  /** Physical address of `size` bytes at `va` when they sit in one page; -2 when they cross pages; -1 on a fault. */
  private translateData(va: number, size: number, prot: number): number {
    const pa = this.ctx.translate(this.id, va, prot);
    if (pa < 0) return -1;
    return (va % PAGE_SIZE) + size <= PAGE_SIZE ? pa : -2;
  }

  load(
    va: number,
    size: 1 | 2 | 4 | 8,
    out: Uint32Array,
    index: number,
    kind: AccessKind,
  ): boolean {
    const { storage } = this.ctx;
    if (this.performing >= 0) {
      // A buffered load performing: at the address it translated when it issued.
      const pa = this.loads!.pa[this.loads!.slot(this.performing, this.performAccess++)];
      this.noteData(pa, size, false, kind);
      storage.load(this.id, pa, size, out, index, kind);
      return true;
    }
    if (kind === AccessKind.SeqCst) storage.fence(this.id, FenceOrder.Full);
    const pa = this.translateData(va, size, PROT_READ);
    if (pa === -1) return this.dataFault(va);
    if (pa >= 0) {
      this.noteData(pa, size, false, kind);
      storage.load(this.id, pa, size, out, index, kind);
    } else if (!this.loadSplit(va, size, out, index, kind)) return false;
    if (pa >= 0 && (kind === AccessKind.Exclusive || kind === AccessKind.AcquireExclusive)) {
      storage.markExclusive(this.id, pa);
    }
    return true;
  }

  /** A load crossing a page boundary, one byte at a time. */
  private loadSplit(
    va: number,
    size: number,
    out: Uint32Array,
    index: number,
    kind: AccessKind,
  ): boolean {
    const t = this.tmp;
    let lo = 0;
    let hi = 0;
    for (let k = size - 1; k >= 0; k--) {
      const pa = this.ctx.translate(this.id, va + k, PROT_READ);
      if (pa < 0) return this.dataFault(va + k);
      this.noteData(pa, 1, false, kind);
      this.ctx.storage.load(this.id, pa, 1, t, 0, kind);
      if (k >= 4) hi = ((hi << 8) | t[0]) >>> 0;
      else lo = ((lo << 8) | t[0]) >>> 0;
    }
    out[index] = lo;
    out[index + 1] = hi;
    return true;
  }

  store(
    va: number,
    size: 1 | 2 | 4 | 8,
    src: Uint32Array,
    index: number,
    kind: AccessKind,
  ): boolean {
    const { storage } = this.ctx;
    const pa = this.translateData(va, size, PROT_WRITE);
    if (pa === -1) return this.dataFault(va);
    if (pa === -2) {
      for (let k = 0; k < size; k++) {
        if (this.ctx.translate(this.id, va + k, PROT_WRITE) < 0) return this.dataFault(va + k);
      }
    }
    // A release store is ordered after every earlier store (Arm ARM B2.3.7, RVWMO rule 5).
    if (
      kind === AccessKind.Release ||
      kind === AccessKind.ReleaseExclusive ||
      kind === AccessKind.SeqCst
    ) {
      storage.fence(this.id, FenceOrder.StoreStore);
    }
    const lo = src[index];
    const hi = size === 8 ? src[index + 1] : 0;
    if (pa >= 0) {
      this.ctx.views.storeIssued(this.id, pa, va);
      if (this.noteData(pa, size, true, kind)) {
        // Nobody else can see it, so it need not wait in the store buffer.
        storage.commit(this.id, pa, size, mask(lo, size), hi);
        this.privateCommits++;
      } else storage.store(this.id, pa, size, mask(lo, size), hi, kind);
    } else {
      for (let k = 0; k < size; k++) {
        const byte = (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
        const bytePa = this.ctx.translate(this.id, va + k, PROT_WRITE);
        this.noteShared(bytePa, 1, true);
        this.ctx.views.storeIssued(this.id, bytePa, va + k);
        storage.store(this.id, bytePa, 1, byte, 0, kind);
      }
    }
    if (kind === AccessKind.SeqCst) storage.fence(this.id, FenceOrder.StoreLoad);
    return true;
  }

  storeConditional(
    va: number,
    size: 4 | 8,
    src: Uint32Array,
    index: number,
    _kind: AccessKind,
  ): number {
    const { storage } = this.ctx;
    const pa = this.translateData(va, size, PROT_WRITE);
    if (pa < 0) {
      // Exclusives must be naturally aligned, so one crossing a page is a fault too.
      this.dataFault(va);
      return -1;
    }
    this.noteShared(pa, size, true);
    if (!storage.claimExclusive(this.id, pa)) return 1;
    // The store-exclusive succeeds atomically with respect to other writers.
    storage.flush(this.id);
    this.ctx.views.storeIssued(this.id, pa, va);
    storage.commit(this.id, pa, size, mask(src[index], size), size === 8 ? src[index + 1] : 0);
    return 0;
  }

  atomic(
    op: AtomicOp,
    va: number,
    size: 1 | 2 | 4 | 8,
    src: Uint32Array,
    srcIndex: number,
    out: Uint32Array,
    outIndex: number,
    kind: AccessKind,
    src2?: Uint32Array,
    src2Index = 0,
  ): boolean {
    const { storage } = this.ctx;
    const pa = this.translateData(va, size, PROT_READ | PROT_WRITE);
    if (pa < 0) return this.dataFault(va);
    this.noteShared(pa, size, true);
    // Locked instructions and AMOs drain the store buffer and act on memory directly.
    if (kind === AccessKind.SeqCst) storage.fence(this.id, FenceOrder.Full);
    else storage.flush(this.id);
    const t = this.tmp;
    const bits = size * 8;
    storage.load(this.id, pa, size, t, 0, atomicReadKind(kind));
    const oldLo = t[0];
    const oldHi = t[1];
    w.copy64(t, 2, src, srcIndex);
    w.zext64(t, 2, t, 2, bits);
    const write = atomicRmw(op, bits, t, src2, src2Index);
    if (write) {
      this.ctx.views.storeIssued(this.id, pa, va);
      storage.commit(this.id, pa, size, t[2], t[3]);
    }
    out[outIndex] = oldLo;
    out[outIndex + 1] = oldHi;
    // A sequentially consistent RMW orders later loads after its own write too.
    if (kind === AccessKind.SeqCst) storage.fence(this.id, FenceOrder.Full);
    return true;
  }

  fence(kind: number): void {
    this.shared = true;
    const order = this.ctx.arch.fenceOrder(kind);
    this.ctx.storage.fence(this.id, order);
    if (order & FenceOrder.Completion) this.ctx.views.completeMaintenance(this.id);
  }

  cacheOp(op: CacheOp, va: number): boolean {
    const pa = this.ctx.translate(this.id, va, PROT_READ);
    if (pa < 0) return this.dataFault(va);
    this.shared = true;
    // Maintenance acts on the line as this CPU's earlier stores left it.
    this.ctx.storage.flush(this.id);
    this.ctx.views.cacheOp(this.id, op, pa);
    this.ctx.counters.values[Counter.cacheMaintenanceOps]++;
    return true;
  }

  contextSync(): void {
    this.shared = true;
    this.ctx.views.contextSync(this.id);
    this.ctx.storage.contextSync(this.id);
    this.ctx.counters.values[Counter.contextSyncs]++;
  }

  tlbOp(op: number, va: number): void {
    this.shared = true;
    this.ctx.tlbOp(this.id, op, va);
  }

  exception(cause: ExceptionCause, detail: number): void {
    this.shared = true;
    this.trapCause = cause;
    this.trapDetail = detail;
  }

  exceptionReturn(): void {
    this.shared = true;
    if (this.savedPc < 0) {
      // Not in a handler: there is no state to return to.
      this.exception(ExceptionCause.Undefined, 0);
      return;
    }
    const link = this.ctx.arch.exceptionLinkRegister;
    if (link !== undefined && this.readSystemRegister(link, this.tmp, 0)) {
      // The return goes where the link register says, as the handler left it (ERET).
      const target = vaFromWords(this.tmp[0], this.tmp[1]);
      if (target < 0) {
        this.exception(ExceptionCause.Protection, 0);
        return;
      }
      this.savedPc = target;
    }
    this.returning = true;
  }

  readSystemRegister(id: number, out: Uint32Array, index: number): boolean {
    this.shared = true;
    const r = this.sysregs.get(id);
    if (!r) return false;
    w.copy64(out, index, r, 0);
    return true;
  }

  writeSystemRegister(id: number, src: Uint32Array, index: number): boolean {
    this.shared = true;
    const r = this.sysregs.get(id);
    if (!r || this.readOnly.has(id)) return false;
    w.copy64(r, 0, src, index);
    return true;
  }
}

/** The read half of an atomic RMW reads the newest value, with the RMW's acquire semantics. */
function atomicReadKind(kind: AccessKind): AccessKind {
  if (kind === AccessKind.SeqCst) return kind;
  const acquire = kind === AccessKind.Acquire || kind === AccessKind.AcquireExclusive;
  return acquire ? AccessKind.AcquireExclusive : AccessKind.Exclusive;
}

function mask(lo: number, size: number): number {
  return size >= 4 ? lo : lo & ((1 << (8 * size)) - 1);
}
