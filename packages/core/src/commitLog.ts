/**
 * The recent history of data memory under relaxed load ordering: a ring of
 * the last `depth` commits, each with the bytes it overwrote. Memory "as of
 * instant t" is current memory with every later overlapping commit undone,
 * newest first, so a load may read any value its views allow without a copy
 * of memory per instant. Commits older than the ring are forgotten: reads
 * are clamped to the {@link CommitLog.horizon}, which only removes
 * behaviours (reading a value too old to still be on record).
 *
 * @module
 */

import type { PhysicalMemory } from './physicalMemory';
import type { StateHasher } from './stateHash';

/** A ring log of the last commits, in typed arrays (the commit of instant `t` sits in slot `(t - 1) % depth`). */
export class CommitLog {
  /** Commits kept. */
  readonly depth: number;
  private readonly pa: Float64Array;
  private readonly size: Uint8Array;
  private readonly old: Uint8Array;
  /** Commits logged so far: the instant of the newest. */
  private latest = 0;
  private readonly bytes = new Uint8Array(8);

  constructor(depth: number) {
    this.depth = depth;
    this.pa = new Float64Array(depth);
    this.size = new Uint8Array(depth);
    this.old = new Uint8Array(depth * 8);
  }

  /** The oldest instant memory can still be read as of. */
  get horizon(): number {
    return Math.max(0, this.latest - this.depth);
  }

  /** Records the commit of `instant` (the next one) to `size` bytes at `pa`; `memory` still holds the old bytes. */
  record(instant: number, pa: number, size: number, memory: PhysicalMemory): void {
    const slot = (instant - 1) % this.depth;
    this.pa[slot] = pa;
    this.size[slot] = size;
    for (let k = 0; k < size; k++) this.old[slot * 8 + k] = memory.read8(pa + k);
    this.latest = instant;
  }

  /** True when the commit of `instant` (kept in the log) overlaps `[pa, pa + size)`. */
  overlaps(instant: number, pa: number, size: number): boolean {
    const slot = (instant - 1) % this.depth;
    return this.pa[slot] < pa + size && pa < this.pa[slot] + this.size[slot];
  }

  /** The newest commit at or before `t` (and after the horizon) overlapping `[pa, pa + size)`, else the horizon. */
  lastWriteAtOrBefore(t: number, pa: number, size: number): number {
    const h = this.horizon;
    for (let i = Math.min(t, this.latest); i > h; i--) if (this.overlaps(i, pa, size)) return i;
    return h;
  }

  /**
   * Reads `size` bytes at `pa` as memory held them at instant `t`
   * (≥ {@link horizon}) into `out[index..index+1]`.
   */
  readAsOf(
    memory: PhysicalMemory,
    t: number,
    pa: number,
    size: number,
    out: Uint32Array,
    index: number,
  ): void {
    const b = this.bytes;
    for (let k = 0; k < size; k++) b[k] = memory.read8(pa + k);
    for (let i = this.latest; i > t; i--) {
      if (!this.overlaps(i, pa, size)) continue;
      const slot = (i - 1) % this.depth;
      const from = Math.max(pa, this.pa[slot]);
      const to = Math.min(pa + size, this.pa[slot] + this.size[slot]);
      for (let a = from; a < to; a++) b[a - pa] = this.old[slot * 8 + (a - this.pa[slot])];
    }
    let lo = 0;
    let hi = 0;
    for (let k = size - 1; k >= 0; k--) {
      if (k >= 4) hi = ((hi << 8) | b[k]) >>> 0;
      else lo = ((lo << 8) | b[k]) >>> 0;
    }
    out[index] = lo;
    out[index + 1] = hi;
  }

  /** Mixes the commits after instant `after` into `h`, by their distance from the newest. */
  fingerprint(h: StateHasher, after: number): void {
    h.add(this.latest - this.horizon);
    for (let i = this.latest; i > after && i > this.horizon; i--) {
      const slot = (i - 1) % this.depth;
      h.add(this.latest - i);
      h.add(this.pa[slot]);
      h.add(this.size[slot]);
      h.addWords(this.old, slot * 8, slot * 8 + this.size[slot]);
    }
  }
}
