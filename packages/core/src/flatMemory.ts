import { atomicRmw } from './atomicRmw';
import { fail } from './errors';
import {
  AccessKind,
  type AtomicOp,
  type CacheOp,
  ExceptionCause,
  type Isa,
  type IsaState,
  type MemoryPort,
} from './isa';
import * as w from './word64';

const PAGE = 4096;

/** Why {@link runToException} stopped. */
export interface RunStop {
  /** The exception the program raised, or `'fault'` for a bad memory access, or `'limit'` when `maxSteps` ran out. */
  readonly reason: ExceptionCause | 'fault' | 'limit';
  /** The exception's detail (for example the BRK immediate), or the faulting address for `'fault'`. */
  readonly detail: number;
  /** Address of the instruction that stopped the run. */
  readonly pc: number;
  /** Instructions completed before the stop. */
  readonly steps: number;
}

/** Counts of what a program did to a {@link FlatMemory}. */
export interface FlatMemoryCounts {
  loads: number;
  stores: number;
  atomics: number;
  fences: number;
  cacheOps: number;
  contextSyncs: number;
  tlbOps: number;
}

/**
 * A one-CPU flat memory: sparse 4 KiB pages at engine virtual addresses,
 * no translation, no caches, sequentially consistent. It is the
 * {@link MemoryPort} for running and differential-testing an ISA's
 * executor in isolation (as qemu-user runs a static binary); the
 * multiprocessor machine with page tables, TLBs, store buffers and fetch
 * rules implements the same port.
 */
export class FlatMemory implements MemoryPort {
  private readonly pages = new Map<number, Uint8Array>();
  private readonly systemRegisters = new Map<number, Uint32Array>();
  private monitor = -1;
  private readonly tmp = new Uint32Array(4);
  /** Set when an instruction raised an exception; cleared by {@link runToException} before each step. */
  pendingException: ExceptionCause | -1 = -1;
  /** Detail of the pending exception. */
  pendingDetail = 0;
  /** Address of the last faulting access, or -1. */
  faultAddress = -1;
  /** Number of exception returns executed. */
  exceptionReturns = 0;
  /** What the program did. */
  readonly counts: FlatMemoryCounts = {
    loads: 0,
    stores: 0,
    atomics: 0,
    fences: 0,
    cacheOps: 0,
    contextSyncs: 0,
    tlbOps: 0,
  };

  /** Maps zeroed pages covering `[va, va + size)`; already mapped pages keep their bytes. */
  map(va: number, size: number): void {
    if (!Number.isSafeInteger(va) || !Number.isSafeInteger(size) || size <= 0) {
      fail('EINVAL', `cannot map ${size} bytes at ${va}`);
    }
    for (let p = Math.floor(va / PAGE); p * PAGE < va + size; p++) {
      if (!this.pages.has(p)) this.pages.set(p, new Uint8Array(PAGE));
    }
  }

  /** Copies `bytes` to `va` (mapping pages as needed). */
  write(va: number, bytes: Uint8Array): void {
    this.map(va, Math.max(bytes.length, 1));
    for (let i = 0; i < bytes.length; i++) this.pageOf(va + i)![(va + i) % PAGE] = bytes[i];
  }

  /** Reads `size` bytes at `va`; `EFAULT` when any byte is unmapped. */
  read(va: number, size: number): Uint8Array {
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const page = this.pageOf(va + i);
      if (!page) fail('EFAULT', `address 0x${(va + i).toString(16)} is not mapped`);
      out[i] = page[(va + i) % PAGE];
    }
    return out;
  }

  /**
   * Copies up to `max` bytes at `va` into `out` and returns how many were
   * mapped (instruction fetch stops at the first unmapped byte).
   */
  fetch(va: number, out: Uint8Array, max: number): number {
    let n = 0;
    while (n < max) {
      const page = this.pageOf(va + n);
      if (!page) break;
      out[n] = page[(va + n) % PAGE];
      n++;
    }
    return n;
  }

  /** Sets a system register's value (for example CTR_EL0) as the machine configures it. */
  setSystemRegister(id: number, value: bigint): void {
    const r = new Uint32Array(2);
    w.fromBigint(r, 0, value);
    this.systemRegisters.set(id, r);
  }

  /** A system register's current value, or `undefined` when it does not exist. */
  getSystemRegister(id: number): bigint | undefined {
    const r = this.systemRegisters.get(id);
    return r && w.toBigint(r, 0);
  }

  private pageOf(va: number): Uint8Array | undefined {
    return this.pages.get(Math.floor(va / PAGE));
  }

  private mapped(va: number, size: number): boolean {
    if (!this.pageOf(va) || !this.pageOf(va + size - 1)) {
      this.faultAddress = va;
      return false;
    }
    return true;
  }

  private loadWords(va: number, size: number, out: Uint32Array, index: number): void {
    let lo = 0;
    let hi = 0;
    for (let i = size - 1; i >= 0; i--) {
      const b = this.pageOf(va + i)![(va + i) % PAGE];
      if (i >= 4) hi = (hi << 8) | b;
      else lo = (lo << 8) | b;
    }
    out[index] = lo;
    out[index + 1] = hi;
  }

  private storeWords(va: number, size: number, src: Uint32Array, index: number): void {
    const lo = src[index];
    const hi = src[index + 1];
    for (let i = 0; i < size; i++) {
      this.pageOf(va + i)![(va + i) % PAGE] =
        (i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4))) & 0xff;
    }
  }

  load(
    va: number,
    size: 1 | 2 | 4 | 8,
    out: Uint32Array,
    index: number,
    kind: AccessKind,
  ): boolean {
    if (!this.mapped(va, size)) return false;
    this.counts.loads++;
    this.loadWords(va, size, out, index);
    if (kind === AccessKind.Exclusive || kind === AccessKind.AcquireExclusive) this.monitor = va;
    return true;
  }

  store(
    va: number,
    size: 1 | 2 | 4 | 8,
    src: Uint32Array,
    index: number,
    _kind: AccessKind,
  ): boolean {
    if (!this.mapped(va, size)) return false;
    this.counts.stores++;
    this.storeWords(va, size, src, index);
    return true;
  }

  storeConditional(
    va: number,
    size: 4 | 8,
    src: Uint32Array,
    index: number,
    _kind: AccessKind,
  ): number {
    if (!this.mapped(va, size)) return -1;
    const ok = this.monitor === va;
    this.monitor = -1;
    if (!ok) return 1;
    this.counts.stores++;
    this.storeWords(va, size, src, index);
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
    _kind: AccessKind,
    src2?: Uint32Array,
    src2Index = 0,
  ): boolean {
    if (!this.mapped(va, size)) return false;
    this.counts.atomics++;
    const t = this.tmp;
    const bits = size * 8;
    this.loadWords(va, size, t, 0); // old value
    w.copy64(t, 2, src, srcIndex);
    w.zext64(t, 2, t, 2, bits);
    const write = atomicRmw(op, bits, t, src2, src2Index);
    this.loadWords(va, size, out, outIndex);
    if (write) this.storeWords(va, size, t, 2);
    return true;
  }

  fence(_kind: number): void {
    this.counts.fences++;
  }

  cacheOp(_op: CacheOp, va: number): boolean {
    this.counts.cacheOps++;
    return this.mapped(va, 1);
  }

  contextSync(): void {
    this.counts.contextSyncs++;
  }

  tlbOp(_op: number, _va: number): void {
    this.counts.tlbOps++;
  }

  exception(cause: ExceptionCause, detail: number): void {
    this.pendingException = cause;
    this.pendingDetail = detail;
  }

  exceptionReturn(): void {
    this.exceptionReturns++;
  }

  readSystemRegister(id: number, out: Uint32Array, index: number): boolean {
    const r = this.systemRegisters.get(id);
    if (!r) return false;
    w.copy64(out, index, r, 0);
    return true;
  }

  writeSystemRegister(id: number, src: Uint32Array, index: number): boolean {
    const r = this.systemRegisters.get(id);
    if (!r) return false;
    w.copy64(r, 0, src, index);
    return true;
  }
}

/** Options for {@link runToException}. */
export interface RunOptions {
  /** Stop after this many instructions; default 1,000,000. */
  readonly maxSteps?: number;
}

/**
 * Runs `state` on `memory` with `isa` from `state.pc` until an
 * instruction raises an exception, an access faults, or `maxSteps`
 * instructions have run. Decoded instructions are cached per address and
 * revalidated against the bytes, so a steady loop allocates nothing.
 */
export function runToException<I, S extends IsaState>(
  isa: Isa<I, S>,
  state: S,
  memory: FlatMemory,
  options: RunOptions = {},
): RunStop {
  const maxSteps = options.maxSteps ?? 1_000_000;
  const window = new Uint8Array(isa.maxLength);
  const cache = new Map<number, { insn: I; length: number; bytes: Uint8Array }>();
  memory.faultAddress = -1;
  for (let steps = 0; steps < maxSteps; steps++) {
    const pc = state.pc;
    const available = memory.fetch(pc, window, isa.maxLength);
    if (available === 0) return { reason: 'fault', detail: pc, pc, steps };
    let entry = cache.get(pc);
    if (entry && !sameBytes(entry.bytes, window, available)) entry = undefined;
    if (!entry) {
      const decoded = isa.decode(window, 0, available);
      if (!decoded) return { reason: ExceptionCause.Undefined, detail: 0, pc, steps };
      entry = { ...decoded, bytes: window.slice(0, decoded.length) };
      cache.set(pc, entry);
    }
    state.nextPc = pc + entry.length;
    memory.pendingException = -1;
    isa.execute(entry.insn, state, memory);
    if (memory.pendingException !== -1) {
      return { reason: memory.pendingException, detail: memory.pendingDetail, pc, steps };
    }
    if (memory.faultAddress !== -1)
      return { reason: 'fault', detail: memory.faultAddress, pc, steps };
    state.pc = state.nextPc;
  }
  return { reason: 'limit', detail: 0, pc: state.pc, steps: maxSteps };
}

function sameBytes(expected: Uint8Array, window: Uint8Array, available: number): boolean {
  if (expected.length > available) return false;
  for (let i = 0; i < expected.length; i++) if (expected[i] !== window[i]) return false;
  return true;
}
