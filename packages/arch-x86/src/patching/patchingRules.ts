/**
 * The x86-64 text-patching rules `jit` reads.
 *
 * @module
 */

import type { PatchingRules } from '@execmem/core';

/**
 * Live code is patched with the int3 protocol (`smp_text_poke_batch_finish()`,
 * arch/x86/kernel/alternative.c). No store size is guaranteed to replace an
 * instruction atomically for a concurrent fetch (instructions have any
 * length and alignment and the SDM's cross-modifying-code rule asks for
 * serialization), and the SDM has no list of instructions that may be
 * modified while another processor executes them.
 */
export const x86PatchingRules: PatchingRules = {
  liveProtocol: 'int3',
  atomicPatchBytes: 0,
  concurrentlyModifiable: () => false,
  // JUMP_TABLE_ENTRY in arch/x86/include/asm/jump_label.h: a 5-byte jmp and BYTES_NOP5.
  jumpLabel: { nop: '.byte 0x0f, 0x1f, 0x44, 0x00, 0x00', jump: 'jmp' },
};
