/**
 * The toy architecture core's tests (and the conformance kit's own test)
 * run on: the toy ISA, the toy page-table format, the generic fetch rules
 * and a chosen data-memory model.
 *
 * @module
 */

import { type AddressSpaceLayout, validateLayout } from '../addressSpaceLayout';
import type { Arch } from '../arch';
import { type CpuProfile, validateCpuProfile } from '../cpuProfile';
import { type FetchRules, staleUntilSyncFetchRules } from '../fetchRules';
import { ExceptionCause, type IsaState } from '../isa';
import { SC, type StorageConfig } from '../storageModel';
import { type ToyInsn, toyIsa } from './toyIsa';
import { toyPageTableFormat } from './toyPageTable';

/** System register numbers of the toy arch (`mrs`/`msr` immediates). */
export const TOY_SYSREG = {
  /** Cache type, read-only (like CTR_EL0); a machine may configure its value. */
  CTR: 0,
  /** A writable per-CPU scratch register (like TPIDR_EL0). */
  SCRATCH: 1,
} as const;

/** The toy kernel layout in the upper half of the 39-bit address space. */
export const toyLayout: AddressSpaceLayout = validateLayout({
  name: 'toy 39-bit',
  vaBits: 39,
  regions: [
    {
      name: 'directMap',
      start: 0xffffffc000000000n,
      end: 0xffffffd000000000n,
      description: 'all physical memory',
    },
    {
      name: 'vmalloc',
      start: 0xffffffd000000000n,
      end: 0xfffffff000000000n,
      description: 'vmalloc and ioremap space',
    },
    {
      name: 'modules',
      start: 0xffffffff00000000n,
      end: 0xffffffff80000000n,
      description: 'modules, BPF and trampolines',
    },
    {
      name: 'kernelText',
      start: 0xffffffff80000000n,
      end: 0xffffffffc0000000n,
      description: 'kernel image',
    },
  ],
});

/** A small toy CPU: tiny TLBs so tests see evictions, 16-byte lines, 4-byte fetch blocks. */
export const toyCpuProfile: CpuProfile = validateCpuProfile({
  name: 'toy',
  itlb: {
    classes: [
      { pageShift: 12, entries: 8 },
      { pageShift: 21, entries: 2 },
    ],
  },
  dtlb: {
    classes: [
      { pageShift: 12, entries: 8 },
      { pageShift: 21, entries: 2 },
      { pageShift: 30, entries: 1 },
    ],
  },
  icacheLineSize: 16,
  dcacheLineSize: 16,
  fetchBlockSize: 4,
});

/** Options for {@link toyArch}. */
export interface ToyArchOptions {
  /** Default: stale until a context synchronization, 4-byte atomic fetch blocks, 16-byte lines. */
  readonly fetchRules?: FetchRules;
  /** Default SC. */
  readonly storage?: StorageConfig;
}

/** Opcodes the toy arch allows to be modified while another CPU may execute them (nop, b, trap). */
const CONCURRENTLY_MODIFIABLE = new Set([0x00, 0x22, 0x40]);

/** Creates the toy arch. */
export function toyArch(options: ToyArchOptions = {}): Arch<ToyInsn, IsaState> {
  return {
    name: 'toy',
    wordBits: 64,
    pageTableFormat: toyPageTableFormat,
    layout: toyLayout,
    cpuProfile: toyCpuProfile,
    // Like x86 and RISC-V: remote TLBs are reached by IPIs; the toy ISA has no TLB instruction.
    tlbBroadcast: 'ipi',
    tlbOpEffect: () => 0,
    isa: toyIsa,
    fetchRules:
      options.fetchRules ??
      staleUntilSyncFetchRules({
        name: 'toy',
        staleness: 'untilContextSync',
        fetchBlock: toyCpuProfile.fetchBlockSize,
        icacheLine: toyCpuProfile.icacheLineSize,
        dcacheLine: toyCpuProfile.dcacheLineSize,
      }),
    storage: options.storage ?? SC,
    // The toy `fence` immediate is a FenceOrder bit set.
    fenceOrder: (kind) => kind & 31,
    resumeAfter: [ExceptionCause.SystemCall],
    // Registers and pc are the whole toy state (`nextPc` only matters inside `execute`); hashing
    // them directly spares the explorer the generic walk over the state object.
    fingerprintState(state, h) {
      h.addWords(state.regs);
      h.add(state.pc);
    },
    systemRegisters: [
      { id: TOY_SYSREG.CTR, name: 'CTR', reset: 0n, readOnly: true },
      { id: TOY_SYSREG.SCRATCH, name: 'SCRATCH', reset: 0n },
    ],
    patching: {
      liveProtocol: 'stopMachine',
      atomicPatchBytes: 4,
      concurrentlyModifiable(bytes) {
        const d = toyIsa.decode(bytes, 0, bytes.length);
        return d !== null && CONCURRENTLY_MODIFIABLE.has(d.insn.opcode);
      },
    },
  };
}
