import {
  type ExecmemInfo,
  type ExecmemPgprot,
  type ExecmemType,
  execmemFillPattern,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  type Prot,
} from '@execmem/core';
import type { ExecmemPort } from './execmemPort';
import type { Window } from './vmapSpace';

/** An {@link ExecmemRange} converted to engine addresses and page-table protections. */
export interface ResolvedRange {
  /** The type it serves. */
  readonly type: ExecmemType;
  /** The preferred window, then the fallback window when the range has one. */
  readonly windows: readonly Window[];
  /** Protection of the memory handed out. */
  readonly prot: Prot;
  /** Alignment of vmalloc'd areas (at least a page in effect). */
  readonly alignment: number;
  /** True for the types that hold code (all but module data). */
  readonly code: boolean;
  /** Pattern unused memory of this type is filled with. */
  readonly fill: Uint8Array;
}

/** The page-table protection for a kernel `pgprot`. */
export function protOf(pgprot: ExecmemPgprot): Prot {
  switch (pgprot) {
    case 'kernel':
      return PROT_READ | PROT_WRITE | PROT_GLOBAL;
    case 'kernelExec':
      return PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GLOBAL;
    case 'kernelRox':
      return PROT_READ | PROT_EXEC | PROT_GLOBAL;
  }
}

/** `PAGE_KERNEL_ROX`. */
export const PROT_KERNEL_ROX = protOf('kernelRox');

/** Converts an inclusive bigint window to a half-open engine window. */
export function windowOf(port: ExecmemPort, start: bigint, end: bigint): Window {
  return { start: port.toEngine(start), end: port.toEngine(end) + 1 };
}

/** Resolves `info`'s range for `type` in the engine addresses of `port`. */
export function resolveRange(
  port: ExecmemPort,
  info: ExecmemInfo,
  type: ExecmemType,
): ResolvedRange {
  const r = info.ranges[type];
  const windows = [windowOf(port, r.start, r.end)];
  if (r.fallbackStart !== undefined && r.fallbackEnd !== undefined) {
    windows.push(windowOf(port, r.fallbackStart, r.fallbackEnd));
  }
  return {
    type,
    windows,
    prot: protOf(r.prot),
    alignment: r.alignment,
    code: type !== 'moduleData',
    fill: execmemFillPattern(info, type),
  };
}
