import type { DisassembledInsn, DisassembleOptions } from '@execmem/core';
import { expandCompressed } from './compressed';
import { instructionLength } from './instructionLength';
import { instructionText } from './instructionText';
import { riscvRegisterNames } from './registers';

/**
 * The disassembler: the text `riscv64-linux-gnu-objdump -d` prints for a
 * raw binary, normalized (white space collapsed, `# …` and `<…>`
 * comments dropped). Branch targets print as absolute `0x…` addresses,
 * as objdump prints them for a raw binary.
 */

const x = (r: number): string => riscvRegisterNames[r];

/**
 * objdump's text for a 16-bit parcel. Most print as their expansion; the
 * HINT encodings that write x0 (Unprivileged ISA, "RVC HINT Instructions")
 * and a few others print in their compressed spelling.
 */
function compressedText(p: number, pc: bigint): string | undefined {
  if (p === 0) return 'unimp';
  const rd = (p >>> 7) & 31;
  const rs2 = (p >>> 2) & 31;
  const imm6 = (((((p >>> 12) & 1) << 5) | rs2) << 26) >> 26;
  const shamt = (((p >>> 12) & 1) << 5) | rs2;
  const rdP = x(8 + ((p >>> 7) & 7));
  switch ((p & 3) * 8 + (p >>> 13)) {
    case 8:
      if (rd === 0 && imm6 !== 0) return `c.nop ${imm6}`;
      if (rd !== 0 && imm6 === 0) return `add ${x(rd)},${x(rd)},0`;
      break;
    case 10:
      if (rd === 0) return `c.li zero,${imm6}`;
      break;
    case 11:
      if (rd === 0 && imm6 !== 0) return `c.lui zero,0x${(imm6 & 0xfffff).toString(16)}`;
      if (rd === 2 && (p & 0x107c) === 0) return 'add sp,sp,0';
      break;
    case 12:
      // c.srli64 / c.srai64: the RV128 shift-by-64 forms, HINTs on RV64.
      if ((p & 0x107c) === 0 && ((p >>> 10) & 3) < 2) {
        return `${(p >>> 10) & 1 ? 'c.srai64' : 'c.srli64'} ${rdP}`;
      }
      break;
    case 16:
      if (shamt === 0) return `c.slli64 ${x(rd)}`;
      if (rd === 0) return `c.slli zero,0x${shamt.toString(16)}`;
      break;
    case 20:
      if (rs2 !== 0 && rd === 0) return `${(p >>> 12) & 1 ? 'c.add' : 'c.mv'} zero,${x(rs2)}`;
      if (rs2 !== 0 && !((p >>> 12) & 1)) return `mv ${x(rd)},${x(rs2)}`;
      break;
  }
  const word = expandCompressed(p);
  return word === -1 ? undefined : instructionText(word, pc);
}

function hexBytes(bytes: Uint8Array, at: number, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`0x${bytes[at + i].toString(16).padStart(2, '0')}`);
  return parts.join(', ');
}

/** Disassembles `bytes` in memory order as objdump does for a raw binary at `origin`. */
export function disassemble(
  bytes: Uint8Array,
  options: DisassembleOptions = {},
): DisassembledInsn[] {
  const origin = options.origin ?? 0n;
  const out: DisassembledInsn[] = [];
  let at = 0;
  while (at < bytes.length) {
    const pc = origin + BigInt(at);
    const p = bytes[at] | ((bytes[at + 1] ?? 0) << 8);
    const length = instructionLength(p);
    if (at + length > bytes.length) {
      // objdump cannot read the whole instruction (or parcel) at the end of the buffer.
      const address = BigInt.asUintN(64, pc).toString(16);
      out.push({
        offset: at,
        bytes: bytes.slice(at),
        text: `Address 0x${address} is out of bounds.`,
      });
      break;
    }
    let text: string | undefined;
    if (length === 2) text = compressedText(p, pc) ?? `.2byte 0x${p.toString(16)}`;
    else if (length === 4) {
      const w = (p | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
      text = instructionText(w, pc) ?? `.4byte 0x${w.toString(16)}`;
    } else if (length === 8) {
      let value = 0n;
      for (let i = 7; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]);
      text = `.8byte 0x${value.toString(16)}`;
    } else text = `.byte ${hexBytes(bytes, at, length)}`;
    out.push({ offset: at, bytes: bytes.slice(at, at + length), text });
    at += length;
  }
  return out;
}
