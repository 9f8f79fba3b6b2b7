/**
 * `@execmem/execmem`: the kernel's executable-memory allocators on a
 * simulated machine: range-restricted and unrestricted allocation over a
 * vmalloc-like area allocator, the ROX large-page cache, an indexed cache,
 * and the older policies as baselines, with a seeded workload generator.
 *
 * @packageDocumentation
 */

export { createExecmem } from './createExecmem';
export {
  createExecmemOnPort,
  EXECMEM_POLICIES,
  type Execmem,
  type ExecmemOptions,
  type ExecmemPolicy,
} from './execmem';
export type {
  DumpedAllocation,
  DumpedArea,
  DumpedFreeArea,
  ExecmemDump,
  ExecmemStats,
} from './execmemDump';
export type { DirectMapMode, ExecmemPort } from './execmemPort';
export { type FaultPoint, withFaultInjection } from './faultInjection';
export { createKernelPort, type KernelCpus, type KernelPort } from './kernelPort';
export { createMmuPort, type MmuPortConfig } from './mmuPort';
export { holdsPattern } from './trapFill';
export { type VerifyOptions, verifyExecmem } from './verifyExecmem';
export type { Window } from './vmapSpace';
export {
  generateWorkload,
  type WorkloadKind,
  type WorkloadOp,
  type WorkloadOptions,
} from './workload';
