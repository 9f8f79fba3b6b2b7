/**
 * Static keys (jump labels, `include/linux/jump_label.h`): each site is a
 * NOP-sized slot in the code; enabling the key turns every slot into a
 * jump to its target, disabling turns it back into a NOP, both through
 * {@link patchText}. The bytes come from the arch's assembler at the
 * site's address, as `arch_jump_label_transform` builds them.
 *
 * @module
 */

import { fail, hex, type IsaState, type Machine } from '@execmem/core';
import type { PatchSite } from './patchSteps';
import { type PatchTextOptions, type PatchTextResult, patchText } from './patchText';

/** One jump label: the slot's address and where the jump goes. */
export interface StaticKeySite {
  /** Address of the slot (holding the NOP while the key is disabled). */
  readonly addr: bigint;
  /** Where the jump goes when the key is enabled. */
  readonly target: bigint;
}

/** A static key defined on a machine, with the bytes of each slot in both states. */
export interface StaticKey<I = unknown, S extends IsaState = IsaState> {
  readonly machine: Machine<I, S>;
  readonly sites: readonly StaticKeySite[];
  /** Per site, the NOP and the jump, the same length. */
  readonly nops: readonly Uint8Array[];
  readonly jumps: readonly Uint8Array[];
  /** True while the slots hold the jumps. */
  enabled: boolean;
  /** Options every flip passes to `patchText`. */
  readonly options: PatchTextOptions;
}

/**
 * Defines a disabled static key over `sites`, each of which must hold the
 * arch's NOP now. `EINVAL` (naming the address) for an arch without jump
 * labels here, a slot not holding the NOP, or a jump that does not fit it.
 */
export function defineStaticKey<I, S extends IsaState>(
  machine: Machine<I, S>,
  sites: readonly StaticKeySite[],
  options: PatchTextOptions = {},
): StaticKey<I, S> {
  const { arch } = machine;
  const label = arch.patching.jumpLabel;
  if (label === undefined) fail('EINVAL', `arch "${arch.name}" has no jump label`);
  if (sites.length === 0) fail('EINVAL', 'a static key needs at least one site');
  const nops: Uint8Array[] = [];
  const jumps: Uint8Array[] = [];
  for (const s of sites) {
    const at = { origin: s.addr, compressed: false };
    const nop = arch.isa.assemble(label.nop, at).bytes;
    let jump: Uint8Array;
    try {
      jump = arch.isa.assemble(`${label.jump} ${hex(s.target)}`, at).bytes;
    } catch (e) {
      return fail('EINVAL', `site ${hex(s.addr)}: no jump to ${hex(s.target)}: ${String(e)}`);
    }
    if (jump.length !== nop.length)
      fail('EINVAL', `site ${hex(s.addr)}: the jump to ${hex(s.target)} does not fit the NOP`);
    const now = machine.read(s.addr, nop.length);
    if (!now.every((b, i) => b === nop[i]))
      fail('EINVAL', `site ${hex(s.addr)} does not hold the arch's NOP`);
    nops.push(nop);
    jumps.push(jump);
  }
  return { machine, sites, nops, jumps, enabled: false, options };
}

/** Patches every slot of `key` to `enable` (no patching when it is already so). */
function flip<I, S extends IsaState>(
  key: StaticKey<I, S>,
  enable: boolean,
): PatchTextResult | undefined {
  if (key.enabled === enable) return undefined;
  const patches: PatchSite[] = key.sites.map((s, i) => ({
    addr: s.addr,
    old: enable ? key.nops[i] : key.jumps[i],
    new: enable ? key.jumps[i] : key.nops[i],
  }));
  const result = patchText(key.machine, patches, key.options);
  key.enabled = enable;
  return result;
}

/**
 * Turns every slot of `key` into its jump; once it returns every CPU takes
 * the jumps. Returns what `patchText` did, or `undefined` when the key was
 * already enabled.
 */
export function staticKeyEnable<I, S extends IsaState>(
  key: StaticKey<I, S>,
): PatchTextResult | undefined {
  return flip(key, true);
}

/** Turns every slot of `key` back into the NOP; `undefined` when it was already disabled. */
export function staticKeyDisable<I, S extends IsaState>(
  key: StaticKey<I, S>,
): PatchTextResult | undefined {
  return flip(key, false);
}
