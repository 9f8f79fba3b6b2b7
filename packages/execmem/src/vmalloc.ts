import {
  fail,
  hex,
  isExecmemError,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  type Prot,
} from '@execmem/core';
import type { DirectMapMode, ExecmemPort } from './execmemPort';
import { fillTrappingInsns } from './trapFill';
import { alignUp, PAGE_SIZE } from './units';
import type { VmapSpace, Window } from './vmapSpace';

/** `PAGE_KERNEL`: read/write, not executable, global. */
export const PROT_KERNEL: Prot = PROT_READ | PROT_WRITE | PROT_GLOBAL;

/** One vmalloc'd area: its virtual range and the physical runs behind it. */
export interface VmArea {
  /** First address. */
  readonly va: number;
  /** Size in bytes (a multiple of the leaf size). */
  readonly size: number;
  /** Leaf size of the mapping (4 KiB, or the PMD size for a huge mapping). */
  readonly leafSize: number;
  /** Physical runs in virtual order: `[pa, bytes]` pairs. */
  readonly runs: readonly (readonly [pa: number, bytes: number])[];
  /** The pattern its unused bytes hold, or undefined when it was not filled. */
  readonly fill: Uint8Array | undefined;
}

/** What {@link vmallocRange} does besides mapping. */
export interface VmallocRequest {
  /** Size in bytes (rounded up to pages). */
  readonly size: number;
  /** Alignment of the area (at least a page). */
  readonly align: number;
  /** Final protection; mapped `PAGE_KERNEL`, filled, then changed with `set_memory_*()` when different. */
  readonly prot: Prot;
  /** `VM_ALLOW_HUGE_VMAP`: map with PMD leaves when the size allows. */
  readonly allowHuge: boolean;
  /** Pattern to fill the whole area with before it gets `prot`, or undefined. */
  readonly fill: Uint8Array | undefined;
}

/** The pieces {@link vmallocRange} works with. */
export interface VmallocContext {
  readonly port: ExecmemPort;
  readonly vmap: VmapSpace;
  readonly directMap: DirectMapMode;
}

/**
 * `__vmalloc_node_range()` inside `windows` tried in order (a type's range,
 * then once its fallback): reserve a vmap area, back it with frames, map it
 * `PAGE_KERNEL`, fill it, then set its final protection. A huge request
 * that cannot be met falls back to base pages, as the kernel does. Returns
 * null when no window has room; any other failure undoes every step and
 * rethrows, so the machine is as before.
 */
export function vmallocRange(
  ctx: VmallocContext,
  windows: readonly Window[],
  req: VmallocRequest,
): VmArea | null {
  const large = ctx.port.largePageSize;
  if (req.allowHuge && large > 0 && req.size >= large) {
    const huge = attempt(ctx, windows, {
      size: alignUp(req.size, large),
      align: Math.max(req.align, large),
      leaf: large,
      req,
    });
    if (huge !== null) return huge;
  }
  return attempt(ctx, windows, {
    size: alignUp(req.size, PAGE_SIZE),
    align: Math.max(req.align, PAGE_SIZE),
    leaf: PAGE_SIZE,
    req,
  });
}

interface Shape {
  readonly size: number;
  readonly align: number;
  readonly leaf: number;
  readonly req: VmallocRequest;
}

function attempt(ctx: VmallocContext, windows: readonly Window[], shape: Shape): VmArea | null {
  let va = -1;
  for (const w of windows) {
    va = ctx.vmap.alloc(shape.size, shape.align, w);
    if (va >= 0) break;
  }
  if (va < 0) return null;
  const runs: [number, number][] = [];
  let mapped = 0;
  try {
    allocRuns(ctx.port, shape.size, shape.leaf, runs);
    for (const [pa, bytes] of runs) {
      ctx.port.map(va + mapped, pa, bytes, PROT_KERNEL, shape.leaf);
      mapped += bytes;
    }
    const area: VmArea = { va, size: shape.size, leafSize: shape.leaf, runs, fill: shape.req.fill };
    if (shape.req.fill) fillTrappingInsns(ctx.port, va, shape.size, shape.req.fill, 'store');
    if (shape.req.prot !== PROT_KERNEL) {
      ctx.port.setMemory(va, shape.size, shape.req.prot, ctx.directMap);
    }
    return area;
  } catch (e) {
    if (mapped > 0) ctx.port.unmap(va, mapped);
    for (const [pa, bytes] of runs) ctx.port.freeFrames(pa, bytes);
    ctx.vmap.free(va);
    if (shape.leaf > PAGE_SIZE) return null;
    throw e;
  }
}

/**
 * Backs `size` bytes with frames in `leaf`-size pieces, appending
 * coalesced `[pa, bytes]` runs: one contiguous run when memory has one
 * (the common case, and cheap to map), else leaf by leaf like
 * `alloc_pages_bulk()`. On failure the caller frees what `runs` holds.
 */
function allocRuns(port: ExecmemPort, size: number, leaf: number, runs: [number, number][]): void {
  if (size > leaf) {
    try {
      runs.push([port.allocFrames(size, leaf), size]);
      return;
    } catch (e) {
      if (!isExecmemError(e, 'ENOMEM')) throw e;
    }
  }
  for (let off = 0; off < size; off += leaf) {
    const pa = port.allocFrames(leaf, leaf);
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === pa) last[1] += leaf;
    else runs.push([pa, leaf]);
  }
}

/**
 * `vfree()` of an area allocated with `VM_FLUSH_RESET_PERMS`: unmap (with
 * the TLB flush), give the frames' direct-map alias back its default
 * permissions, free the frames and the vmap area.
 */
export function vfree(ctx: VmallocContext, area: VmArea): void {
  if (ctx.vmap.sizeOf(area.va) !== area.size) fail('EINVAL', `no vmalloc area at ${hex(area.va)}`);
  ctx.port.unmap(area.va, area.size);
  for (const [pa, bytes] of area.runs) {
    ctx.port.resetDirectMap(pa, bytes);
    ctx.port.freeFrames(pa, bytes);
  }
  ctx.vmap.free(area.va);
}
