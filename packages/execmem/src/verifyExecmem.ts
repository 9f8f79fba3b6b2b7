import { hex, PROT_EXEC, PROT_WRITE, VA_BITS } from '@execmem/core';
import type { Execmem } from './execmem';
import type { ExecmemDump } from './execmemDump';
import type { ExecmemPort } from './execmemPort';
import { type ResolvedRange, resolveRange } from './resolvedRange';
import { holdsPattern } from './trapFill';
import { CHUNK_SIZE, PAGE_SIZE } from './units';
import type { Window } from './vmapSpace';

/** Options of {@link verifyExecmem}. */
export interface VerifyOptions {
  /** Check that free bytes hold their area's fill pattern (reads free memory); default true. */
  readonly fill?: boolean;
  /**
   * Check W^X over the allocator's areas: no leaf writable and executable,
   * no executable frame with a writable direct-map alias (the allocator's
   * share of the machine-wide W^X audit); default true.
   */
  readonly wx?: boolean;
  /**
   * Restrict the per-byte checks (allocation protections, W^X, fill) to
   * these engine windows, for incremental checking after one operation;
   * default everything. Overlaps and accounting are always checked.
   */
  readonly scope?: readonly Window[];
}

/**
 * Checks the allocator's invariants against the machine and returns one
 * message per violation (empty when all hold): areas never overlap; each
 * allocation lies inside its type's window or fallback, aligned (64-byte
 * granules in caches and packs, whole pages for vmalloc'd and read/write
 * allocations, the range's alignment for vmalloc'd areas), and its pages
 * have the protection the API promises; busy + free + pending = populated;
 * W^X holds; every free byte holds its area's trap pattern.
 */
export function verifyExecmem(
  execmem: Execmem,
  port: ExecmemPort,
  options: VerifyOptions = {},
): string[] {
  const out: string[] = [];
  const dump = execmem.dump();
  const stats = execmem.stats();
  if (stats.busyBytes + stats.freeBytes + stats.pendingBytes !== stats.populatedBytes) {
    out.push(
      `accounting: busy ${stats.busyBytes} + free ${stats.freeBytes} + pending ${stats.pendingBytes} != populated ${stats.populatedBytes}`,
    );
  }
  checkOverlaps(dump, out);
  const scope = options.scope ?? [{ start: 0, end: 2 ** VA_BITS }];
  checkAllocations(execmem, port, dump, scope, out);
  for (const a of dump.areas) {
    const align = Math.max(PAGE_SIZE, a.leafSize);
    if (Number(a.address % BigInt(align)) !== 0)
      out.push(`area ${hex(a.address)} is not ${align}-aligned`);
  }
  for (const [start, end, area] of clip(port, dump.areas, scope)) {
    if (options.wx ?? true) checkWx(port, start, end - start, out);
    if (!(options.fill ?? true)) continue;
    for (const [fs, fe] of clip(port, dump.free, [{ start, end }])) {
      if (!area.fill || !holdsPattern(port.read(fs, fe - fs), fs, area.fill)) {
        out.push(
          `free bytes ${hex(port.fromEngine(fs))}+${fe - fs} do not hold their trap pattern`,
        );
      }
    }
  }
  return out;
}

/** The parts of `items` (address/size pairs) inside `scope`, as `[start, end, item]`. */
function clip<T extends { readonly address: bigint; readonly size: number }>(
  port: ExecmemPort,
  items: readonly T[],
  scope: readonly Window[],
): [number, number, T][] {
  const out: [number, number, T][] = [];
  for (const item of items) {
    const s = port.toEngine(item.address);
    const e = s + item.size;
    for (const w of scope) {
      const lo = Math.max(s, w.start);
      const hi = Math.min(e, w.end);
      if (hi > lo) out.push([lo, hi, item]);
    }
  }
  return out;
}

function checkOverlaps(dump: ExecmemDump, out: string[]): void {
  const spans = [
    ...dump.busy.map((a) => ({ ...a, what: `busy ${a.type}` })),
    ...dump.pending.map((a) => ({ ...a, what: `pending ${a.type}` })),
    ...dump.free.map((a) => ({ ...a, what: 'free' })),
  ].sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0));
  for (let i = 1; i < spans.length; i++) {
    const p = spans[i - 1];
    if (p.address + BigInt(p.size) > spans[i].address) {
      out.push(
        `overlap: ${p.what} ${hex(p.address)}+${p.size} and ${spans[i].what} ${hex(spans[i].address)}`,
      );
    }
  }
}

function checkAllocations(
  execmem: Execmem,
  port: ExecmemPort,
  dump: ExecmemDump,
  scope: readonly Window[],
  out: string[],
): void {
  const ranges = new Map<string, ResolvedRange>();
  for (const [, , a] of clip(port, dump.busy, scope)) {
    let range = ranges.get(a.type);
    if (!range) ranges.set(a.type, (range = resolveRange(port, execmem.info, a.type)));
    const va = port.toEngine(a.address);
    const end = va + a.size;
    if (!range.windows.some((w) => va >= w.start && end <= w.end)) {
      out.push(`${a.type} ${hex(a.address)}+${a.size} is outside its windows`);
    }
    const vmalloced = a.type === 'moduleData' || execmem.policy === 'vmallocPerAllocation';
    const align = a.rw ? PAGE_SIZE : vmalloced ? Math.max(PAGE_SIZE, range.alignment) : CHUNK_SIZE;
    if (va % align !== 0) out.push(`${a.type} ${hex(a.address)} is not ${align}-aligned`);
    const want = a.rw
      ? PROT_WRITE
      : execmem.execmemIsRox(a.type)
        ? PROT_EXEC
        : range.prot & (PROT_WRITE | PROT_EXEC);
    port.forEachLeaf(va, a.size, (at, _pa, _n, prot) => {
      if ((prot & (PROT_WRITE | PROT_EXEC)) !== want) {
        out.push(
          `${a.type} ${hex(a.address)}: page at ${hex(port.fromEngine(at))} has protection ${prot}, expected ${want}`,
        );
      }
    });
  }
}

function checkWx(port: ExecmemPort, start: number, size: number, out: string[]): void {
  port.forEachLeaf(start, size, (va, pa, length, prot) => {
    if ((prot & PROT_EXEC) === 0) return;
    if (prot & PROT_WRITE)
      out.push(`W^X: ${hex(port.fromEngine(va))}+${length} is writable and executable`);
    port.forEachAliasLeaf(pa, length, (apa, _n, aliasProt) => {
      if (aliasProt & PROT_WRITE) {
        out.push(
          `W^X: executable ${hex(port.fromEngine(va + apa - pa))} has a writable direct-map alias`,
        );
      }
    });
  });
}
