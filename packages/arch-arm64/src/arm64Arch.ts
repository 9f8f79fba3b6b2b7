/**
 * The AArch64 `Arch`: everything core, `execmem` and `jit` need to know
 * about arm64, assembled from this package's tables.
 *
 * @module
 */

import { type Arch, ExceptionCause, type StorageConfig } from '@execmem/core';
import { arm64BpfJit } from './bpf/bpfJitComp';
import { type Arm64ExecmemOptions, execmemArchSetup } from './execmemArchSetup';
import { arm64FetchRules, type CtrEl0, ctrEl0Value } from './fetchRules';
import { arm64Isa } from './isa/arm64Isa';
import type { Arm64Insn } from './isa/insn';
import type { Arm64State } from './isa/state';
import { SystemRegister } from './isa/systemRegisters';
import { arm64FenceOrder, arm64Storage } from './memoryModel';
import { arm64CpuProfile, arm64TlbBroadcast, arm64TlbOpEffect } from './mm/cpuProfile';
import { arm64KernelLayout } from './mm/layout';
import { arm64PageTableFormat } from './mm/pageTable';
import { arm64PatchingRules } from './patching/patchingRules';
import { arm64SystemRegisters } from './systemRegisterDefs';

/** Options of {@link arm64Arch}. */
export interface Arm64ArchOptions {
  /**
   * The machine's `CTR_EL0`, as a register value or as fields over the
   * default (default `ARM64_DEFAULT_CTR_EL0`: IDC = DIC = 0, 64-byte
   * lines). Its IDC, DIC and line sizes select the fetch rules, and MRS reads it.
   */
  readonly ctrEl0?: bigint | Partial<CtrEl0>;
  /** Data-memory model (default {@link arm64Storage}). */
  readonly storage?: StorageConfig;
  /** Options of `execmemArchSetup` (KASLR, kernel image size). */
  readonly execmem?: Arm64ExecmemOptions;
}

/** Creates the arm64 arch; `EINVAL` for a `CTR_EL0` the fetch rules cannot honour. */
export function arm64Arch(options: Arm64ArchOptions = {}): Arch<Arm64Insn, Arm64State> {
  const ctr =
    typeof options.ctrEl0 === 'bigint' ? options.ctrEl0 : ctrEl0Value(options.ctrEl0 ?? {});
  const fetchRules = arm64FetchRules(ctr);
  const execmem = options.execmem ?? {};
  return {
    name: 'arm64',
    wordBits: 64,
    pageTableFormat: arm64PageTableFormat,
    layout: arm64KernelLayout,
    cpuProfile: arm64CpuProfile,
    tlbBroadcast: arm64TlbBroadcast,
    tlbOpEffect: arm64TlbOpEffect,
    isa: arm64Isa(),
    fetchRules,
    storage: options.storage ?? arm64Storage,
    fenceOrder: arm64FenceOrder,
    // The preferred return address of SVC is the next instruction; of BRK, UDF and aborts the instruction itself (Arm ARM D1.10.1).
    resumeAfter: [ExceptionCause.SystemCall],
    systemRegisters: arm64SystemRegisters(ctr),
    // ERET returns to ELR_EL1, which exception entry sets and a handler may change (Arm ARM C6.2.88).
    exceptionLinkRegister: SystemRegister.ELR_EL1,
    patching: arm64PatchingRules,
    execmemArchSetup: (seed) => execmemArchSetup(seed, execmem),
    bpfJit: arm64BpfJit,
  };
}
