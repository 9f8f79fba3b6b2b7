/**
 * The nano64 {@link Arch}: the fourth, toy architecture, assembled from
 * its ISA, page-table format, layout, generic fetch rules, patching rules
 * and execmem setup, exactly as `docs/guides/writing-an-arch-backend.md`
 * describes.
 *
 * @module
 */

import {
  type Arch,
  FenceOrder,
  type FetchRules,
  type IsaState,
  type PatchingRules,
  SC,
  staleUntilSyncFetchRules,
} from '@execmem/core';
import { nanoExecmemArchSetup } from './nanoExecmem';
import { NANO_OPCODE, type NanoInsn, nanoIsa } from './nanoIsa';
import { nanoCpuProfile, nanoLayout } from './nanoLayout';
import { nanoPageTableFormat } from './nanoPageTable';

/**
 * Fetch rules: a CPU may run instructions it fetched before another
 * CPU's store until it executes `isync` or takes an exception (like x86
 * cross-modifying code), and its own `fencei` resynchronizes it.
 */
export const nanoFetchRules: FetchRules = staleUntilSyncFetchRules({
  name: 'nano64',
  staleness: 'untilContextSync',
  fetchBlock: nanoCpuProfile.fetchBlockSize,
  icacheLine: nanoCpuProfile.icacheLineSize,
  dcacheLine: nanoCpuProfile.dcacheLineSize,
});

/** Instructions another CPU may be executing while they are rewritten: `nop`, `b` and `trap`. */
const CONCURRENTLY_MODIFIABLE: ReadonlySet<number> = new Set([
  NANO_OPCODE.nop,
  NANO_OPCODE.b,
  NANO_OPCODE.trap,
]);

/**
 * Patching rules: an aligned 4-byte store replaces a whole instruction
 * atomically (fetch blocks are 4 bytes); live code is patched under
 * stop_machine.
 */
export const nanoPatchingRules: PatchingRules = {
  liveProtocol: 'stopMachine',
  atomicPatchBytes: 4,
  concurrentlyModifiable(bytes) {
    const d = nanoIsa.decode(bytes, 0, bytes.length);
    return d !== null && d.length === bytes.length && CONCURRENTLY_MODIFIABLE.has(d.insn.opcode);
  },
};

/** Creates the nano64 arch. */
export function nanoArch(): Arch<NanoInsn, IsaState> {
  return {
    name: 'nano64',
    wordBits: 64,
    pageTableFormat: nanoPageTableFormat,
    layout: nanoLayout,
    cpuProfile: nanoCpuProfile,
    // nano64 has no TLB instruction: remote TLBs are reached by IPIs.
    tlbBroadcast: 'ipi',
    tlbOpEffect: () => 0,
    isa: nanoIsa,
    fetchRules: nanoFetchRules,
    storage: SC,
    // The `fence` immediate is a FenceOrder bit set.
    fenceOrder: (kind) => kind & (FenceOrder.Full | FenceOrder.Completion),
    // `trap` and `halt` report their own address.
    resumeAfter: [],
    systemRegisters: [],
    patching: nanoPatchingRules,
    execmemArchSetup: nanoExecmemArchSetup,
  };
}
