import {
  type AddressSpace,
  type Counters,
  type CpuProfile,
  type CpuTlbs,
  createAddressSpace,
  createCounters,
  createPhysicalMemory,
  createTlb,
  type DirectMap,
  flushTlbKernelRange,
  mapDirectMap,
  type PageTableFormat,
  type PhysicalMemory,
  type TlbBroadcast,
} from '@execmem/core';
import type { ExecmemPort } from './execmemPort';
import { createMmuPort } from './mmuPort';

/** A kernel address space with its direct map, per-CPU TLBs, and the execmem port over them. */
export interface KernelPort {
  /** Physical memory. */
  readonly memory: PhysicalMemory;
  /** The kernel address space. */
  readonly space: AddressSpace;
  /** Every cost, as on a machine. */
  readonly counters: Counters;
  /** The direct map inside {@link KernelPort.space}. */
  readonly directMap: DirectMap;
  /** The execmem port over the kernel space. */
  readonly port: ExecmemPort;
  /** Each CPU's TLBs (none without {@link KernelCpus}). */
  readonly tlbs: readonly CpuTlbs[];
}

/** The CPUs of a {@link KernelPort}: their TLBs and how remote TLBs are flushed. */
export interface KernelCpus {
  /** Number of CPUs. */
  readonly count: number;
  /** TLB geometry of each CPU (an arch's `CpuProfile`). */
  readonly profile: Pick<CpuProfile, 'itlb' | 'dtlb'>;
  /** `'ipi'` (x86, riscv) or `'hardware'` (arm64 `TLBI …IS`). */
  readonly broadcast: TlbBroadcast;
}

/**
 * A kernel on core's MMU without a full machine, for running execmem
 * alone (tests, benchmarks): physical memory of `memoryBytes`, a kernel
 * address space in `format` with all memory direct-mapped at
 * `directMapBase`, and with `cpus` per-CPU TLBs that every change of the
 * kernel tables flushes (`flush_tlb_kernel_range()`).
 */
export function createKernelPort(
  format: PageTableFormat,
  memoryBytes: number,
  directMapBase: bigint,
  cpus?: KernelCpus,
): KernelPort {
  const counters = createCounters();
  const memory = createPhysicalMemory({ size: memoryBytes });
  const space = createAddressSpace({ memory, format, counters, name: 'kernel' });
  const directMap = mapDirectMap(space, directMapBase);
  const tlbs: CpuTlbs[] = [];
  if (cpus) {
    for (let i = 0; i < cpus.count; i++) {
      tlbs.push({
        itlb: createTlb(cpus.profile.itlb, counters, 'instruction'),
        dtlb: createTlb(cpus.profile.dtlb, counters, 'data'),
      });
    }
    space.addInvalidationListener((start, end) =>
      flushTlbKernelRange(tlbs, start, end, { broadcast: cpus.broadcast, initiator: 0, counters }),
    );
  }
  const port = createMmuPort({ memory, space, counters, directMap });
  return { memory, space, counters, directMap, port, tlbs };
}
