/**
 * The arm64 text-patching rules `jit` reads.
 *
 * @module
 */

import type { PatchingRules } from '@execmem/core';
import { cmodxClass, insnWord } from './cmodx';

/**
 * Current kernels' `aarch64_insn_patch_text()` always stops the machine
 * (older ones skipped it when old and new were both on the CMODX list and
 * kicked every CPU instead, FACTS §3); a naturally aligned 32-bit store
 * replaces one instruction atomically (Arm ARM B2.2.1).
 */
export const arm64PatchingRules: PatchingRules = {
  liveProtocol: 'stopMachine',
  atomicPatchBytes: 4,
  concurrentModificationList: true,
  concurrentlyModifiable(bytes) {
    const word = insnWord(bytes);
    return bytes.length === 4 && word >= 0 && cmodxClass(word) !== undefined;
  },
  jumpLabel: { nop: 'nop', jump: 'b' },
};
