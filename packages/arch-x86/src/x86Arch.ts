/**
 * The x86-64 `Arch`: everything core, `execmem` and `jit` need to know
 * about x86-64, assembled from this package's tables.
 *
 * @module
 */

import { type Arch, ExceptionCause, type StorageConfig } from '@execmem/core';
import { x86BpfJit } from './bpf';
import { execmemArchSetup, type X86ExecmemOptions } from './execmemArchSetup';
import { x86FetchRules } from './fetchRules';
import type { X86Insn } from './isa/insn';
import type { X86State } from './isa/state';
import { x86Isa } from './isa/x86Isa';
import { x86FenceOrder, x86Storage } from './memoryModel';
import { x86CpuProfile, x86TlbBroadcast, x86TlbOpEffect } from './mm/cpuProfile';
import { x86KernelLayout } from './mm/layout';
import { x86PageTableFormat } from './mm/pageTable';
import { x86PatchingRules } from './patching/patchingRules';

/** Options of {@link x86Arch}. */
export interface X86ArchOptions {
  /** Data-memory model (default {@link x86Storage}, TSO). */
  readonly storage?: StorageConfig;
  /** Options of `execmemArchSetup` (KASLR, PSE). */
  readonly execmem?: X86ExecmemOptions;
}

/** Creates the x86-64 arch. */
export function x86Arch(options: X86ArchOptions = {}): Arch<X86Insn, X86State> {
  const execmem = options.execmem ?? {};
  return {
    name: 'x86_64',
    wordBits: 64,
    pageTableFormat: x86PageTableFormat,
    layout: x86KernelLayout,
    cpuProfile: x86CpuProfile,
    tlbBroadcast: x86TlbBroadcast,
    tlbOpEffect: x86TlbOpEffect,
    isa: x86Isa,
    fetchRules: x86FetchRules(),
    storage: options.storage ?? x86Storage,
    fenceOrder: x86FenceOrder,
    // #BP (INT3) is a trap: the saved RIP is the next instruction; #DE, #UD, #GP are faults (SDM vol. 3A, "Exception Classifications").
    resumeAfter: [ExceptionCause.Breakpoint, ExceptionCause.SystemCall],
    // The subset has no MOV to/from control registers, RDMSR or WRMSR.
    systemRegisters: [],
    patching: x86PatchingRules,
    execmemArchSetup: (seed) => execmemArchSetup(seed, execmem),
    bpfJit: x86BpfJit,
  };
}
