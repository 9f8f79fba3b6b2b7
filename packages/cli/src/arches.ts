import { arm64Arch, arm64BpfJit, arm64BpfRuntime } from '@execmem/arch-arm64';
import { riscvArch, riscvBpfJit, riscvBpfRuntime } from '@execmem/arch-riscv';
import { x86Arch, x86BpfJit, x86BpfRuntime } from '@execmem/arch-x86';
import type { Arch, BpfJitBackend, Isa, IsaState } from '@execmem/core';
import type { BpfNativeRuntime } from '@execmem/jit';
import { Option } from 'commander';
import { UsageError } from './usageError';

/**
 * Options of an arch factory, passed through unchanged (`{ compressed }`
 * for riscv64's RVC, `{ ctrEl0 }` for arm64's cache type, …).
 */
export type ArchOptions = Readonly<Record<string, unknown>>;

/** An arch the CLI knows by name. */
export interface ArchEntry {
  /** The name used with `--arch`. */
  readonly name: string;
  /** The name the arch gives itself (`Arch.name`). */
  readonly archName: string;
  /** Builds the arch with its factory's options. */
  arch(options?: ArchOptions): Arch<unknown, IsaState>;
  /** The arch's eBPF JIT and the native calling convention its code runs with. */
  readonly bpf: { readonly backend: BpfJitBackend; readonly runtime: BpfNativeRuntime };
}

/** Every arch the CLI knows, in the order help lists them. */
export const knownArches: readonly ArchEntry[] = [
  {
    name: 'x86-64',
    archName: 'x86_64',
    arch: (options = {}) => x86Arch(options) as unknown as Arch<unknown, IsaState>,
    bpf: { backend: x86BpfJit, runtime: x86BpfRuntime },
  },
  {
    name: 'arm64',
    archName: 'arm64',
    arch: (options = {}) => arm64Arch(options) as unknown as Arch<unknown, IsaState>,
    bpf: { backend: arm64BpfJit, runtime: arm64BpfRuntime },
  },
  {
    name: 'riscv64',
    archName: 'riscv64',
    arch: (options = {}) => riscvArch(options) as unknown as Arch<unknown, IsaState>,
    bpf: { backend: riscvBpfJit, runtime: riscvBpfRuntime },
  },
];

/** The `--arch` option, listing the known arches. */
export function archOption(): Option {
  return new Option('--arch <arch>', 'architecture')
    .choices(knownArches.map((a) => a.name))
    .makeOptionMandatory();
}

/** Finds an arch by name; a {@link UsageError} names the known ones otherwise. */
export function findArch(name: string): ArchEntry {
  const arch = knownArches.find((a) => a.name === name);
  if (!arch)
    throw new UsageError(
      `unknown arch '${name}' (known: ${knownArches.map((a) => a.name).join(', ')})`,
    );
  return arch;
}

/** The instruction set of arch `name` built with `options`. */
export function findIsa(name: string, options: ArchOptions = {}): Isa<unknown, IsaState> {
  return findArch(name).arch(options).isa;
}

/** Builds an arch by the name it gives itself (`x86_64`, `arm64`, `riscv64`), as jit's scenarios name them. */
export function archByArchName(
  archName: string,
  options: ArchOptions = {},
): Arch<unknown, IsaState> {
  const entry = knownArches.find((a) => a.archName === archName);
  if (!entry) throw new UsageError(`unknown arch '${archName}'`);
  return entry.arch(options);
}
