/**
 * How an architecture may change code that other CPUs may be running, as
 * data the `jit` package reads (it never branches on an arch's name).
 *
 * @module
 */

/**
 * The protocol the kernel uses to patch live code.
 *
 * - `int3`: x86 `smp_text_poke_batch_finish`: trap byte first, sync, tail,
 *   sync, first byte, sync.
 * - `concurrentModification`: arm64 without stop_machine when old and new
 *   are both on the CMODX list (Arm ARM B2.2.5), then `kick_all_cpus_sync`.
 * - `stopMachine`: every other CPU spins while one patches (arm64 otherwise,
 *   riscv `patch_text`).
 */
export type LivePatchProtocol = 'int3' | 'concurrentModification' | 'stopMachine';

/** An arch's text-patching rules. */
export interface PatchingRules {
  /** The protocol for code that may be executing. */
  readonly liveProtocol: LivePatchProtocol;
  /**
   * The largest naturally aligned store that replaces a whole instruction
   * so that a concurrent fetch sees the old or the new one, never a mix
   * (arm64: 4; RISC-V Ziccif: 4; x86: none is guaranteed, 0).
   */
  readonly atomicPatchBytes: number;
  /**
   * True when an instruction with these bytes may be concurrently
   * modified and executed (arm64: B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, NOP,
   * BRK, SVC, HVC, SMC, ISB); arches without such a list return false.
   */
  concurrentlyModifiable(bytes: Uint8Array): boolean;
  /**
   * True when {@link concurrentlyModifiable} is an architectural list
   * outside which concurrent modification and execution is undefined
   * (arm64 CMODX, Arm ARM B2.2.5): the machine then counts every fetch that
   * could return differing versions of an unlisted instruction as a hazard.
   * Default false.
   */
  readonly concurrentModificationList?: boolean;
  /**
   * The arch's jump label (`arch_static_branch` / `arch_static_branch_jump`),
   * as assembler text for its two states: a NOP, and a jump written as the
   * mnemonic to which the target address is appended. Both assemble to the
   * same length. Absent: the arch has no static keys.
   */
  readonly jumpLabel?: { readonly nop: string; readonly jump: string };
}
