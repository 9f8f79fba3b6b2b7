import { fail } from '../errors';
import {
  BPF_CLASS_MASK,
  BPF_INSN_SIZE,
  BPF_LDDW,
  BPF_MODE_MASK,
  BPF_OP_MASK,
  BPF_SIZE_MASK,
  BPF_SRC_MASK,
} from './bpfOpcodes';

/**
 * One decoded eBPF instruction slot (RFC 9669 §3). A program is an array
 * with one entry per 8-byte slot, so an index is a program counter and
 * jump offsets count entries; `lddw` fills two entries, the second being
 * its raw continuation slot.
 */
export interface BpfInsn {
  /** The whole opcode byte. */
  readonly opcode: number;
  /** `opcode & BPF_CLASS_MASK` (`BPF_ALU64`, `BPF_JMP`, …). */
  readonly cls: number;
  /** `opcode & BPF_OP_MASK`: the operation of arithmetic and jump classes. */
  readonly op: number;
  /** `opcode & BPF_SRC_MASK`: `BPF_K` or `BPF_X` (`BPF_TO_LE`/`BPF_TO_BE` for `BPF_END`). */
  readonly source: number;
  /** `opcode & BPF_SIZE_MASK`: the access size of load and store classes. */
  readonly size: number;
  /** `opcode & BPF_MODE_MASK`: the mode of load and store classes. */
  readonly mode: number;
  /** Destination register number (0–15 as encoded; valid programs use 0–10). */
  readonly dst: number;
  /** Source register number (0–15 as encoded). */
  readonly src: number;
  /** Signed 16-bit offset. */
  readonly off: number;
  /** Signed 32-bit immediate; for `lddw`, the low half of the 64-bit immediate. */
  readonly imm: number;
  /** For `lddw`, the high half of the 64-bit immediate (the next slot's `imm`), unsigned; else 0. */
  readonly imm64Hi: number;
}

/** The fields {@link makeBpfInsn} needs; the opcode's sub-fields are derived. */
export interface BpfInsnFields {
  /** The whole opcode byte. */
  readonly opcode: number;
  /** Destination register number. */
  readonly dst?: number;
  /** Source register number. */
  readonly src?: number;
  /** Signed 16-bit offset. */
  readonly off?: number;
  /** Signed 32-bit immediate (low half for `lddw`). */
  readonly imm?: number;
  /** High half of the `lddw` immediate. */
  readonly imm64Hi?: number;
}

/**
 * Builds a {@link BpfInsn}, checking that every field fits its encoding.
 * Throws `ERANGE` naming the field and value otherwise.
 */
export function makeBpfInsn(fields: BpfInsnFields): BpfInsn {
  const { opcode, dst = 0, src = 0, off = 0, imm = 0, imm64Hi = 0 } = fields;
  checkField('opcode', opcode, 0, 0xff);
  checkField('dst', dst, 0, 15);
  checkField('src', src, 0, 15);
  checkField('off', off, -0x8000, 0x7fff);
  checkField('imm', imm, -0x80000000, 0xffffffff);
  checkField('imm64Hi', imm64Hi, -0x80000000, 0xffffffff);
  return {
    opcode,
    cls: opcode & BPF_CLASS_MASK,
    op: opcode & BPF_OP_MASK,
    source: opcode & BPF_SRC_MASK,
    size: opcode & BPF_SIZE_MASK,
    mode: opcode & BPF_MODE_MASK,
    dst,
    src,
    off,
    imm: imm | 0,
    imm64Hi: imm64Hi >>> 0,
  };
}

function checkField(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail('ERANGE', `eBPF ${name} ${value} is outside ${min}..${max}`);
  }
}

/**
 * Decodes a little-endian eBPF byte image (RFC 9669 §3: opcode byte, then
 * dst in the low and src in the high nibble, then offset and immediate).
 * `lddw` also reads the next slot's `imm` into `imm64Hi`; the opcode is
 * not validated here (that is the verifier's job). Throws `EINVAL` when
 * the length is not a multiple of 8 or a `lddw` has no second slot.
 */
export function decodeBpfProgram(bytes: Uint8Array): BpfInsn[] {
  if (bytes.length % BPF_INSN_SIZE !== 0) {
    fail('EINVAL', `eBPF image length ${bytes.length} is not a multiple of ${BPF_INSN_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.length / BPF_INSN_SIZE;
  const program: BpfInsn[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * BPF_INSN_SIZE;
    const opcode = view.getUint8(at);
    let imm64Hi = 0;
    if (opcode === BPF_LDDW) {
      if (i + 1 >= count) fail('EINVAL', `instruction ${i}: lddw has no second slot`);
      imm64Hi = view.getUint32(at + BPF_INSN_SIZE + 4, true);
    }
    const regs = view.getUint8(at + 1);
    program.push(
      makeBpfInsn({
        opcode,
        dst: regs & 0xf,
        src: regs >>> 4,
        off: view.getInt16(at + 2, true),
        imm: view.getInt32(at + 4, true),
        imm64Hi,
      }),
    );
  }
  return program;
}

/** Writes one slot of `insn` into `out` at byte `at` (the inverse of the decoder's per-slot step). */
export function encodeBpfInsn(insn: BpfInsn, out: Uint8Array, at: number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint8(at, insn.opcode);
  view.setUint8(at + 1, (insn.src << 4) | insn.dst);
  view.setInt16(at + 2, insn.off, true);
  view.setInt32(at + 4, insn.imm, true);
}

/**
 * Encodes a program to its little-endian byte image. A `lddw` slot's
 * `imm64Hi` is what reaches the image for the next slot's `imm`, so the
 * two always agree.
 */
export function encodeBpfProgram(program: readonly BpfInsn[]): Uint8Array {
  const out = new Uint8Array(program.length * BPF_INSN_SIZE);
  const view = new DataView(out.buffer);
  for (let i = 0; i < program.length; i++) {
    encodeBpfInsn(program[i], out, i * BPF_INSN_SIZE);
  }
  for (let i = 0; i + 1 < program.length; i++) {
    if (program[i].opcode === BPF_LDDW) {
      view.setUint32((i + 1) * BPF_INSN_SIZE + 4, program[i].imm64Hi, true);
      i++;
    }
  }
  return out;
}
