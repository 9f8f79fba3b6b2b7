import { readdirSync } from 'node:fs';
import { encodeBpfProgram } from '@execmem/core';
import { sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { assembleBpf } from './bpfAssembler';
import { bpfDataFileProgram, readBpfDataFile } from './bpfDataFile';
import { disassembleBpf } from './bpfDisassembler';
import { formatBpfRaw, readBpfRaw } from './bpfRawReader';

const hexBytes = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const dir = sharedPath('bpf-conformance');
const files = readdirSync(dir).filter((f) => f.endsWith('.data'));

describe('assembler and disassembler round trip', () => {
  it.each(files)('%s', (name) => {
    const program = bpfDataFileProgram(readBpfDataFile(`${dir}/${name}`));
    const bytes = encodeBpfProgram(program);
    const text = disassembleBpf(program);
    expect(hexBytes(encodeBpfProgram(assembleBpf(text)))).toBe(hexBytes(bytes));
    expect(hexBytes(encodeBpfProgram(readBpfRaw(formatBpfRaw(bytes))))).toBe(hexBytes(bytes));
  });

  it('covers every mnemonic form of the README', () => {
    const source = `
      add %r1, %r2
      sub32 %r1, -1
      sdiv %r1, 3
      smod32 %r1, %r2
      neg %r3
      neg32 %r3
      movsx832 %r1, %r2
      movsx1664 %r1, %r2
      movsx3264 %r1, %r2
      be16 %r1
      le64 %r1
      bswap32 %r1
      ja +1
      ja32 -2
      jset32 %r1, 0x80000000, +0
      jsle %r1, %r2, -3
      call 5
      call %r2
      call local f
      lddw %r0, 0xfedcba9876543210
      ldxsh %r0, [%r1-2]
      ldxdw %r0, [%r10-512]
      stb [%r10-1], 0xff
      stxw [%r1+4], %r2
      lock add [%r1+8], %r2
      lock fetch xor32 [%r1], %r3
      lock xchg32 [%r1], %r3
      lock cmpxchg [%r1], %r3
    f:
      exit`;
    const program = assembleBpf(source);
    expect(program).toHaveLength(30);
    const again = assembleBpf(disassembleBpf(program));
    expect(hexBytes(encodeBpfProgram(again))).toBe(hexBytes(encodeBpfProgram(program)));
    // Spot-check encodings against RFC 9669 opcode tables.
    expect(program.map((i) => i.opcode.toString(16))).toEqual([
      'f',
      '14',
      '37',
      '9c',
      '87',
      '84',
      'bc',
      'bf',
      'bf',
      'dc',
      'd4',
      'd7',
      '5',
      '6',
      '46',
      'dd',
      '85',
      '8d',
      '85',
      '18',
      '0',
      '89',
      '79',
      '72',
      '63',
      'db',
      'c3',
      'c3',
      'db',
      '95',
    ]);
    expect(program[2].off).toBe(1);
    expect(program[6].off).toBe(8);
    expect(program[10].imm).toBe(64);
    expect(program[13].imm).toBe(-2);
    expect(program[17].dst).toBe(2);
    expect(program[18]).toMatchObject({ src: 1, imm: 10 });
    expect(program[19]).toMatchObject({ imm: 0x76543210, imm64Hi: 0xfedcba98 });
    expect(program[26].imm).toBe(0xa1);
    expect(program[27].imm).toBe(0xe1);
    expect(program[28].imm).toBe(0xf1);
  });

  it('encodes the legacy packet loads and the lddw pseudo forms of RFC 9669 §5.4 and §5.5', () => {
    const source = `
      ldabsb 1
      ldabsh -2
      ldabsw 0x10
      ldabsdw 8
      ldindb %r6, 0
      ldindh %r1, 4
      ldindw %r9, -1
      ldinddw %r3, 7
      lddw %r1, map_by_fd(3)
      lddw %r2, map_val(map_by_fd(3)) + 16
      lddw %r3, var_addr(2)
      lddw %r4, code_addr(f)
      lddw %r5, map_by_idx(1)
      lddw %r6, map_val( map_by_idx(0) )+0x20
      lddw %r7, map_val(map_by_idx(4))
    f:
      exit`;
    const program = assembleBpf(source);
    expect(program.slice(0, 8).map((i) => i.opcode.toString(16))).toEqual([
      '30',
      '28',
      '20',
      '38',
      '50',
      '48',
      '40',
      '58',
    ]);
    expect(program[1]).toMatchObject({ dst: 0, src: 0, off: 0, imm: -2 });
    expect(program[6]).toMatchObject({ dst: 0, src: 9, imm: -1 });
    const lddw = program.slice(8).filter((_, i) => i % 2 === 0 && i < 14);
    expect(lddw.map((i) => [i.src, i.imm, i.imm64Hi])).toEqual([
      [1, 3, 0],
      [2, 3, 16],
      [3, 2, 0],
      // code_addr counts like call local: slot 14 + 1 + 7 = 22, where f is.
      [4, 7, 0],
      [5, 1, 0],
      [6, 0, 0x20],
      [6, 4, 0],
    ]);
    // The second slot carries next_imm, as a loader reads it.
    expect(program[11].imm).toBe(16);
    const again = assembleBpf(disassembleBpf(program));
    expect(hexBytes(encodeBpfProgram(again))).toBe(hexBytes(encodeBpfProgram(program)));
  });

  it('accepts the explicit 64 suffix and mixed case', () => {
    const a = encodeBpfProgram(assembleBpf('add64 %r1, 2\njeq64 %r1, 0, +0\nMOV %r0, 0\nexit'));
    expect(a).toEqual(
      encodeBpfProgram(assembleBpf('add %r1, 2\njeq %r1, 0, +0\nmov %r0, 0\nexit')),
    );
  });

  it('resolves the undefined label exit to the next exit instruction', () => {
    const program = assembleBpf('jeq %r1, 0, exit\nmov %r0, 1\nexit\nmov %r0, 2\nexit');
    expect(program[0].off).toBe(1);
  });
});

describe('assembler errors name line and column', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown mnemonic', 'mov %r0, 1\n  frob %r1', /EINVAL: line 2:3: unknown mnemonic 'frob'/],
    ['bad register', 'mov %r11, 1', /line 1:5: expected a register %r0..%r10, found '%r11'/],
    [
      'immediate out of range',
      'exit\nmov %r0, 0x100000000',
      /line 2:10: immediate 0x100000000 is out of range/,
    ],
    [
      'lddw immediate out of range',
      'lddw %r0, 0x10000000000000000',
      /line 1:11: immediate .* is out of range/,
    ],
    ['undefined label', 'ja nowhere\nexit', /line 1:4: undefined label 'nowhere'/],
    ['duplicate label', 'a:\na:\nexit', /line 2:1: label 'a' defined twice/],
    ['operand count', 'exit %r0', /line 1:1: 'exit' takes 0 operand\(s\), found 1/],
    ['bad memory operand', 'ldxw %r0, %r1', /line 1:11: expected a memory operand/],
    ['jump too far', `ja +40000\nexit`, /line 1:4: jump offset 40000 does not fit 16 bits/],
    ['unknown atomic', 'lock sub [%r1], %r2', /line 1:1: unknown atomic operation 'lock sub'/],
    ['64-bit sign-extending load', 'ldxsdw %r0, [%r1]', /unknown mnemonic 'ldxsdw'/],
    ['ldabs with a register', 'ldabsw %r1, 4', /line 1:1: 'ldabsw' takes 1 operand\(s\), found 2/],
    ['ldind without a register', 'ldindb 4, 4', /line 1:8: expected a register/],
    ['map fd not a number', 'lddw %r1, map_by_fd(x)', /line 1:21: expected immediate, found 'x'/],
    [
      'map value offset negative',
      'lddw %r1, map_val(map_by_fd(1)) + -4',
      /line 1:35: map value offset -4 is out of range/,
    ],
    ['code_addr of no label', 'lddw %r1, code_addr(g)\nexit', /line 1:21: undefined label 'g'/],
  ];
  it.each(cases)('%s', (_, source, message) => {
    expect(() => assembleBpf(source)).toThrow(message);
  });

  it('reports file line numbers for a data file section', () => {
    expect(() => assembleBpf('exit\nbogus', { firstLine: 10 })).toThrow(/line 11:1/);
  });
});
