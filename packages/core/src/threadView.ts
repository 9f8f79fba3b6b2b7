/**
 * One CPU's views under relaxed load ordering, after Promising-ARM/RISC-V
 * (Pulte et al., PLDI 2019). A view is an instant of the global commit
 * order: a load whose pre-view is `v` may read memory as of any instant
 * from `v` on. The thread keeps the floor for later loads (`vRNew`), the
 * post-views of its earlier loads (`vrOld`), its own commits (`vwOld`),
 * the addresses of earlier accesses (`vCap`), the sources of earlier
 * branches (`vCtrl`), a view per register (the newest read its value
 * depends on) and per-location coherence: the newest instant it has read
 * or written at each 8-byte granule.
 *
 * @module
 */

import { hashTerm } from './hashTerm';
import { RegisterUse, RegisterUseFlag } from './isa';
import type { StateHasher } from './stateHash';

/** Registers a mask can name; the flags' view sits after them. */
const REGISTERS = 32;
const FLAGS = REGISTERS;
/** Coherence entries per CPU; a full table folds its oldest entry into `vRNew` (only removes behaviours). */
const COHERENCE_ENTRIES = 32;

/** Granule number of byte `pa` (coherence is kept per aligned 8 bytes). */
function granule(pa: number): number {
  return Math.floor(pa / 8);
}

/** One CPU's views (see the module comment), all in numbers and typed arrays. */
export class ThreadView {
  /** Floor of every later load's pre-view (raised by fences and acquire loads). */
  vRNew = 0;
  /** Newest post-view of the CPU's loads so far. */
  vrOld = 0;
  /** Instant of the CPU's newest commit. */
  vwOld = 0;
  /** Newest address view of the CPU's accesses so far. */
  vCap = 0;
  /** Newest view a branch depended on. */
  vCtrl = 0;
  /** Views of the registers and, at index 32, of the flags. */
  readonly regs = new Float64Array(REGISTERS + 1);
  /** This instruction's address view (its `Address` registers). */
  addr = 0;
  /** This instruction's data view (all its sources and read flags). */
  data = 0;
  /** Newest post-view of this instruction's loads, or -1 before any. */
  loaded = -1;
  /** The arch describes no register use: loads stay in program order. */
  inOrder = true;
  private readonly cohKey = new Float64Array(COHERENCE_ENTRIES).fill(-1);
  private readonly cohView = new Float64Array(COHERENCE_ENTRIES);

  /** Newest coherence instant of the granules `[pa, pa + size)` touch. */
  coherence(pa: number, size: number): number {
    let v = 0;
    const last = granule(pa + size - 1);
    for (let g = granule(pa); g <= last; g++) {
      for (let i = 0; i < COHERENCE_ENTRIES; i++) {
        if (this.cohKey[i] === g && this.cohView[i] > v) v = this.cohView[i];
      }
    }
    return v;
  }

  /** Raises the coherence of the granules `[pa, pa + size)` touch to `view`; `floor` is below every later read. */
  cohere(pa: number, size: number, view: number, floor: number): void {
    const last = granule(pa + size - 1);
    for (let g = granule(pa); g <= last; g++) this.cohereGranule(g, view, floor);
  }

  private cohereGranule(g: number, view: number, floor: number): void {
    let free = -1;
    let oldest = 0;
    for (let i = 0; i < COHERENCE_ENTRIES; i++) {
      const k = this.cohKey[i];
      if (k === g) {
        if (view > this.cohView[i]) this.cohView[i] = view;
        return;
      }
      // An entry at or below every later read's floor says nothing any more.
      if (free < 0 && (k < 0 || this.cohView[i] <= Math.max(floor, this.vRNew))) free = i;
      if (this.cohView[i] < this.cohView[oldest]) oldest = i;
    }
    if (free < 0) {
      // Forgetting a location's coherence would let it read older values: raise the floor instead.
      free = oldest;
      if (this.cohView[oldest] > this.vRNew) this.vRNew = this.cohView[oldest];
    }
    this.cohKey[free] = g;
    this.cohView[free] = view;
  }

  /**
   * Starts an instruction with register use `use` (see `RegisterUse`), or
   * none known (`undefined`): computes its address and data views.
   */
  begin(use: Uint32Array | undefined): void {
    this.loaded = -1;
    if (use === undefined) {
      this.inOrder = true;
      this.addr = this.vrOld;
      this.data = this.vrOld;
      return;
    }
    this.inOrder = false;
    this.addr = this.maxOf(use[RegisterUse.Address]);
    const flags = use[RegisterUse.Flags] & RegisterUseFlag.ReadsFlags ? this.regs[FLAGS] : 0;
    this.data = Math.max(this.maxOf(use[RegisterUse.Sources]), flags);
  }

  /** Ends the instruction started by {@link begin}: its destinations take their new views. `faulted`: it may not have written them. */
  end(use: Uint32Array | undefined, faulted: boolean): void {
    if (use === undefined) return;
    const loaded = this.loaded < 0 ? this.data : Math.max(this.loaded, this.data);
    const dst = use[RegisterUse.Destinations];
    const fromMemory = use[RegisterUse.Loaded];
    for (let r = 0; r < REGISTERS; r++) {
      const bit = 1 << r;
      if ((dst & bit) === 0) continue;
      this.setReg(r, fromMemory & bit ? loaded : this.data, faulted);
    }
    const flags = use[RegisterUse.Flags];
    if (flags & RegisterUseFlag.WritesFlags) this.setReg(FLAGS, this.data, faulted);
    if (flags & RegisterUseFlag.Branch && this.data > this.vCtrl) this.vCtrl = this.data;
  }

  private setReg(r: number, view: number, faulted: boolean): void {
    this.regs[r] = faulted ? Math.max(this.regs[r], view) : view;
  }

  private maxOf(mask: number): number {
    let v = 0;
    for (let r = 0; r < REGISTERS; r++) if (mask & (1 << r) && this.regs[r] > v) v = this.regs[r];
    return v;
  }

  /**
   * Mixes the views into `h` as distances from `now`, each clamped to
   * `floor` (no later read goes below it, so lower views act alike):
   * interleavings that reach the same relative views merge.
   */
  fingerprint(h: StateHasher, now: number, floor: number): void {
    const rel = (v: number) => now - Math.max(v, floor);
    h.add(rel(this.vrOld));
    h.add(rel(this.vwOld));
    h.add(rel(this.vCap));
    h.add(rel(this.vCtrl));
    for (let r = 0; r <= REGISTERS; r++) h.add(rel(this.regs[r]));
    // Table slots depend on history; the live entries form a set, hashed order-independently.
    let set1 = 0;
    let set2 = 0;
    for (let i = 0; i < COHERENCE_ENTRIES; i++) {
      if (this.cohKey[i] < 0 || this.cohView[i] <= floor) continue;
      const k = this.cohKey[i];
      const d = now - this.cohView[i];
      set1 = (set1 + hashTerm(k, d, 0x2545f491)) | 0;
      set2 = (set2 + hashTerm(k, d, 0x9e3779b9)) | 0;
    }
    h.add(set1);
    h.add(set2);
  }
}
