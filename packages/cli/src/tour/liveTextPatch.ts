import { aarch64InsnPatchTextNosync, kickAllCpusSync } from '@execmem/arch-arm64';
import { patchTextNosync } from '@execmem/arch-riscv';
import {
  pokingInit,
  smpTextPokeBatchFinish,
  smpTextPokeInt3Handler,
  type X86Insn,
  type X86State,
} from '@execmem/arch-x86';
import {
  type AddressSpace,
  ExceptionCause,
  fail,
  type IpiBatch,
  type Machine,
  type TrapAction,
  type TrapEvent,
} from '@execmem/core';

/** A live patch in progress; step the machine until `done`. */
export interface LivePatchProgress {
  readonly done: boolean;
}

/** How one arch patches a jump-label site while other CPUs run (`arch_jump_label_transform()` and its apply step). */
export interface LiveTextPatcher {
  /** Starts replacing the bytes at `addr` with `bytes`, from CPU `cpu`. */
  start(cpu: number, addr: bigint, bytes: Uint8Array): LivePatchProgress;
  /** Handles a trap the patch protocol causes (the x86 int3 handler); `undefined` for any other trap. */
  onTrap(event: TrapEvent): TrapAction | undefined;
  /** Address spaces the protocol maps text in, for the W^X audit. */
  readonly spaces: readonly AddressSpace[];
}

/** How a static key is flipped: the arch's kernel protocol, or (to show the hazards column can fail) a bare store. */
export type PatchMode = 'protocol' | 'unsynchronized';

function waitFor(batch: IpiBatch): LivePatchProgress {
  return {
    get done() {
      return batch.pending === 0;
    },
  };
}

const noTrap = (): undefined => undefined;

/**
 * The kernel's jump-label patching of each arch on `machine`:
 * - x86-64: `smp_text_poke_batch_finish()`, the int3 protocol through
 *   `text_poke_mm`, with its int3 handler emulating the new instruction;
 * - arm64: `aarch64_insn_patch_text_nosync()` (a 4-byte store through the
 *   fixmap and `caches_clean_inval_pou()`), then `kick_all_cpus_sync()`
 *   (both NOP and B are on the CMODX list, Arm ARM B2.2.5);
 * - riscv64: `patch_text_nosync()` (the store through the fixmap, then
 *   `flush_icache_all()`: FENCE.I here and by IPI on every other hart).
 *
 * `unsynchronized` stores the bytes from `cpu` and calls it done: no
 * trap, no cache maintenance, no IPI.
 */
export function liveTextPatcher(
  archName: string,
  machine: Machine,
  mode: PatchMode,
  seed: number,
): LiveTextPatcher {
  if (mode === 'unsynchronized') {
    return {
      start(cpu, addr, bytes) {
        machine.poke(cpu, addr, bytes);
        return { done: true };
      },
      onTrap: noTrap,
      spaces: [],
    };
  }
  switch (archName) {
    case 'x86-64': {
      const tp = pokingInit(machine as unknown as Machine<X86Insn, X86State>, { seed });
      return {
        start: (cpu, addr, bytes) => smpTextPokeBatchFinish(tp, cpu, [{ addr, opcode: bytes }]),
        onTrap(event) {
          const claimed =
            event.cause === ExceptionCause.Breakpoint &&
            tp.textPokeArray.some((l) => l.site === event.pc);
          return claimed ? smpTextPokeInt3Handler(tp, event) : undefined;
        },
        spaces: [tp.mm],
      };
    }
    case 'arm64':
      return {
        start(cpu, addr, bytes) {
          if (bytes.length !== 4) fail('EINVAL', `arm64 patch of ${bytes.length} bytes, not 4`);
          const word = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
          aarch64InsnPatchTextNosync(machine, cpu, addr, word);
          return waitFor(kickAllCpusSync(machine, cpu));
        },
        onTrap: noTrap,
        spaces: [],
      };
    case 'riscv64':
      return {
        start: (cpu, addr, bytes) => waitFor(patchTextNosync(machine, cpu, addr, bytes)),
        onTrap: noTrap,
        spaces: [],
      };
    default:
      return fail('EINVAL', `no live text patching for arch ${archName}`);
  }
}
