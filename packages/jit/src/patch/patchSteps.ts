/**
 * The live-patch protocol for code other CPUs may be running, as data,
 * picked from the arch's `PatchingRules` and fetch rules (never its name):
 *
 * - `int3` (x86 `smp_text_poke_batch_finish`): trap instruction on the
 *   first byte, sync every CPU, the other bytes, sync, the first byte,
 *   sync; a CPU hitting the trap meanwhile emulates the new instruction.
 * - `concurrentModification` (arm64, when old and new are both on the
 *   CMODX list): one single-copy-atomic store, the fetch rules'
 *   maintenance, then `kick_all_cpus_sync()`; otherwise `stopMachine`.
 * - `stopMachine` (riscv `patch_text`, arm64 otherwise): every other CPU
 *   stops, the writer patches and does its maintenance, every CPU
 *   resynchronizes (FENCE.I or ISB) as it resumes.
 *
 * @module
 */

import { type Arch, fail, type IsaState } from '@execmem/core';
import type { ProtocolStep } from '../publish/protocolStep';
import { OP_NAMES, syncSteps } from '../publish/syncSteps';

/** One patch: the bytes of one whole instruction (or aligned instruction group) and what they were. */
export interface PatchSite {
  /** Address of the first byte. */
  readonly addr: bigint;
  /** The bytes there now. */
  readonly old: Uint8Array;
  /** The bytes to write. */
  readonly new: Uint8Array;
}

/** The protocol `patchText` runs for these sites, as the name the docs use. */
export type ChosenPatchProtocol = 'int3' | 'concurrentModification' | 'stopMachine';

/** Which protocol applies to `sites` under `arch`'s patching rules. */
export function choosePatchProtocol<I, S extends IsaState>(
  arch: Arch<I, S>,
  sites: readonly PatchSite[],
): ChosenPatchProtocol {
  const rules = arch.patching;
  if (rules.liveProtocol !== 'concurrentModification') return rules.liveProtocol;
  // Arm ARM B2.2.5: concurrent modification is defined only between instructions on the CMODX list.
  const safe = sites.every(
    (s) =>
      s.new.length <= rules.atomicPatchBytes &&
      rules.concurrentlyModifiable(s.old) &&
      rules.concurrentlyModifiable(s.new),
  );
  return safe ? 'concurrentModification' : 'stopMachine';
}

const syncAll = (arch: Arch<unknown, IsaState>) => syncSteps(arch.fetchRules);

/**
 * The steps patching sites of at most `length` bytes with `protocol` on
 * `arch` (run them with `createProtocolRun` against the sites: each write
 * step covers every site, so a batch has the synchronization rounds of one
 * site). `EINVAL` for an empty site, or for the int3 protocol with a trap
 * longer than the site.
 */
export function patchSteps<I, S extends IsaState>(
  arch: Arch<I, S>,
  protocol: ChosenPatchProtocol,
  length: number,
  trapLength = 1,
): ProtocolStep[] {
  if (!Number.isInteger(length) || length < 1)
    fail('EINVAL', `patch site length ${length} is not positive`);
  const sync = syncAll(arch as Arch<unknown, IsaState>);
  switch (protocol) {
    case 'int3': {
      if (trapLength > length) {
        fail(
          'EINVAL',
          `trap instruction of ${trapLength} bytes does not fit a ${length}-byte site`,
        );
      }
      const steps: ProtocolStep[] = [
        {
          who: 'writer',
          step: 'write the trap instruction on the first byte',
          why: 'a CPU reaching the site now traps and emulates the new instruction instead of fetching a mix',
          action: { kind: 'write', to: trapLength, trap: true },
        },
        ...sync,
      ];
      if (length > trapLength) {
        steps.push(
          {
            who: 'writer',
            step: 'write all bytes but the first',
            why: 'no CPU can decode them now: every fetch of the site starts at the trap',
            action: { kind: 'write', from: trapLength },
          },
          ...sync,
        );
      }
      steps.push(
        {
          who: 'writer',
          step: 'write the first byte',
          why: 'replaces the trap: the instruction is complete',
          action: { kind: 'write', to: trapLength },
        },
        ...sync,
      );
      return steps;
    }
    case 'concurrentModification':
      return [
        {
          who: 'writer',
          step: 'single-copy-atomic store of the new instruction',
          why: 'old and new are both concurrently modifiable: a concurrent fetch sees one or the other (Arm ARM B2.2.5)',
          action: { kind: 'write' },
        },
        ...sync,
      ];
    case 'stopMachine': {
      const remote = sync.find((s) => s.who === 'every other CPU')?.action;
      const op = remote?.kind === 'ipi' ? remote.op : undefined;
      return [
        {
          who: 'writer',
          step: 'stop_machine',
          why: 'no other CPU may execute the site while it changes',
          action: { kind: 'stopMachine' },
        },
        {
          who: 'writer',
          step: 'write the new bytes',
          why: 'every other CPU is stopped',
          action: { kind: 'write' },
        },
        ...sync.filter((s) => s.who === 'writer'),
        {
          who: 'every other CPU',
          step: `${op === undefined ? 'ISB' : OP_NAMES[op]} and resume`,
          why: 'each stopped CPU resynchronizes its fetch before it runs again (patch_text_cb)',
          action: { kind: 'release', ...(op === undefined ? {} : { op }) },
        },
      ];
    }
    default:
      return fail(
        'EINVAL',
        `patch protocol "${String(protocol)}" is not int3, concurrentModification or stopMachine`,
      );
  }
}
