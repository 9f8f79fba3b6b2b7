/**
 * The instructions the int3 handler of the text-poke batch emulates
 * (arch/x86/include/asm/text-patching.h, `int3_emulate_*`).
 *
 * @module
 */

import { AccessKind, type Cpu, fail, vaHi, vaLo, vaWrap } from '@execmem/core';
import { canonicalVa } from '../isa/canonicalAddress';
import type { X86Insn } from '../isa/insn';
import { Op } from '../isa/insn';
import { conditionHolds } from '../isa/rflags';
import type { X86State } from '../isa/state';
import { x86Isa } from '../isa/x86Isa';

/** `POKE_MAX_OPCODE_SIZE`: the longest instruction the batch patches (a Jcc rel32). */
export const POKE_MAX_OPCODE_SIZE = 6;

const EMULATED: ReadonlySet<Op> = new Set([Op.Call, Op.Jmp, Op.Jcc, Op.Nop, Op.Ret, Op.Int3]);

/**
 * Decodes the new instruction of a patch site as `text_poke_loc_init()`
 * does: it must be exactly one CALL, JMP, Jcc, NOP, RET or INT3 of at most
 * {@link POKE_MAX_OPCODE_SIZE} bytes (the kernel BUG()s otherwise); `EINVAL`
 * naming the bytes.
 */
export function emulatedInsn(opcode: Uint8Array): X86Insn {
  const d = x86Isa.decode(opcode, 0, opcode.length);
  const hex = Buffer.from(opcode).toString('hex');
  if (opcode.length === 0 || opcode.length > POKE_MAX_OPCODE_SIZE) {
    fail('EINVAL', `patch ${hex}: ${opcode.length} bytes, not 1..${POKE_MAX_OPCODE_SIZE}`);
  }
  if (
    d === null ||
    d.length !== opcode.length ||
    !EMULATED.has(d.insn.op) ||
    (d.insn.op === Op.Ret && d.insn.immLo !== 0)
  ) {
    fail(
      'EINVAL',
      `patch ${hex} is not one CALL, JMP, Jcc, NOP, RET or INT3 the int3 handler can emulate`,
    );
  }
  return d.insn;
}

const RSP = 4;
const t = new Uint32Array(2);

/**
 * Emulates `insn`, patched at engine address `site`, on `cpu` as the int3
 * handler does: `int3_emulate_call` pushes the return address,
 * `int3_emulate_ret` pops it, JMP and a taken Jcc go to the target, NOP
 * and an untaken Jcc to the next instruction. Returns where execution
 * resumes, or -1 when the stack access faults or the site holds an INT3
 * (left to the next handler, as the kernel does).
 */
export function int3Emulate(cpu: Cpu<X86Insn, X86State>, insn: X86Insn, site: number): number {
  const regs = cpu.state.regs;
  const next = vaWrap(site + insn.length);
  const sp = canonicalVa(regs[2 * RSP], regs[2 * RSP + 1]);
  switch (insn.op) {
    case Op.Call: {
      const top = vaWrap(sp - 8);
      t[0] = vaLo(next);
      t[1] = vaHi(next);
      if (sp < 0 || !cpu.store(top, 8, t, 0, AccessKind.Plain)) return -1;
      regs[2 * RSP] = vaLo(top);
      regs[2 * RSP + 1] = vaHi(top);
      return vaWrap(next + insn.rel);
    }
    case Op.Ret: {
      if (sp < 0 || !cpu.load(sp, 8, t, 0, AccessKind.Plain)) return -1;
      const top = vaWrap(sp + 8);
      regs[2 * RSP] = vaLo(top);
      regs[2 * RSP + 1] = vaHi(top);
      return canonicalVa(t[0], t[1]);
    }
    case Op.Jmp:
      return vaWrap(next + insn.rel);
    case Op.Jcc:
      return conditionHolds(insn.cond, cpu.state.rflags) ? vaWrap(next + insn.rel) : next;
    case Op.Nop:
      return next;
    default:
      return -1;
  }
}
