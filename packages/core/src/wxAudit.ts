/**
 * The W^X auditor (the kernel's `CONFIG_DEBUG_WX` check, extended to
 * aliases): walks every page table registered with it, including the
 * direct map, and reports
 * - `wx`: a mapping both writable and executable, always a violation;
 * - `aliasWx`: a frame writable through one mapping and executable
 *   through another, a violation unless the frames were registered as an
 *   intentional dual mapping (listed separately as `intentional`).
 *
 * @module
 */

import { fail } from './errors';
import type { AddressSpace } from './mmu';
import { PROT_EXEC, PROT_WRITE, type Prot } from './pageTableFormat';

/** A mapping that is writable and executable at once. */
export interface WxFinding {
  /** Name of the address space. */
  readonly space: string;
  /** Canonical virtual address of the run. */
  readonly va: bigint;
  /** Physical address it maps. */
  readonly pa: bigint;
  /** Length in bytes. */
  readonly size: bigint;
  /** Its protection. */
  readonly prot: Prot;
}

/** One side of an alias. */
export interface AliasSide {
  /** Name of the address space holding this mapping. */
  readonly space: string;
  /** Canonical virtual address of the first shared frame in this mapping. */
  readonly va: bigint;
  /** The mapping's protection. */
  readonly prot: Prot;
}

/** Frames reachable writable through one mapping and executable through another. */
export interface AliasWxFinding {
  /** First physical address of the shared frames. */
  readonly pa: bigint;
  /** Length in bytes. */
  readonly size: bigint;
  /** The writable mapping of these frames. */
  readonly writable: AliasSide;
  /** The executable mapping of these frames. */
  readonly executable: AliasSide;
  /** Why it is intentional (only on `intentional` entries). */
  readonly reason?: string;
}

/** The result of {@link WxAuditor.audit}. */
export interface WxReport {
  /** True when there is no `wx` and no `aliasWx` finding. */
  readonly ok: boolean;
  /** Writable and executable mappings. */
  readonly wx: readonly WxFinding[];
  /** Unregistered writable/executable aliases. */
  readonly aliasWx: readonly AliasWxFinding[];
  /** Aliases inside a registered dual mapping. */
  readonly intentional: readonly AliasWxFinding[];
}

/** Audits a set of address spaces. */
export interface WxAuditor {
  /** Adds an address space to every later audit. */
  register(space: AddressSpace): void;
  /** Removes an address space. */
  unregister(space: AddressSpace): void;
  /** Declares `[pa, pa + size)` an intentional dual (writable + executable) mapping; returns a function that withdraws it. */
  allowDualMapping(pa: bigint, size: bigint, reason: string): () => void;
  /** Walks every registered page table and reports. */
  audit(): WxReport;
}

interface Run {
  readonly space: string;
  readonly toVa: (va: number) => bigint;
  readonly va: number;
  readonly pa: number;
  end: number;
  readonly prot: Prot;
}

interface Allowed {
  readonly start: number;
  readonly end: number;
  readonly reason: string;
}

/** Creates an auditor over `spaces` (more may be registered later). */
export function createWxAuditor(spaces: readonly AddressSpace[] = []): WxAuditor {
  const registered = new Set<AddressSpace>(spaces);
  const allowed: Allowed[] = [];
  return {
    register: (space) => void registered.add(space),
    unregister: (space) => void registered.delete(space),
    allowDualMapping(pa, size, reason) {
      if (pa < 0n || size <= 0n)
        fail('EINVAL', `dual mapping 0x${pa.toString(16)} + ${size} is not a valid range`);
      const entry = { start: Number(pa), end: Number(pa + size), reason };
      allowed.push(entry);
      return () => {
        const i = allowed.indexOf(entry);
        if (i >= 0) allowed.splice(i, 1);
      };
    },
    audit: () => auditSpaces([...registered], allowed),
  };
}

/** Collects a space's leaves as maximal runs (contiguous in VA and PA, same protection). */
function runsOf(space: AddressSpace): Run[] {
  const runs: Run[] = [];
  let last: Run | undefined;
  space.forEachLeafMapping((va, pa, size, prot) => {
    if (last && last.end === va && last.pa + (va - last.va) === pa && last.prot === prot) {
      last.end = va + size;
      return;
    }
    last = { space: space.name, toVa: space.fromEngine, va, pa, end: va + size, prot };
    runs.push(last);
  });
  return runs;
}

function side(run: Run, pa: number): AliasSide {
  return { space: run.space, va: run.toVa(run.va + (pa - run.pa)), prot: run.prot };
}

function auditSpaces(spaces: AddressSpace[], allowed: readonly Allowed[]): WxReport {
  const runs = spaces.flatMap(runsOf);
  const wx: WxFinding[] = [];
  const aliasWx: AliasWxFinding[] = [];
  const intentional: AliasWxFinding[] = [];
  const writable = runs.filter((r) => r.prot & PROT_WRITE).sort((a, b) => a.pa - b.pa);
  for (const r of runs) {
    if (r.prot & PROT_WRITE && r.prot & PROT_EXEC) {
      wx.push({
        space: r.space,
        va: r.toVa(r.va),
        pa: BigInt(r.pa),
        size: BigInt(r.end - r.va),
        prot: r.prot,
      });
    }
  }
  for (const x of runs) {
    if (!(x.prot & PROT_EXEC)) continue;
    const xEnd = x.pa + (x.end - x.va);
    for (const w of writable) {
      if (w.pa >= xEnd) break;
      if (w === x) continue;
      const start = Math.max(w.pa, x.pa);
      const end = Math.min(w.pa + (w.end - w.va), xEnd);
      if (start >= end) continue;
      for (const [from, to, reason] of splitByAllowed(start, end, allowed)) {
        const finding: AliasWxFinding = {
          pa: BigInt(from),
          size: BigInt(to - from),
          writable: side(w, from),
          executable: side(x, from),
          ...(reason === undefined ? {} : { reason }),
        };
        (reason === undefined ? aliasWx : intentional).push(finding);
      }
    }
  }
  return { ok: wx.length === 0 && aliasWx.length === 0, wx, aliasWx, intentional };
}

/** Cuts `[start, end)` into pieces inside an allowed range (with its reason) and pieces outside (no reason). */
function splitByAllowed(
  start: number,
  end: number,
  allowed: readonly Allowed[],
): [from: number, to: number, reason: string | undefined][] {
  const pieces: [number, number, string | undefined][] = [];
  let at = start;
  while (at < end) {
    const inside = allowed.find((a) => a.start <= at && at < a.end);
    if (inside) {
      const to = Math.min(end, inside.end);
      pieces.push([at, to, inside.reason]);
      at = to;
      continue;
    }
    const nextAllowed = Math.min(end, ...allowed.filter((a) => a.start > at).map((a) => a.start));
    pieces.push([at, nextAllowed, undefined]);
    at = nextAllowed;
  }
  return pieces;
}
