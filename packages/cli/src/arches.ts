import type { Isa, IsaState } from '@execmem/core';
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
  /** The arch's instruction set, for the given variant. */
  isa(variant: IsaVariant): Isa<unknown, IsaState>;
}

/** Every arch the CLI knows, in the order help lists them. */
export const knownArches: readonly ArchEntry[] = [];

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
