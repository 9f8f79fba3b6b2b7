import { arm64Arch, arm64BpfJit, arm64BpfRuntime } from '@execmem/arch-arm64';
import { riscvArch, riscvBpfJit, riscvBpfRuntime } from '@execmem/arch-riscv';
import { x86Arch, x86BpfJit, x86BpfRuntime } from '@execmem/arch-x86';
import type { Arch, BpfJitBackend, Isa, IsaState } from '@execmem/core';
import type { BpfNativeRuntime } from '@execmem/jit';
import { Option } from 'commander';
import { UsageError } from './usageError';

/** Options that select an ISA variant. */
export interface IsaVariant {
  /** riscv64: emit compressed instructions (default true). */
  readonly compressed?: boolean;
}

/** An arch the CLI knows by name. */
export interface ArchEntry {
  /** The name used with `--arch`. */
  readonly name: string;
  /** The arch, for the given variant. */
  arch(variant: IsaVariant): Arch<unknown, IsaState>;
  /** The arch's eBPF JIT and the native calling convention its code runs with. */
  readonly bpf: { readonly backend: BpfJitBackend; readonly runtime: BpfNativeRuntime };
}

/** Every arch the CLI knows, in the order help lists them. */
export const knownArches: readonly ArchEntry[] = [
  {
    name: 'x86-64',
    arch: () => x86Arch() as unknown as Arch<unknown, IsaState>,
    bpf: { backend: x86BpfJit, runtime: x86BpfRuntime },
  },
  {
    name: 'arm64',
    arch: () => arm64Arch() as unknown as Arch<unknown, IsaState>,
    bpf: { backend: arm64BpfJit, runtime: arm64BpfRuntime },
  },
  {
    name: 'riscv64',
    arch: ({ compressed = true }) =>
      riscvArch({ compressed }) as unknown as Arch<unknown, IsaState>,
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

/** The instruction set of arch `name` in the given variant. */
export function findIsa(name: string, variant: IsaVariant = {}): Isa<unknown, IsaState> {
  return findArch(name).arch(variant).isa;
}
