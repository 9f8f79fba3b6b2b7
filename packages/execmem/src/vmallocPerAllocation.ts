import { fail, hex } from '@execmem/core';
import type { Carved, ExecmemBackend } from './execmemBackend';
import { PROT_KERNEL_ROX } from './resolvedRange';
import { alignUp, PAGE_SIZE } from './units';
import { PROT_KERNEL, type VmArea, type VmallocContext, vfree, vmallocRange } from './vmalloc';

/**
 * One vmalloc'd area of 4 KiB pages per allocation, as `module_alloc()`
 * did before execmem: code is filled with traps and made read-only and
 * executable with `set_memory_rox()` (what the module loader and the BPF
 * JIT's `bpf_jit_binary_lock_ro()` then did), splitting the direct map
 * around each allocation; each free unmaps it and shoots down the TLBs.
 * Module data keeps its range's protection.
 */
export function createVmallocPerAllocation(ctx: VmallocContext): ExecmemBackend {
  const areas = new Map<number, VmArea>();
  return {
    alloc(range, size, rw) {
      const area = vmallocRange(ctx, range.windows, {
        size: alignUp(size, PAGE_SIZE),
        align: range.alignment,
        prot: rw ? PROT_KERNEL : range.code ? PROT_KERNEL_ROX : range.prot,
        allowHuge: false,
        fill: range.code ? range.fill : undefined,
      });
      if (area === null) return null;
      areas.set(area.va, area);
      return { va: area.va, size: area.size } satisfies Carved;
    },
    free(_range, carved) {
      const area = areas.get(carved.va);
      if (!area) fail('EINVAL', `no vmalloc allocation at ${hex(carved.va)}`);
      vfree(ctx, area);
      areas.delete(carved.va);
    },
    isRox(range) {
      return range.code;
    },
    reclaim() {
      return 0;
    },
    areas() {
      return [...areas.values()];
    },
    freeAreas() {
      return [];
    },
  };
}
