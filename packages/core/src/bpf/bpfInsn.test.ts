import { describe, expect, it } from 'vitest';
import { decodeBpfProgram, encodeBpfProgram, makeBpfInsn } from './bpfInsn';
import { BPF_ALU64, BPF_DW, BPF_LDDW, BPF_LDX, BPF_MEM, BPF_MOV, BPF_X } from './bpfOpcodes';

describe('eBPF instruction codec', () => {
  it('decodes RFC 9669 §3 fields: dst in the low nibble, signed offset and immediate', () => {
    const bytes = Uint8Array.from([0x79, 0xa1, 0xf8, 0xff, 0xfe, 0xff, 0xff, 0xff]);
    const [insn] = decodeBpfProgram(bytes);
    expect(insn).toMatchObject({
      opcode: 0x79,
      cls: BPF_LDX,
      size: BPF_DW,
      mode: BPF_MEM,
      dst: 1,
      src: 10,
      off: -8,
      imm: -2,
    });
    expect(encodeBpfProgram([insn])).toEqual(bytes);
  });

  it('carries the lddw high half from the second slot and writes it back', () => {
    const bytes = Uint8Array.from([
      0x18, 0x03, 0, 0, 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11,
    ]);
    const program = decodeBpfProgram(bytes);
    expect(program[0]).toMatchObject({
      opcode: BPF_LDDW,
      dst: 3,
      imm: 0x55667788,
      imm64Hi: 0x11223344,
    });
    expect(encodeBpfProgram(program)).toEqual(bytes);
  });

  it('round-trips arbitrary slots', () => {
    const bytes = new Uint8Array(8 * 64);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    for (let i = 0; i < bytes.length; i += 8) if (bytes[i] === BPF_LDDW) bytes[i] = 0;
    expect(encodeBpfProgram(decodeBpfProgram(bytes))).toEqual(bytes);
  });

  it('rejects truncated images and out-of-range fields', () => {
    expect(() => decodeBpfProgram(new Uint8Array(7))).toThrow(/EINVAL: eBPF image length 7/);
    expect(() => decodeBpfProgram(Uint8Array.from([0x18, 0, 0, 0, 0, 0, 0, 0]))).toThrow(
      /instruction 0: lddw has no second slot/,
    );
    expect(() => makeBpfInsn({ opcode: BPF_ALU64 | BPF_MOV | BPF_X, dst: 16 })).toThrow(
      /ERANGE: eBPF dst 16/,
    );
    expect(() => makeBpfInsn({ opcode: 0x100 })).toThrow(/eBPF opcode 256/);
    expect(() => makeBpfInsn({ opcode: 0, off: 0x8000 })).toThrow(/eBPF off 32768/);
  });
});
