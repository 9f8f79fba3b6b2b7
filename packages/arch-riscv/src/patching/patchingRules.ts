import type { PatchingRules } from '@execmem/core';
import { decode } from '../isa/decoder';

/**
 * The riscv text-patching rules: `patch_text()` runs under stop_machine
 * (arch/riscv/kernel/patch.c). Ziccif makes an aligned 32-bit store that
 * replaces one whole aligned 32-bit instruction atomic for a concurrent
 * fetch (the fetch sees the old or the new instruction), which is what
 * ftrace's concurrent patching of a 32-bit `jalr` relies on; a compressed
 * instruction or a pair of them is not one aligned 32-bit instruction.
 */
export const riscvPatchingRules: PatchingRules = {
  liveProtocol: 'stopMachine',
  atomicPatchBytes: 4,
  concurrentlyModifiable(bytes) {
    if (bytes.length !== 4) return false;
    const d = decode(bytes, 0, 4);
    return d !== null && d.length === 4;
  },
  // `.option norvc` in arch/riscv/include/asm/jump_label.h: both are 4 bytes.
  jumpLabel: { nop: 'nop', jump: 'j' },
};
