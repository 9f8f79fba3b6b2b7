/**
 * Simulated physical memory: 4 KiB frames allocated lazily (a frame that
 * was never written reads as zeros and costs nothing), little-endian
 * access helpers, and a frame allocator that hands out single frames or
 * naturally aligned contiguous runs (for 2 MiB and 1 GiB leaves).
 * Physical addresses are `number`s (exact below 2^53).
 *
 * @module
 */

import { fail } from './errors';

/** log2 of the base page size. */
export const PAGE_SHIFT = 12;
/** The base page (frame) size: 4 KiB. */
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** Physical memory and its frame allocator. */
export interface PhysicalMemory {
  /** Size in bytes (a multiple of {@link PAGE_SIZE}). */
  readonly size: number;
  /** Number of 4 KiB frames. */
  readonly frameCount: number;
  /** Frames not handed out by the allocator. */
  readonly freeFrameCount: number;
  /** The backing bytes of frame `pfn`, created (zeroed) on first use; `ERANGE` beyond memory. */
  frame(pfn: number): Uint8Array;
  /** Reads one byte; `EFAULT` beyond memory. */
  read8(pa: number): number;
  /** Reads a little-endian 16-bit value. */
  read16(pa: number): number;
  /** Reads a little-endian 32-bit value (unsigned). */
  read32(pa: number): number;
  /** Reads a little-endian 64-bit value into `out[index]` (low half) and `out[index + 1]` (high half). */
  read64(pa: number, out: Uint32Array, index: number): void;
  /** Writes one byte. */
  write8(pa: number, value: number): void;
  /** Writes a little-endian 16-bit value. */
  write16(pa: number, value: number): void;
  /** Writes a little-endian 32-bit value. */
  write32(pa: number, value: number): void;
  /** Writes a little-endian 64-bit value given as halves. */
  write64(pa: number, lo: number, hi: number): void;
  /** Copies `length` bytes starting at `pa` into a new array. */
  readBytes(pa: number, length: number): Uint8Array;
  /** Copies `bytes` to `pa`. */
  writeBytes(pa: number, bytes: Uint8Array): void;
  /**
   * Allocates `count` contiguous free frames whose first frame number is a
   * multiple of `alignFrames` (default 1) and returns the first frame
   * number; `ENOMEM` when no such run is free. Allocated frames read as zeros.
   */
  allocFrames(count?: number, alignFrames?: number): number;
  /** Returns `count` frames starting at `pfn` to the allocator (their contents are dropped); `EINVAL` if any is not allocated. */
  freeFrames(pfn: number, count?: number): void;
  /** True when frame `pfn` is handed out by the allocator. */
  isAllocated(pfn: number): boolean;
}

/** Options for {@link createPhysicalMemory}. */
export interface PhysicalMemoryConfig {
  /** Size in bytes, a positive multiple of 4 KiB. */
  readonly size: number;
}

/** Creates physical memory of `config.size` bytes, all frames free and zero. */
export function createPhysicalMemory(config: PhysicalMemoryConfig): PhysicalMemory {
  const { size } = config;
  if (!Number.isSafeInteger(size) || size <= 0 || size % PAGE_SIZE !== 0) {
    fail('EINVAL', `physical memory size ${size} is not a positive multiple of ${PAGE_SIZE}`);
  }
  const frameCount = size / PAGE_SIZE;
  const frames = new Map<number, Uint8Array>();
  const allocated = new Uint8Array(frameCount);
  let free = frameCount;
  // One-entry cache: consecutive accesses usually hit the same frame.
  let lastPfn = -1;
  let lastFrame: Uint8Array = new Uint8Array(0);

  function frame(pfn: number): Uint8Array {
    if (pfn === lastPfn) return lastFrame;
    if (!(pfn >= 0 && pfn < frameCount) || !Number.isInteger(pfn)) {
      fail('ERANGE', `frame ${pfn} is beyond physical memory of ${frameCount} frames`);
    }
    let f = frames.get(pfn);
    if (!f) {
      f = new Uint8Array(PAGE_SIZE);
      frames.set(pfn, f);
    }
    lastPfn = pfn;
    lastFrame = f;
    return f;
  }

  function checkRange(pa: number, length: number): void {
    if (!(pa >= 0 && pa + length <= size) || !Number.isInteger(pa)) {
      fail(
        'EFAULT',
        `physical address 0x${pa.toString(16)} (+${length}) is beyond memory of ${size} bytes`,
      );
    }
  }

  function read8(pa: number): number {
    checkRange(pa, 1);
    return frame(Math.floor(pa / PAGE_SIZE))[pa % PAGE_SIZE];
  }

  function write8(pa: number, value: number): void {
    checkRange(pa, 1);
    frame(Math.floor(pa / PAGE_SIZE))[pa % PAGE_SIZE] = value;
  }

  /** Reads `n` ≤ 4 bytes little-endian, crossing a frame boundary if needed. */
  function readLe(pa: number, n: number): number {
    checkRange(pa, n);
    const off = pa % PAGE_SIZE;
    if (off + n <= PAGE_SIZE) {
      const f = frame(Math.floor(pa / PAGE_SIZE));
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + f[off + i];
      return v;
    }
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + read8(pa + i);
    return v;
  }

  function writeLe(pa: number, n: number, value: number): void {
    checkRange(pa, n);
    const off = pa % PAGE_SIZE;
    if (off + n <= PAGE_SIZE) {
      const f = frame(Math.floor(pa / PAGE_SIZE));
      for (let i = 0; i < n; i++) f[off + i] = value >>> (8 * i);
      return;
    }
    for (let i = 0; i < n; i++) write8(pa + i, value >>> (8 * i));
  }

  function checkFrames(pfn: number, count: number): void {
    if (
      !Number.isInteger(pfn) ||
      !Number.isInteger(count) ||
      count < 1 ||
      pfn < 0 ||
      pfn + count > frameCount
    ) {
      fail(
        'ERANGE',
        `frames ${pfn}..${pfn + count - 1} are beyond physical memory of ${frameCount} frames`,
      );
    }
  }

  return {
    size,
    frameCount,
    get freeFrameCount() {
      return free;
    },
    frame,
    read8,
    read16: (pa) => readLe(pa, 2),
    read32: (pa) => readLe(pa, 4),
    read64(pa, out, index) {
      checkRange(pa, 8);
      out[index] = readLe(pa, 4);
      out[index + 1] = readLe(pa + 4, 4);
    },
    write8,
    write16: (pa, value) => writeLe(pa, 2, value),
    write32: (pa, value) => writeLe(pa, 4, value),
    write64(pa, lo, hi) {
      checkRange(pa, 8);
      writeLe(pa, 4, lo);
      writeLe(pa + 4, 4, hi);
    },
    readBytes(pa, length) {
      checkRange(pa, length);
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = read8(pa + i);
      return out;
    },
    writeBytes(pa, bytes) {
      checkRange(pa, bytes.length);
      for (let i = 0; i < bytes.length; i++) write8(pa + i, bytes[i]);
    },
    allocFrames(count = 1, alignFrames = 1) {
      if (!Number.isInteger(count) || count < 1)
        fail('EINVAL', `frame count ${count} is not a positive integer`);
      if (!Number.isInteger(alignFrames) || alignFrames < 1) {
        fail('EINVAL', `frame alignment ${alignFrames} is not a positive integer`);
      }
      if (count <= free) {
        for (let start = 0; start + count <= frameCount; start += alignFrames) {
          let busy = -1;
          for (let i = count - 1; i >= 0; i--) {
            if (allocated[start + i]) {
              busy = start + i;
              break;
            }
          }
          if (busy < 0) {
            allocated.fill(1, start, start + count);
            free -= count;
            for (let i = 0; i < count; i++) frames.delete(start + i);
            lastPfn = -1;
            return start;
          }
          // Skip every aligned candidate that would still include the busy frame.
          start = Math.floor(busy / alignFrames) * alignFrames;
        }
      }
      return fail(
        'ENOMEM',
        `no free run of ${count} frames aligned to ${alignFrames} (${free} frames free)`,
      );
    },
    freeFrames(pfn, count = 1) {
      checkFrames(pfn, count);
      for (let i = 0; i < count; i++) {
        if (!allocated[pfn + i]) fail('EINVAL', `frame ${pfn + i} is not allocated`);
      }
      allocated.fill(0, pfn, pfn + count);
      free += count;
      for (let i = 0; i < count; i++) frames.delete(pfn + i);
      lastPfn = -1;
    },
    isAllocated(pfn) {
      return pfn >= 0 && pfn < frameCount && allocated[pfn] === 1;
    },
  };
}
