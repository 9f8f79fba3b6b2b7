import { sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { bpfDataFileProgram, parseBpfDataFile, readBpfDataFile } from './bpfDataFile';
import { readBpfRawBytes } from './bpfRawReader';

describe('parseBpfDataFile', () => {
  it('splits sections, drops comments and ignored sections', () => {
    const file = parseBpfDataFile(
      [
        '# header comment',
        '-- c',
        'int f() { return 1; }',
        '-- asm',
        'mov %r0, 1 # one',
        'exit',
        '-- mem',
        '00 01 # two bytes',
        'ff0a',
        '-- result',
        '0x10 # sixteen',
        '-- no register offset',
      ].join('\n'),
      'x.data',
    );
    expect(file.asm).toEqual({ text: 'mov %r0, 1 # one\nexit', firstLine: 5 });
    expect([...file.mem]).toEqual([0, 1, 0xff, 0x0a]);
    expect(file.hasMem).toBe(true);
    expect(file.result).toBe(16n);
    expect(file.error).toBeUndefined();
    expect(bpfDataFileProgram(file)).toHaveLength(2);
  });

  it('reads decimal and negative results as unsigned 64-bit values, and error texts', () => {
    expect(parseBpfDataFile('-- result\n42\n').result).toBe(42n);
    expect(parseBpfDataFile('-- result\n-1\n').result).toBe((1n << 64n) - 1n);
    expect(
      parseBpfDataFile('-- error\nFailed to load code: unknown opcode 0x06 at PC 0\n').error,
    ).toBe('Failed to load code: unknown opcode 0x06 at PC 0');
  });

  it('prefers -- raw over -- asm', () => {
    const file = parseBpfDataFile(
      '-- asm\nmov %r0, 2\nexit\n-- raw\n0x00000001000000b7\n0x0000000000000095\n',
    );
    expect(bpfDataFileProgram(file)[0].imm).toBe(1);
  });

  it('rejects malformed sections with file and line', () => {
    expect(() => parseBpfDataFile('-- mem\n0g\n', 'm.data')).toThrow(/m.data:2: bad hex byte '0g'/);
    expect(() => parseBpfDataFile('-- result\n\n0xzz\n', 'r.data')).toThrow(
      /r.data:2: bad result '0xzz'/,
    );
    expect(() => parseBpfDataFile('-- asm\n-- asm\n', 'd.data')).toThrow(
      /d.data:2: section '-- asm' appears twice/,
    );
    expect(() => bpfDataFileProgram(parseBpfDataFile('-- result\n0\n', 'n.data'))).toThrow(
      /n.data: no '-- asm' or '-- raw'/,
    );
    const bad = parseBpfDataFile('# x\n-- asm\nmov %r0, 1\nfrob\n', 'b.data');
    expect(() => bpfDataFileProgram(bad)).toThrow(
      /b.data: EINVAL: line 4:1: unknown mnemonic 'frob'/,
    );
  });

  it('reads a shared file', () => {
    const file = readBpfDataFile(sharedPath('bpf-conformance', 'ldxw-all.data'));
    expect(file.mem).toHaveLength(40);
    expect(file.result).toBe(0x030f0fn);
  });
});

describe('raw words', () => {
  it('are little-endian slots with the opcode in the low byte', () => {
    expect([...readBpfRawBytes('0x5566778800000018 # lddw\n')]).toEqual([
      0x18, 0, 0, 0, 0x88, 0x77, 0x66, 0x55,
    ]);
  });

  it('reject a malformed word with line and column', () => {
    expect(() => readBpfRawBytes('0x95\n  0x1234567890abcdef0\n', { firstLine: 7 })).toThrow(
      /line 8:3: expected a 64-bit hex word/,
    );
  });
});
