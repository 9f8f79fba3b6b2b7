import {
  type AddressSpace,
  Counter,
  type Counters,
  changePageAttr,
  createWalkResult,
  type DirectMap,
  fail,
  hex,
  leafSizes,
  PAGE_SIZE,
  type PhysicalMemory,
  PROT_EXEC,
  PROT_WRITE,
  type Prot,
} from '@execmem/core';
import type { ExecmemPort } from './execmemPort';

/** What {@link createMmuPort} drives. */
export interface MmuPortConfig {
  /** Physical memory (frames for the allocators). */
  readonly memory: PhysicalMemory;
  /** The kernel address space: vmalloc, modules and the direct map. */
  readonly space: AddressSpace;
  /** The counters costs are charged to. */
  readonly counters: Counters;
  /** The direct map inside `space`, when the machine has one. */
  readonly directMap?: DirectMap;
  /**
   * How text-poke writes reach memory (default: straight into physical
   * memory). A machine passes its CPU store path so that instruction
   * views see code being rewritten under them.
   */
  readonly poke?: (va: number, bytes: Uint8Array) => void;
}

/** Largest chunk `text_poke_copy()` maps at once (arch/x86/kernel/alternative.c: two pages). */
const TEXT_POKE_CHUNK = 2 * PAGE_SIZE;
const ACCESS = PROT_WRITE | PROT_EXEC;

/**
 * The allocators' machine operations over core's MMU: frames from physical
 * memory, mappings in the kernel address space (whose invalidation
 * listeners flush the TLBs), `set_memory_*()` through core's
 * `changePageAttr()` with the direct-map alias following (or removed, in
 * `removed` mode), and the text-poke path writing through a temporary
 * alias of the frames.
 */
export function createMmuPort(config: MmuPortConfig): ExecmemPort {
  const { memory, space, counters, directMap } = config;
  const sizes = leafSizes(space.format);
  const largePageSize = sizes.length > 1 ? sizes[1] : 0;
  const walk = createWalkResult();
  const directMapBase = directMap ? space.toEngine(directMap.base) : -1;
  const big = space.fromEngine;

  /** Calls `visit` for each piece of `[va, va + size)` inside one leaf, with its physical address. */
  function eachPiece(
    va: number,
    size: number,
    visit: (pa: number, offset: number, length: number, prot: Prot) => void,
  ): void {
    let off = 0;
    while (off < size) {
      const at = va + off;
      if (!space.walk(at, walk)) fail('EFAULT', `${hex(big(at))} is not mapped`);
      const leaf = 2 ** walk.leafShift;
      const length = Math.min(leaf - (at % leaf), size - off);
      visit(walk.pa, off, length, walk.prot);
      off += length;
    }
  }

  /** Copies `src` to physical `pa` frame by frame. */
  function copyIn(pa: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const at = pa + done;
      const off = at % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, src.length - done);
      memory.frame((at - off) / PAGE_SIZE).set(src.subarray(done, done + n), off);
      done += n;
    }
  }

  /** Copies `length` bytes at physical `pa` into `dst` at `at`. */
  function copyOut(pa: number, dst: Uint8Array, at: number, length: number): void {
    let done = 0;
    while (done < length) {
      const p = pa + done;
      const off = p % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - done);
      dst.set(memory.frame((p - off) / PAGE_SIZE).subarray(off, off + n), at + done);
      done += n;
    }
  }

  /** Writes `bytes` at mapped `va`, checking each leaf with `allowed`. */
  function store(va: number, bytes: Uint8Array, allowed: (prot: Prot) => boolean): void {
    const pieces: [number, number, number][] = [];
    eachPiece(va, bytes.length, (pa, off, length, prot) => {
      if (!allowed(prot)) fail('EFAULT', `store to read-only ${hex(big(va + off))}`);
      pieces.push([pa, off, length]);
    });
    for (const [pa, off, length] of pieces) copyIn(pa, bytes.subarray(off, off + length));
  }

  /** Physical runs behind `[va, va + size)`, coalesced. */
  function runs(va: number, size: number): [number, number][] {
    const out: [number, number][] = [];
    eachPiece(va, size, (pa, _off, length) => {
      const last = out[out.length - 1];
      if (last && last[0] + last[1] === pa) last[1] += length;
      else out.push([pa, length]);
    });
    return out;
  }

  /** True when the alias of `pa` is mapped. */
  function aliasMapped(pa: number): boolean {
    return directMap !== undefined && space.walk(directMapBase + pa, walk);
  }

  return {
    toEngine: (va) => space.toEngine(va),
    fromEngine: big,
    counters,
    largePageSize,
    allocFrames(bytes, align) {
      return memory.allocFrames(bytes / PAGE_SIZE, Math.max(1, align / PAGE_SIZE)) * PAGE_SIZE;
    },
    freeFrames(pa, bytes) {
      memory.freeFrames(pa / PAGE_SIZE, bytes / PAGE_SIZE);
    },
    map(va, pa, size, prot, leafSize) {
      space.map(big(va), BigInt(pa), BigInt(size), prot, { pageSize: leafSize });
    },
    unmap(va, size) {
      space.unmap(big(va), BigInt(size));
    },
    setMemory(va, size, prot, mode) {
      const pages = size / PAGE_SIZE;
      const set = prot & ACCESS;
      const clear = ~prot & ACCESS;
      if (!directMap || mode === 'readOnly') {
        changePageAttr(space, big(va), pages, set, clear, { directMap });
        return;
      }
      // `removed`: executable frames lose their alias; others get it back.
      const behind = runs(va, size).filter(
        ([pa]) => aliasMapped(pa) === ((prot & PROT_EXEC) !== 0),
      );
      changePageAttr(space, big(va), pages, set, clear);
      const done: [number, number][] = [];
      try {
        for (const [pa, length] of behind) {
          if (prot & PROT_EXEC) directMap.remove(BigInt(pa), BigInt(length));
          else directMap.restore(BigInt(pa), BigInt(length));
          done.push([pa, length]);
        }
      } catch (e) {
        for (const [pa, length] of done) {
          if (prot & PROT_EXEC) directMap.restore(BigInt(pa), BigInt(length));
          else directMap.remove(BigInt(pa), BigInt(length));
        }
        changePageAttr(space, big(va), pages, clear, set);
        counters.add(Counter.setMemoryCalls, -2);
        throw e;
      }
    },
    resetDirectMap(pa, bytes) {
      directMap?.restore(BigInt(pa), BigInt(bytes));
    },
    write(va, bytes) {
      store(va, bytes, (prot) => (prot & PROT_WRITE) !== 0);
    },
    textPoke(va, bytes) {
      if (config.poke) {
        eachPiece(va, bytes.length, () => {});
        config.poke(va, bytes);
      } else store(va, bytes, () => true);
      const chunks = Math.ceil(bytes.length / TEXT_POKE_CHUNK);
      counters.add(Counter.textPokes, chunks);
      // Each chunk is mapped in text_poke_mm, then unmapped with a local flush.
      counters.add(Counter.tlbFlushesLocal, chunks);
    },
    read(va, length) {
      const out = new Uint8Array(length);
      eachPiece(va, length, (pa, off, n) => copyOut(pa, out, off, n));
      return out;
    },
    translate(va) {
      return space.walk(va, walk) ? walk.pa : -1;
    },
    protection(va) {
      return space.walk(va, walk) ? walk.prot : -1;
    },
    forEachLeaf(va, size, visit) {
      eachPiece(va, size, (pa, off, length, prot) => visit(va + off, pa, length, prot));
    },
    forEachAliasLeaf(pa, size, visit) {
      if (!directMap) return;
      let off = 0;
      while (off < size) {
        const at = directMapBase + pa + off;
        const mapped = space.walk(at, walk);
        const span = 2 ** (mapped ? walk.leafShift : space.format.levels[walk.faultLevel].shift);
        const length = Math.min(span - (at % span), size - off);
        visit(pa + off, length, mapped ? walk.prot : 0);
        off += length;
      }
    },
  };
}
