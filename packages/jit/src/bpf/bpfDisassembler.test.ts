import { type BpfInsn, encodeBpfProgram, makeBpfInsn } from '@execmem/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleBpf } from './bpfAssembler';
import { disassembleBpf, formatBpfInsn } from './bpfDisassembler';
import { checkBpfEncoding } from './bpfEncodingCheck';

const reg = fc.integer({ min: 0, max: 9 });
const anyReg = fc.integer({ min: 0, max: 10 });
const imm = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const off = fc.integer({ min: -0x8000, max: 0x7fff });

/** Every valid single-slot encoding family, with the fields its text form carries. */
const insn: fc.Arbitrary<BpfInsn> = fc.oneof(
  // ALU / ALU64, K and X, with the signed div/mod offset.
  fc
    .record({
      cls: fc.constantFrom(0x04, 0x07),
      op: fc.constantFrom(0x00, 0x10, 0x20, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0),
      x: fc.boolean(),
      dst: reg,
      src: anyReg,
      imm,
    })
    .map((f) =>
      makeBpfInsn({
        opcode: f.cls | f.op | (f.x ? 8 : 0),
        dst: f.dst,
        src: f.x ? f.src : 0,
        imm: f.x ? 0 : f.imm,
      }),
    ),
  fc
    .record({
      cls: fc.constantFrom(0x04, 0x07),
      op: fc.constantFrom(0x30, 0x90),
      x: fc.boolean(),
      signed: fc.boolean(),
      dst: reg,
      src: anyReg,
      imm,
    })
    .map((f) =>
      makeBpfInsn({
        opcode: f.cls | f.op | (f.x ? 8 : 0),
        dst: f.dst,
        src: f.x ? f.src : 0,
        imm: f.x ? 0 : f.imm,
        off: f.signed ? 1 : 0,
      }),
    ),
  fc
    .record({ cls: fc.constantFrom(0x04, 0x07), dst: reg })
    .map((f) => makeBpfInsn({ opcode: f.cls | 0x80, dst: f.dst })),
  fc
    .record({ wide: fc.boolean(), bits: fc.constantFrom(8, 16, 32), dst: reg, src: anyReg })
    .map((f) =>
      makeBpfInsn({
        opcode: (f.wide || f.bits === 32 ? 0x07 : 0x04) | 0xb8,
        dst: f.dst,
        src: f.src,
        off: f.bits,
      }),
    ),
  fc
    .record({
      opcode: fc.constantFrom(0xd4, 0xdc, 0xd7),
      width: fc.constantFrom(16, 32, 64),
      dst: reg,
    })
    .map((f) => makeBpfInsn({ opcode: f.opcode, dst: f.dst, imm: f.width })),
  // Conditional jumps, JMP and JMP32.
  fc
    .record({
      cls: fc.constantFrom(0x05, 0x06),
      op: fc.constantFrom(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0),
      x: fc.boolean(),
      dst: anyReg,
      src: anyReg,
      imm,
      off,
    })
    .map((f) =>
      makeBpfInsn({
        opcode: f.cls | f.op | (f.x ? 8 : 0),
        dst: f.dst,
        src: f.x ? f.src : 0,
        imm: f.x ? 0 : f.imm,
        off: f.off,
      }),
    ),
  off.map((o) => makeBpfInsn({ opcode: 0x05, off: o })),
  imm.map((i) => makeBpfInsn({ opcode: 0x06, imm: i })),
  imm.map((i) => makeBpfInsn({ opcode: 0x85, imm: i })),
  anyReg.map((r) => makeBpfInsn({ opcode: 0x8d, dst: r })),
  fc.constant(makeBpfInsn({ opcode: 0x95 })),
  // Legacy packet loads (RFC 9669 §5.5): ABS without, IND with a source register.
  fc
    .record({ size: fc.constantFrom(0x00, 0x08, 0x10, 0x18), ind: fc.boolean(), src: anyReg, imm })
    .map((f) =>
      makeBpfInsn({
        opcode: (f.ind ? 0x40 : 0x20) | f.size,
        src: f.ind ? f.src : 0,
        imm: f.imm,
      }),
    ),
  // Loads and stores.
  fc
    .record({
      size: fc.constantFrom(0x00, 0x08, 0x10, 0x18),
      sx: fc.boolean(),
      dst: reg,
      src: anyReg,
      off,
    })
    .map((f) =>
      makeBpfInsn({
        opcode: 0x01 | f.size | (f.sx && f.size !== 0x18 ? 0x80 : 0x60),
        dst: f.dst,
        src: f.src,
        off: f.off,
      }),
    ),
  fc
    .record({ size: fc.constantFrom(0x00, 0x08, 0x10, 0x18), dst: anyReg, off, imm })
    .map((f) => makeBpfInsn({ opcode: 0x62 | f.size, dst: f.dst, off: f.off, imm: f.imm })),
  fc
    .record({ size: fc.constantFrom(0x00, 0x08, 0x10, 0x18), dst: anyReg, src: anyReg, off })
    .map((f) => makeBpfInsn({ opcode: 0x63 | f.size, dst: f.dst, src: f.src, off: f.off })),
  fc
    .record({
      size: fc.constantFrom(0x00, 0x18),
      dst: anyReg,
      src: reg,
      off,
      op: fc.constantFrom(0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1),
    })
    .map((f) =>
      makeBpfInsn({ opcode: 0xc3 | f.size, dst: f.dst, src: f.src, off: f.off, imm: f.op }),
    ),
);

describe('disassembleBpf', () => {
  it('prints every encoding family so that assembleBpf gives the same bytes back', () => {
    fc.assert(
      fc.property(
        fc.array(insn, { minLength: 1, maxLength: 20 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (body, wide) => {
          const lddw = makeBpfInsn({
            opcode: 0x18,
            dst: 3,
            imm: Number(BigInt.asIntN(32, wide)),
            imm64Hi: Number(wide >> 32n),
          });
          const program = [...body, lddw, makeBpfInsn({ opcode: 0 })];
          const text = disassembleBpf(program);
          expect(encodeBpfProgram(assembleBpf(text))).toEqual(encodeBpfProgram(program));
        },
      ),
      { numRuns: 400, seed: 1 },
    );
  });

  it('labels local call targets', () => {
    const program = assembleBpf('call local f\nexit\nf:\nmov %r0, 1\nexit');
    expect(disassembleBpf(program)).toBe('call local fn2\nexit\nfn2:\nmov %r0, 1\nexit\n');
  });

  it('prints the lddw pseudo forms in RFC 9669 pseudocode, labelling code_addr targets', () => {
    const lines = [
      'lddw %r1, map_by_fd(3)',
      'lddw %r2, map_val(map_by_fd(3)) + 16',
      'lddw %r3, var_addr(0)',
      'lddw %r4, code_addr(fn12)',
      'lddw %r5, map_by_idx(1)',
      'lddw %r6, map_val(map_by_idx(0)) + 4294967295',
      'fn12:',
      'ldindh %r6, -3',
      'ldabsdw 8',
      'exit',
    ];
    const program = assembleBpf(lines.join('\n'));
    expect(disassembleBpf(program).trim().split('\n')).toEqual(lines);
    const bad = makeBpfInsn({ opcode: 0x18, dst: 1, src: 9 });
    expect(() => formatBpfInsn(bad, 2)).toThrow(
      /EINVAL: instruction 2: invalid source register for lddw: src 9/,
    );
  });

  it('prints what the suite writes', () => {
    const lines = [
      'lddw %r0, 0x1122334455667788',
      'ldxsw %r0, [%r10-4]',
      'lock fetch and32 [%r10-8], %r1',
      'movsx1632 %r0, %r1',
      'jsge32 %r1, -2, +3',
      'bswap64 %r0',
      'sdiv %r0, %r1',
      'call %r2',
    ];
    const program = assembleBpf(lines.join('\n'));
    expect(disassembleBpf(program).trim().split('\n')).toEqual(lines);
  });

  it('rejects unknown opcodes naming the slot', () => {
    const bad = makeBpfInsn({ opcode: 0xe7 });
    expect(() => formatBpfInsn(bad, 4)).toThrow(/EINVAL: instruction 4: unknown opcode 0xe7/);
    expect(() => checkBpfEncoding([bad])).toThrow(/instruction 0: unknown opcode 0xe7/);
  });
});
