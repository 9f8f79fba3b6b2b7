/**
 * Runs a folder of `bpf_conformance` data files on the reference eBPF
 * interpreter and on each arch's eBPF JIT, whose native code runs on a
 * simulated CPU of that arch, and prints a pass count per target.
 *
 * Run it with
 * `npx tsx --conditions=source examples/bpf-conformance.ts ../shared/bpf-conformance`.
 *
 * @module
 */

import { pathToFileURL } from 'node:url';
import { arm64Arch, arm64BpfRuntime } from '@execmem/arch-arm64';
import { riscvArch, riscvBpfRuntime } from '@execmem/arch-riscv';
import { x86Arch, x86BpfRuntime } from '@execmem/arch-x86';
import type { Arch, IsaState } from '@execmem/core';
import {
  type BpfConformanceResult,
  type BpfConformanceTarget,
  type BpfNativeRuntime,
  interpreterTarget,
  jitTarget,
  runConformance,
} from '@execmem/jit';

/** The JIT target of an arch that has an eBPF JIT. */
function archTarget(
  arch: Arch<unknown, IsaState>,
  runtime: BpfNativeRuntime,
): BpfConformanceTarget {
  if (!arch.bpfJit) throw new Error(`${arch.name} has no eBPF JIT`);
  return jitTarget(arch.name, arch.bpfJit, arch.isa, runtime);
}

/** The interpreter and the three JITs. */
export const bpfTargets: readonly BpfConformanceTarget[] = [
  interpreterTarget,
  archTarget(x86Arch() as Arch<unknown, IsaState>, x86BpfRuntime),
  archTarget(arm64Arch() as Arch<unknown, IsaState>, arm64BpfRuntime),
  archTarget(riscvArch() as Arch<unknown, IsaState>, riscvBpfRuntime),
];

/** Passed and total files per target, in {@link bpfTargets} order. */
export function summarize(
  results: readonly BpfConformanceResult[],
): { target: string; passed: number; total: number }[] {
  return bpfTargets.map((t) => {
    const mine = results.filter((r) => r.target === t.name);
    return { target: t.name, passed: mine.filter((r) => r.pass).length, total: mine.length };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: bpf-conformance.ts <folder of .data files>');
    process.exit(2);
  }
  const results = runConformance(dir, bpfTargets);
  for (const r of results.filter((x) => !x.pass))
    console.log(`FAIL ${r.target} ${r.file}: ${r.reason}`);
  for (const s of summarize(results)) console.log(`${s.target}: ${s.passed}/${s.total} passed`);
  process.exitCode = results.every((r) => r.pass) ? 0 : 1;
}
