/**
 * A CPU's load buffer under `StorageConfig.loadBuffering`: plain loads
 * issued but not yet performed. A load whose address is known leaves the
 * pipeline at once; it reads memory only when something needs it: an
 * instruction using or overwriting its registers or the registers it
 * reads, an access to the same bytes, a barrier, an ordered access, an
 * exception. Meanwhile later stores may reach memory: that is load→store
 * reordering (the LB shape), which ARMv8 and RVWMO allow when no
 * dependency, fence or ordered access stands between the load and the
 * store. Performing late never loses a behaviour: the load may still read
 * any value the relaxed read rule allowed when it was issued, since its
 * pre-view is kept from issue.
 *
 * Which instruction is a plain load is found by running it on a copy of
 * the CPU's state against a {@link LoadProbe}, which records the accesses
 * and changes nothing.
 *
 * @module
 */

import {
  AccessKind,
  type AtomicOp,
  type CacheOp,
  type ExceptionCause,
  type IsaState,
  type MemoryPort,
} from './isa';

/** Loads one CPU may hold unperformed. */
export const MAX_PENDING_LOADS = 4;
/** Memory accesses one buffered instruction may make (a load pair). */
export const ACCESSES_PER_LOAD = 2;

/** The unperformed loads of one CPU, oldest first, in typed arrays. */
export class LoadBuffer<E> {
  count = 0;
  /** The decoded instruction of each load. */
  readonly entries: (E | undefined)[] = new Array(MAX_PENDING_LOADS);
  readonly pc = new Float64Array(MAX_PENDING_LOADS);
  readonly nextPc = new Float64Array(MAX_PENDING_LOADS);
  /** Register masks (`RegisterUse`): what each load reads, and what it writes. */
  readonly sources = new Uint32Array(MAX_PENDING_LOADS);
  readonly destinations = new Uint32Array(MAX_PENDING_LOADS);
  /** The CPU's read floor when the load issued (its pre-view, without its address registers). */
  readonly floor = new Float64Array(MAX_PENDING_LOADS);
  /** Per load, its accesses' physical addresses and sizes (`ACCESSES_PER_LOAD` slots each; size 0 unused). */
  readonly pa = new Float64Array(MAX_PENDING_LOADS * ACCESSES_PER_LOAD);
  readonly size = new Uint8Array(MAX_PENDING_LOADS * ACCESSES_PER_LOAD);

  /** True when load `i` touches a byte of `[pa, pa + size)`. */
  overlaps(i: number, pa: number, size: number): boolean {
    for (let k = i * ACCESSES_PER_LOAD; k < (i + 1) * ACCESSES_PER_LOAD; k++) {
      if (this.size[k] > 0 && this.pa[k] < pa + size && pa < this.pa[k] + this.size[k]) return true;
    }
    return false;
  }

  /** Drops load `i`, keeping the others in order. */
  remove(i: number): void {
    for (let j = i + 1; j < this.count; j++) {
      this.entries[j - 1] = this.entries[j];
      this.pc[j - 1] = this.pc[j];
      this.nextPc[j - 1] = this.nextPc[j];
      this.sources[j - 1] = this.sources[j];
      this.destinations[j - 1] = this.destinations[j];
      this.floor[j - 1] = this.floor[j];
      for (let k = 0; k < ACCESSES_PER_LOAD; k++) {
        this.pa[(j - 1) * ACCESSES_PER_LOAD + k] = this.pa[j * ACCESSES_PER_LOAD + k];
        this.size[(j - 1) * ACCESSES_PER_LOAD + k] = this.size[j * ACCESSES_PER_LOAD + k];
      }
    }
    this.count--;
    this.entries[this.count] = undefined;
  }

  /** Slot of access `k` of load `i`. */
  slot(i: number, k: number): number {
    return i * ACCESSES_PER_LOAD + k;
  }
}

/**
 * A {@link MemoryPort} that records what an instruction would access and
 * does nothing: plain loads and plain stores by address and size, and
 * whether it did anything else (an ordered access, an atomic, a barrier,
 * maintenance, an exception, a system register).
 */
export class LoadProbe implements MemoryPort {
  /** Plain loads recorded, at most {@link ACCESSES_PER_LOAD}: `va` and `size` of each. */
  loads = 0;
  /** Plain stores recorded. */
  stores = 0;
  /** Something else happened, or more accesses than recorded. */
  other = false;
  readonly va = new Float64Array(2 * ACCESSES_PER_LOAD);
  readonly size = new Uint8Array(2 * ACCESSES_PER_LOAD);
  /** 1 where the recorded access is a store. */
  readonly write = new Uint8Array(2 * ACCESSES_PER_LOAD);

  reset(): void {
    this.loads = 0;
    this.stores = 0;
    this.other = false;
  }

  /** Accesses recorded, loads and stores. */
  get accesses(): number {
    return this.loads + this.stores;
  }

  private record(va: number, size: number, kind: AccessKind, write: boolean): boolean {
    const n = this.accesses;
    if (kind !== AccessKind.Plain || n === 2 * ACCESSES_PER_LOAD) {
      this.other = true;
      return true;
    }
    this.va[n] = va;
    this.size[n] = size;
    this.write[n] = write ? 1 : 0;
    if (write) this.stores++;
    else this.loads++;
    return true;
  }

  load(
    va: number,
    size: 1 | 2 | 4 | 8,
    out: Uint32Array,
    index: number,
    kind: AccessKind,
  ): boolean {
    out[index] = 0;
    out[index + 1] = 0;
    return this.record(va, size, kind, false);
  }

  store(
    va: number,
    size: 1 | 2 | 4 | 8,
    _src: Uint32Array,
    _index: number,
    kind: AccessKind,
  ): boolean {
    return this.record(va, size, kind, true);
  }

  storeConditional(): number {
    this.other = true;
    return 1;
  }

  atomic(
    _op: AtomicOp,
    _va: number,
    _size: 1 | 2 | 4 | 8,
    _src: Uint32Array,
    _srcIndex: number,
    out: Uint32Array,
    outIndex: number,
  ): boolean {
    this.other = true;
    out[outIndex] = 0;
    out[outIndex + 1] = 0;
    return true;
  }

  fence(): void {
    this.other = true;
  }

  cacheOp(_op: CacheOp): boolean {
    this.other = true;
    return true;
  }

  contextSync(): void {
    this.other = true;
  }

  tlbOp(): void {
    this.other = true;
  }

  exception(_cause: ExceptionCause): void {
    this.other = true;
  }

  exceptionReturn(): void {
    this.other = true;
  }

  readSystemRegister(_id: number, out: Uint32Array, index: number): boolean {
    this.other = true;
    out[index] = 0;
    out[index + 1] = 0;
    return true;
  }

  writeSystemRegister(): boolean {
    this.other = true;
    return true;
  }
}

/**
 * A copier from one state of an ISA to another, for states made only of
 * numbers and typed arrays (every built-in ISA's); `undefined` when the
 * state holds anything else.
 */
export function stateCopier<S extends IsaState>(sample: S): ((dst: S, src: S) => void) | undefined {
  const record = sample as unknown as Record<string, unknown>;
  const numbers: string[] = [];
  const arrays: string[] = [];
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (typeof v === 'number') numbers.push(key);
    else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) arrays.push(key);
    else return undefined;
  }
  return (dst, src) => {
    const d = dst as unknown as Record<string, number | Uint32Array>;
    const s = src as unknown as Record<string, number | Uint32Array>;
    for (const k of numbers) d[k] = s[k];
    for (const k of arrays) (d[k] as Uint32Array).set(s[k] as Uint32Array);
  };
}
