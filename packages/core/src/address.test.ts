import { describe, expect, it } from 'vitest';
import { vaFromBigint, vaFromWords, vaHi, vaLo, vaToBigint, vaWrap } from './address';
import { isExecmemError } from './errors';

describe('engine addresses', () => {
  it('round-trip canonical kernel and user addresses', () => {
    for (const a of [0n, 0x400000n, 0x7fffffffffffn, 0xffff888000000000n, 0xffffffffa0000000n]) {
      const va = vaFromBigint(a);
      expect(va).toBeLessThan(2 ** 48);
      expect(vaToBigint(va)).toBe(a);
      expect(vaFromWords(vaLo(va), vaHi(va))).toBe(va);
    }
  });

  it('rejects non-canonical addresses with EINVAL naming the value', () => {
    expect(() => vaFromBigint(0x0000800000000000n)).toThrow(/0x800000000000/);
    try {
      vaFromBigint(0x1234000000000000n);
    } catch (e) {
      expect(isExecmemError(e, 'EINVAL')).toBe(true);
    }
    expect(vaFromWords(0, 0x00008000)).toBe(-1);
  });

  it('wraps address arithmetic into the 48-bit span', () => {
    expect(vaWrap(-1)).toBe(2 ** 48 - 1);
    expect(vaWrap(2 ** 48 + 5)).toBe(5);
  });
});
