/**
 * nano64's `execmem_arch_setup()`: where each type of executable memory
 * goes, what protection it gets, and the trapping fill.
 *
 * @module
 */

import {
  createPrng,
  type ExecmemInfo,
  type ExecmemRangeFlags,
  execmemInfoComplete,
  findRegion,
} from '@execmem/core';
import { nanoLayout } from './nanoLayout';

/** The all-zero word is `trap`: every 4-byte-aligned entry into the fill raises a breakpoint. */
export const NANO_TRAP_FILL = Uint8Array.of(0, 0, 0, 0);

const MB = 1n << 20n;
/** KASLR slides the module window in 2 MiB steps, up to this many of them. */
const KASLR_STEPS = 64;
/** Code types come from the ROX cache: large pages, read-only and executable. */
const ROX: ExecmemRangeFlags = { kasanShadow: false, roxCache: true };

/**
 * The ranges: module text, kprobes, ftrace and BPF share the 512 MiB at
 * the (slid) start of the module region, `kernelRox` from the ROX cache,
 * falling back once to all of vmalloc; module data inherits the default
 * range as non-exec `kernel` memory (`execmemInfoComplete`). The slide is
 * drawn from `seed`.
 */
export function nanoExecmemArchSetup(seed: number): ExecmemInfo {
  const modules = findRegion(nanoLayout, 'modules');
  const vmalloc = findRegion(nanoLayout, 'vmalloc');
  const start = modules.start + BigInt(createPrng(seed).below(KASLR_STEPS)) * 2n * MB;
  const code = {
    start,
    end: start + 512n * MB - 1n,
    fallbackStart: vmalloc.start,
    fallbackEnd: vmalloc.end - 1n,
    prot: 'kernelRox',
    alignment: 64,
    flags: ROX,
  } as const;
  return execmemInfoComplete({
    ranges: { moduleText: code, kprobes: code, ftrace: code, bpf: code },
    trapFill: NANO_TRAP_FILL,
    vmallocStart: vmalloc.start,
    vmallocEnd: vmalloc.end - 1n,
    reserved: [{ start: findRegion(nanoLayout, 'kernelText').start, end: modules.start - 1n }],
    directMapBase: findRegion(nanoLayout, 'directMap').start,
  });
}
