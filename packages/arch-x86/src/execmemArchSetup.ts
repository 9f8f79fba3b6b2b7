import {
  createPrng,
  type ExecmemInfo,
  type ExecmemRange,
  execmemInfoComplete,
  findRegion,
} from '@execmem/core';
import { X86_MODULES_END, X86_MODULES_VADDR, X86_PAGE_OFFSET, x86KernelLayout } from './mm/layout';

const PAGE_SIZE = 4096n;

/** INT3 (`0xcc`): x86's `execmem_fill_trapping_insns()` is `memset(0xcc)`. */
export const X86_TRAP_FILL = Uint8Array.of(0xcc);

/** Options of {@link execmemArchSetup}. */
export interface X86ExecmemOptions {
  /** KASLR randomizes the module base (default true). */
  readonly kaslr?: boolean;
  /** The CPU has PSE (2 MiB pages), which enables the ROX cache (default true). */
  readonly pse?: boolean;
}

/**
 * x86-64 `execmem_arch_setup()` (arch/x86/mm/init.c, v6.13+): one window,
 * the module space from `MODULES_VADDR` plus a KASLR offset of 1..1024
 * pages drawn from `seed` to `MODULES_END`; module text, kprobes and
 * ftrace `PAGE_KERNEL_ROX` from the ROX cache when the CPU has PSE; BPF
 * and module data `PAGE_KERNEL`; page alignment (`MODULE_ALIGN` without
 * KASAN); traps are INT3.
 */
export function execmemArchSetup(seed: number, options: X86ExecmemOptions = {}): ExecmemInfo {
  const { kaslr = true, pse = true } = options;
  const offset = kaslr ? BigInt(createPrng(seed).below(1024) + 1) * PAGE_SIZE : 0n;
  const window = { start: X86_MODULES_VADDR + offset, end: X86_MODULES_END - 1n };
  const vmalloc = findRegion(x86KernelLayout, 'vmalloc');
  const text: ExecmemRange = {
    ...window,
    prot: pse ? 'kernelRox' : 'kernel',
    alignment: Number(PAGE_SIZE),
    flags: { kasanShadow: true, roxCache: pse },
  };
  const plain: ExecmemRange = {
    ...window,
    prot: 'kernel',
    alignment: Number(PAGE_SIZE),
    flags: { kasanShadow: true, roxCache: false },
  };
  return execmemInfoComplete({
    ranges: { moduleText: text, kprobes: text, ftrace: text, bpf: plain, moduleData: plain },
    trapFill: X86_TRAP_FILL,
    vmallocStart: vmalloc.start,
    vmallocEnd: vmalloc.end - 1n,
    directMapBase: X86_PAGE_OFFSET,
  });
}
