/**
 * The int3 protocol for patching code other CPUs may be running
 * (`smp_text_poke_batch_finish()` and `smp_text_poke_int3_handler()`,
 * arch/x86/kernel/alternative.c; FACTS §3).
 *
 * @module
 */

import {
  Counter,
  CpuStatus,
  ExceptionCause,
  fail,
  type TrapAction,
  type TrapEvent,
} from '@execmem/core';
import type { X86Insn } from '../isa/insn';
import type { X86State } from '../isa/state';
import { emulatedInsn, int3Emulate } from './int3Emulate';
import { checkCpu, syncCore, type TextPokeMm, targetPages, textPoke } from './textPoke';

/** `INT3_INSN_OPCODE`. */
export const INT3_INSN_OPCODE = 0xcc;

/** One site of a batch: the text address and the new instruction's bytes. */
export interface TextPokeSite {
  readonly addr: bigint;
  readonly opcode: Uint8Array;
}

/** `struct smp_text_poke_loc`: a site as the int3 handler looks it up. */
export interface TextPokeLoc extends TextPokeSite {
  /** The site as an engine address (what a trapping CPU reports). */
  readonly site: number;
  /** The decoded new instruction the handler emulates. */
  readonly insn: X86Insn;
}

/** Progress of one {@link smpTextPokeBatchFinish}. */
export interface SmpTextPokeProgress {
  /** The step whose sync is awaited: 1 INT3 written, 2 tails written, 3 first bytes written. */
  readonly stage: 1 | 2 | 3;
  /** True once the last sync completed and the handler no longer claims the sites. */
  readonly done: boolean;
}

/** Validates `sites` as `smp_text_poke_batch_add()` would; `EINVAL`/`EFAULT` naming the bad one. */
function textPokeLocs(
  tp: TextPokeMm<X86Insn, X86State>,
  sites: readonly TextPokeSite[],
): TextPokeLoc[] {
  if (sites.length === 0) fail('EINVAL', 'empty text-poke batch');
  const locs = sites.map((s) => {
    const insn = emulatedInsn(s.opcode);
    targetPages(tp.machine, s.addr, s.opcode.length);
    return { ...s, site: tp.machine.kernel.toEngine(s.addr), insn };
  });
  const sorted = [...locs].sort((a, b) => a.site - b.site);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].site < sorted[i - 1].site + sorted[i - 1].opcode.length) {
      fail(
        'EINVAL',
        `text-poke sites 0x${sorted[i - 1].addr.toString(16)} and 0x${sorted[i].addr.toString(16)} overlap`,
      );
    }
  }
  return locs;
}

/**
 * `smp_text_poke_batch_finish()` run by CPU `cpu` over `sites`:
 *
 * 1. INT3 on the first byte of every site, then `text_poke_sync()`;
 * 2. every byte but the first, then sync (when some site is longer than one byte);
 * 3. the first byte (unless it is INT3 itself), then sync.
 *
 * Every write is a {@link textPoke}. While a sync is outstanding `cpu`
 * spins (does not run); it goes on when the scheduler steps it after the
 * last target took its IPI. A CPU reaching a site meanwhile traps on INT3;
 * install {@link smpTextPokeInt3Handler} as the machine's `onTrap` so it
 * emulates the new instruction. Step the machine until `done`. Arguments
 * are checked first: `EBUSY` while another batch runs, `EINVAL` for a bad
 * CPU, an empty batch, overlapping sites or a new instruction the handler
 * cannot emulate, `EFAULT` for an unmapped site.
 */
export function smpTextPokeBatchFinish(
  tp: TextPokeMm<X86Insn, X86State>,
  cpu: number,
  sites: readonly TextPokeSite[],
): SmpTextPokeProgress {
  const { machine } = tp;
  checkCpu(machine, cpu);
  if (tp.textPokeArray.length > 0) fail('EBUSY', 'a text-poke batch is already in progress');
  const locs = textPokeLocs(tp, sites);
  const initiator = machine.cpus[cpu];
  const prior = initiator.status;
  const progress: { stage: 1 | 2 | 3; done: boolean } = { stage: 1, done: false };

  const sync = (next: () => void): void => {
    syncCore(machine, cpu);
    let pending = machine.cpus.length - 1;
    if (pending === 0) {
      next();
      return;
    }
    initiator.status = CpuStatus.Stopped;
    machine.ipis.sendAll((target) => {
      syncCore(machine, target);
      if (--pending > 0) return;
      // The spinning CPU notices its csd flags clear at a moment the scheduler
      // picks: modelled as a wake-up delivered to it, which is not an IPI.
      machine.ipis.send(cpu, next);
      machine.counters.add(Counter.ipis, -1);
    }, cpu);
  };
  const poke = (addr: bigint, bytes: Uint8Array): void => textPoke(tp, cpu, addr, bytes);
  const finish = (): void => {
    tp.textPokeArray = [];
    progress.done = true;
    initiator.status = prior;
  };
  const firstBytes = (): void => {
    progress.stage = 3;
    const written = locs.filter((l) => l.opcode[0] !== INT3_INSN_OPCODE);
    for (const l of written) poke(l.addr, l.opcode.subarray(0, 1));
    if (written.length > 0) sync(finish);
    else finish();
  };
  const tails = (): void => {
    progress.stage = 2;
    const written = locs.filter((l) => l.opcode.length > 1);
    for (const l of written) poke(l.addr + 1n, l.opcode.subarray(1));
    if (written.length > 0) sync(firstBytes);
    else firstBytes();
  };

  tp.textPokeArray = locs;
  for (const l of locs) poke(l.addr, Uint8Array.of(INT3_INSN_OPCODE));
  sync(tails);
  return progress;
}

/**
 * `smp_text_poke_int3_handler()` as a machine `onTrap` hook: an INT3 at a
 * site of the batch in progress emulates the site's new instruction and
 * resumes after it; any other trap (or a site whose new instruction is
 * INT3 itself) stops the CPU, as an unhandled `do_int3()` would.
 */
export function smpTextPokeInt3Handler(
  tp: TextPokeMm<X86Insn, X86State>,
  event: TrapEvent,
): TrapAction {
  if (event.cause !== ExceptionCause.Breakpoint) return 'stop';
  const loc = tp.textPokeArray.find((l) => l.site === event.pc);
  if (loc === undefined) return 'stop';
  const resumeAt = int3Emulate(tp.machine.cpus[event.cpu], loc.insn, loc.site);
  return resumeAt < 0 ? 'stop' : { resumeAt };
}
