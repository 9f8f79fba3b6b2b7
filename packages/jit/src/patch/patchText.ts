/**
 * `patchText`: live-patches code other CPUs may be running, with the
 * protocol `choosePatchProtocol` picks from the arch's `PatchingRules`
 * (x86 `text_poke_bp_batch`, arm64 `aarch64_insn_patch_text`, riscv
 * `patch_text`). All sites go through one protocol run, as the kernel
 * batches them (`text_poke_queue` + `text_poke_finish`, the arrays of
 * `aarch64_insn_patch_text` and riscv `patch_text` under one
 * stop_machine): N sites cost the synchronization rounds of one. The
 * writer performs one protocol action per IPI it sends itself, so the
 * machine's scheduler interleaves the protocol with the other CPUs'
 * instructions exactly as in the hazard checker.
 *
 * @module
 */

import {
  ExceptionCause,
  fail,
  hex,
  type IsaState,
  type Machine,
  type TrapAction,
  type TrapEvent,
  vaFromBigint,
} from '@execmem/core';
import { createProtocolRun, driveProtocol, protocolDone } from '../publish/protocolRun';
import { emulateInstruction } from './emulateInstruction';
import {
  type ChosenPatchProtocol,
  choosePatchProtocol,
  type PatchSite,
  patchSteps,
} from './patchSteps';

/** Options of {@link patchText}. */
export interface PatchTextOptions {
  /** The CPU that patches; default 0. */
  readonly writer?: number;
  /** Scheduling decisions allowed before giving up with `EBUSY`; default 1,000,000. */
  readonly maxSteps?: number;
}

/** What {@link patchText} did. */
export interface PatchTextResult {
  readonly protocol: ChosenPatchProtocol;
  /** Scheduling decisions the machine took while the protocol ran. */
  readonly steps: number;
  /**
   * Synchronization rounds: times the writer waited for every other CPU
   * (`text_poke_sync`, stop_machine, `kick_all_cpus_sync`); the same for
   * any number of sites.
   */
  readonly syncRounds: number;
}

/** The sites of the batch in flight by engine address, per machine (the kernel's `text_poke_array`). */
const inFlight = new WeakMap<object, ReadonlyMap<number, PatchSite>>();

/**
 * The kernel's `poke_int3_handler` for {@link patchText}: when CPU
 * `event.cpu` hit the trap instruction of a site being patched, it
 * executes the site's new instruction for it and returns where to resume;
 * otherwise `undefined` (the trap is not ours). Call it from the machine's
 * `onTrap` hook.
 */
export function textPokeTrap<I, S extends IsaState>(
  machine: Machine<I, S>,
  event: TrapEvent,
): TrapAction | undefined {
  const site = inFlight.get(machine)?.get(event.pc);
  if (site === undefined || event.cause !== ExceptionCause.Breakpoint) return undefined;
  const decoded = machine.arch.isa.decode(site.new, 0, site.new.length);
  if (decoded === null) return undefined;
  return emulateInstruction(machine, event.cpu, event.pc, decoded);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * `EINVAL` unless every site is well formed (and holds the trap
 * instruction's `trapLength` bytes), no two overlap and each one's `old`
 * bytes are in memory.
 */
function validateSites<I, S extends IsaState>(
  machine: Machine<I, S>,
  sites: readonly PatchSite[],
  trapLength: number,
): void {
  if (sites.length === 0) fail('EINVAL', 'patchText needs at least one site');
  for (const s of sites) {
    if (s.new.length === 0 || s.new.length !== s.old.length) {
      fail(
        'EINVAL',
        `site ${hex(s.addr)}: old (${s.old.length} bytes) and new (${s.new.length} bytes) must be the same nonzero length`,
      );
    }
    if (s.new.length < trapLength) {
      fail(
        'EINVAL',
        `site ${hex(s.addr)}: ${s.new.length} bytes cannot hold the ${trapLength}-byte trap instruction`,
      );
    }
    if (machine.arch.isa.decode(s.new, 0, s.new.length)?.length !== s.new.length)
      fail('EINVAL', `site ${hex(s.addr)}: the new bytes are not one whole instruction`);
    if (!sameBytes(machine.read(s.addr, s.old.length), s.old))
      fail('EINVAL', `site ${hex(s.addr)}: memory does not hold the old bytes`);
  }
  const sorted = [...sites].sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (sorted[i].addr < prev.addr + BigInt(prev.old.length))
      fail('EINVAL', `sites ${hex(prev.addr)} and ${hex(sorted[i].addr)} overlap`);
  }
}

/**
 * Replaces each site's `old` instruction with its `new` one on a running
 * machine and returns once the protocol promises that every CPU executes
 * the new code. All sites share one protocol run (one trap round, one
 * tail round and one first-byte round for int3; one stop_machine or one
 * `kick_all_cpus_sync`). With the int3 protocol, the machine's `onTrap`
 * hook must call {@link textPokeTrap}. `EINVAL` (naming the address,
 * nothing written) for an empty, malformed or overlapping site, or one
 * whose old bytes are not in memory; `EBUSY` when the protocol does not
 * finish within `maxSteps` scheduling decisions.
 */
export function patchText<I, S extends IsaState>(
  machine: Machine<I, S>,
  sites: readonly PatchSite[],
  options: PatchTextOptions = {},
): PatchTextResult {
  const writer = options.writer ?? 0;
  const limit = options.maxSteps ?? 1_000_000;
  if (!Number.isInteger(writer) || writer < 0 || writer >= machine.cpus.length)
    fail('EINVAL', `writer CPU ${writer} is not in 0..${machine.cpus.length - 1}`);
  const { arch } = machine;
  const protocol = choosePatchProtocol(arch, sites);
  // The int3 protocol is named after its trap instruction (x86 INT3, 0xCC).
  const trap = protocol === 'int3' ? arch.isa.assemble('int3').bytes : undefined;
  validateSites(machine, sites, trap?.length ?? 0);
  const longest = Math.max(...sites.map((s) => s.new.length));
  const [first, ...more] = sites.map((s) => ({ exec: s.addr, write: s.addr, bytes: s.new }));
  const run = createProtocolRun(
    patchSteps(arch, protocol, longest, trap?.length),
    { writer, ...first, more, ...(trap ? { trap } : {}) },
    machine.cpus.length,
  );
  if (trap) inFlight.set(machine, new Map(sites.map((s) => [vaFromBigint(s.addr), s])));
  try {
    driveProtocol(machine, run);
    const result = machine.run({ until: () => protocolDone(run), maxSteps: limit });
    if (!protocolDone(run)) {
      fail(
        'EBUSY',
        `patching ${sites.map((s) => hex(s.addr)).join(', ')} did not finish within ${limit} scheduling decisions`,
      );
    }
    return { protocol, steps: result.steps, syncRounds: run.rounds };
  } finally {
    inFlight.delete(machine);
  }
}
