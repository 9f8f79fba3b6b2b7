/**
 * The `Arch` value: everything core and the upper packages need to know
 * about one architecture, mostly as data (STYLE.md: "an arch package
 * exports one value built by a factory, mostly tables"). `execmem` and
 * `jit` receive an `Arch`; they never import an arch package.
 *
 * @module
 */

import type { AddressSpaceLayout } from './addressSpaceLayout';
import type { BpfJitBackend } from './bpf';
import type { CpuProfile } from './cpuProfile';
import type { ExecmemInfo } from './execmemInfo';
import type { FetchRules } from './fetchRules';
import type { ExceptionCause, Isa, IsaState } from './isa';
import type { PageTableFormat } from './pageTableFormat';
import type { PatchingRules } from './patchingRules';
import type { StateHasher } from './stateHash';
import type { StorageConfig } from './storageModel';
import type { TlbBroadcast } from './tlb';

/** What a TLB-maintenance instruction invalidates, as bits (see {@link Arch.tlbOpEffect}). */
export const TlbOpEffect = {
  /** Only the page containing the address (INVLPG, `TLBI VAE1`, `SFENCE.VMA rs1`); otherwise everything. */
  Page: 1,
  /** Every CPU's TLBs, by hardware broadcast (`TLBI …IS`); otherwise only the executing CPU's. */
  Broadcast: 2,
} as const;

/** A system register the machine provides, with its reset value. */
export interface SystemRegisterDef {
  /** The id the arch's executor passes to `readSystemRegister` (e.g. the AArch64 op0:op1:CRn:CRm:op2 encoding, a CSR number). */
  readonly id: number;
  /** The manual's name (`CTR_EL0`, `sstatus`, …). */
  readonly name: string;
  /** Value at reset; a machine may override it (see `MachineConfig.systemRegisters`). */
  readonly reset: bigint;
  /** Writes are refused (the instruction raises an undefined-instruction exception). */
  readonly readOnly?: boolean;
}

/** One architecture. `I` and `S` are its ISA's decoded-instruction and state types. */
export interface Arch<I = unknown, S extends IsaState = IsaState> {
  /** The name the CLI and reports use (`x86_64`, `arm64`, `riscv64`, `toy`). */
  readonly name: string;
  /** Width of a general register and of a pointer. */
  readonly wordBits: 64;
  /** The kernel page-table format. */
  readonly pageTableFormat: PageTableFormat;
  /** The kernel virtual-address layout. */
  readonly layout: AddressSpaceLayout;
  /** Default micro-architectural sizes (TLBs, lines, fetch block). */
  readonly cpuProfile: CpuProfile;
  /** How a kernel range flush reaches other CPUs' TLBs (IPIs, or hardware broadcast). */
  readonly tlbBroadcast: TlbBroadcast;
  /** The {@link TlbOpEffect} bits of the arch's own TLB-maintenance code, as `MemoryPort.tlbOp` passes it. */
  tlbOpEffect(op: number): number;
  /** The instruction set. */
  readonly isa: Isa<I, S>;
  /** Instruction fetch, cache maintenance and serialization rules. */
  readonly fetchRules: FetchRules;
  /** The data-memory model a machine uses unless configured otherwise (x86: TSO). */
  readonly storage: StorageConfig;
  /**
   * The orderings (`FenceOrder` bits) a barrier of the arch's own `kind`
   * code enforces, as `MemoryPort.fence` passes it (x86 MFENCE: all;
   * arm64 `dmb ishst`: store-store; RISC-V `fence w,w`: store-store).
   */
  fenceOrder(kind: number): number;
  /**
   * Exceptions whose return address is the next instruction rather than
   * the one that raised them (x86 INT3 and SYSCALL are traps; arm64 SVC).
   */
  readonly resumeAfter: readonly ExceptionCause[];
  /**
   * Mixes the parts of a CPU state that decide its future behaviour into
   * `h`, for the explorer's state hashing. Optional: by default every
   * field of the state except `nextPc` is hashed (see `addObject`), which
   * is sound but merges fewer states when the state carries executor
   * scratch space.
   */
  fingerprintState?(state: S, h: StateHasher): void;
  /** System registers every CPU of a machine has. */
  readonly systemRegisters: readonly SystemRegisterDef[];
  /**
   * The system register exception entry writes the return address to and
   * the exception return reads it from (arm64 `ELR_EL1`), so a handler can
   * change where it returns. Absent: the return goes to the address saved
   * at entry.
   */
  readonly exceptionLinkRegister?: number;
  /** Text-patching rules for `jit`. */
  readonly patching: PatchingRules;
  /** The arch's `execmem_arch_setup()`: its execmem ranges, placed from `seed` (KASLR). */
  execmemArchSetup?(seed: number): ExecmemInfo;
  /** The eBPF JIT code generator, when the arch has one. */
  readonly bpfJit?: BpfJitBackend;
}
