/**
 * The riscv64 {@link Arch}: Sv39/Sv48 page tables and layout, the
 * RV64GC-subset ISA with its register use, Zifencei/Ziccif(/Ziccid) fetch
 * rules, RVWMO loads and stores, CSRs, text patching, execmem setup and
 * the eBPF JIT.
 *
 * @module
 */

import {
  type Arch,
  fail,
  type StorageConfig,
  type SystemRegisterDef,
  TlbOpEffect,
} from '@execmem/core';
import { riscvBpfJit } from './bpf/bpfJitComp';
import { execmemArchSetup } from './execmemArchSetup';
import { riscvFenceOrder } from './fenceOrder';
import { riscvFetchRules } from './fetchRules';
import { csrNumber } from './isa/csr';
import type { RiscvInsn } from './isa/decoder';
import { type RiscvState, SFENCE_VMA_ADDRESS } from './isa/executor';
import { createRiscvIsa } from './isa/riscvIsa';
import { riscvCpuProfile, riscvTlbBroadcast } from './mm/cpuProfile';
import { riscvSv39KernelLayout, riscvSv48KernelLayout } from './mm/layout';
import { sv39PageTableFormat, sv48PageTableFormat } from './mm/pageTable';
import { riscvPatchingRules } from './patching/patchingRules';
import { RVWMO_STORAGE } from './rvwmoStorage';

/** Options of {@link riscvArch}. */
export interface RiscvArchOptions {
  /** Kernel translation mode (default `'sv39'`). */
  readonly mode?: 'sv39' | 'sv48';
  /** Harts implement Ziccid (coherent fetch); default false. */
  readonly ziccid?: boolean;
  /** Harts implement C: the assembler compresses and traps fill with `c.ebreak` (default true). */
  readonly compressed?: boolean;
  /** Data-memory model (default {@link RVWMO_STORAGE}). */
  readonly storage?: StorageConfig;
}

/** `satp.MODE` values (Privileged ISA, "satp" register). */
const SATP_MODE = { sv39: 8n, sv48: 9n } as const;

const modes = {
  sv39: { format: sv39PageTableFormat, layout: riscvSv39KernelLayout },
  sv48: { format: sv48PageTableFormat, layout: riscvSv48KernelLayout },
} as const;

/**
 * The CSRs a hart of the machine has. `cycle`, `time` and `instret` are
 * read-only by their numbers (bits 11:10 = 3, Privileged ISA "CSR Address
 * Mapping Conventions") and read the value the machine configures.
 */
function csrs(mode: 'sv39' | 'sv48'): SystemRegisterDef[] {
  const def = (name: string, reset = 0n, readOnly = false): SystemRegisterDef => ({
    id: csrNumber(name),
    name,
    reset,
    ...(readOnly ? { readOnly } : {}),
  });
  return [
    def('cycle', 0n, true),
    def('time', 0n, true),
    def('instret', 0n, true),
    ...['fflags', 'frm', 'fcsr', 'sstatus', 'stvec', 'sscratch', 'sepc', 'scause', 'stval'].map(
      (name) => def(name),
    ),
    // The root PPN is the machine's; the mode says which format it walks.
    def('satp', SATP_MODE[mode] << 60n),
  ];
}

/** Creates the riscv64 arch; `EINVAL` for an unknown mode. */
export function riscvArch(options: RiscvArchOptions = {}): Arch<RiscvInsn, RiscvState> {
  const { mode = 'sv39', ziccid = false, compressed = true } = options;
  const m = Object.hasOwn(modes, mode) ? modes[mode] : undefined;
  if (!m) fail('EINVAL', `unknown riscv64 translation mode "${mode}" (known: sv39, sv48)`);
  return {
    name: 'riscv64',
    wordBits: 64,
    pageTableFormat: m.format,
    layout: m.layout,
    cpuProfile: riscvCpuProfile,
    tlbBroadcast: riscvTlbBroadcast,
    // SFENCE.VMA acts on the local hart only (Privileged ISA, "Supervisor Memory-Management Fence").
    tlbOpEffect: (op) => (op & SFENCE_VMA_ADDRESS ? TlbOpEffect.Page : 0),
    isa: createRiscvIsa({ compressed }),
    fetchRules: riscvFetchRules({ ziccid }),
    storage: options.storage ?? RVWMO_STORAGE,
    fenceOrder: riscvFenceOrder,
    // ECALL and EBREAK set sepc to their own address (Privileged ISA, "Supervisor Exception Program Counter").
    resumeAfter: [],
    systemRegisters: csrs(mode),
    patching: riscvPatchingRules,
    // execmem_arch_setup() places its ranges in the Sv39 layout.
    ...(mode === 'sv39'
      ? { execmemArchSetup: (seed: number) => execmemArchSetup(seed, { compressed }) }
      : {}),
    bpfJit: riscvBpfJit,
  };
}
