/**
 * The A64 disassembler: the text `aarch64-linux-gnu-objdump -d` prints,
 * with white space collapsed and objdump's comments dropped.
 *
 * @module
 */
import type { DisassembledInsn, DisassembleOptions } from '@execmem/core';
import { findEncoding, readWord } from './decoder';

/** The normalized objdump text of one word at address `pc`. */
export function disassembleWord(word: number, pc: bigint): string {
  const w = word >>> 0;
  const encoding = findEncoding(w);
  const insn = encoding?.decode(w);
  if (!encoding || !insn) return `.inst 0x${w.toString(16).padStart(8, '0')}`;
  return encoding.print(insn, pc);
}

/** `Isa.disassemble` for A64: one entry per 4-byte word; trailing bytes print as objdump's `.byte`. */
export function disassembleArm64(
  bytes: Uint8Array,
  options: DisassembleOptions = {},
): DisassembledInsn[] {
  const origin = options.origin ?? 0n;
  const out: DisassembledInsn[] = [];
  let offset = 0;
  for (; offset + 4 <= bytes.length; offset += 4) {
    const text = disassembleWord(readWord(bytes, offset), origin + BigInt(offset));
    out.push({ offset, bytes: bytes.slice(offset, offset + 4), text });
  }
  for (; offset < bytes.length; offset++) {
    out.push({
      offset,
      bytes: bytes.slice(offset, offset + 1),
      text: `.byte 0x${bytes[offset].toString(16).padStart(2, '0')}`,
    });
  }
  return out;
}
