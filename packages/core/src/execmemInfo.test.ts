import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXECMEM_TYPES, execmemFillPattern, execmemInfoComplete, fillPattern } from './execmemInfo';

describe('fillPattern', () => {
  it('puts pattern[(va + i) % n] at every byte', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 5 }),
        fc.nat(1 << 20),
        fc.nat(300),
        (pattern, va, length) => {
          const dst = new Uint8Array(length);
          fillPattern(dst, va, pattern);
          expect([...dst]).toEqual(
            Array.from({ length }, (_, i) => pattern[(va + i) % pattern.length]),
          );
        },
      ),
    );
  });
});

describe('execmemInfoComplete', () => {
  it('lets missing types inherit the default range and keeps module data non-exec and out of the ROX cache', () => {
    const text = {
      start: 0xffffffffa0000000n,
      end: 0xfffffffffeffffffn,
      prot: 'kernelRox' as const,
      alignment: 4096,
      flags: { kasanShadow: true, roxCache: true },
    };
    const info = execmemInfoComplete({
      ranges: { moduleText: text, bpf: { ...text, fill: Uint8Array.of(0) } },
      trapFill: Uint8Array.of(0xcc),
      vmallocStart: 0xffffc90000000000n,
      vmallocEnd: 0xffffe8ffffffffffn,
    });
    expect(info.ranges.kprobes).toBe(text);
    expect(info.ranges.ftrace).toBe(text);
    expect(info.ranges.moduleData).toMatchObject({
      prot: 'kernel',
      start: text.start,
      flags: { roxCache: false, kasanShadow: true },
    });
    expect([...execmemFillPattern(info, 'bpf')]).toEqual([0]);
    expect([...execmemFillPattern(info, 'kprobes')]).toEqual([0xcc]);
    expect(EXECMEM_TYPES).toHaveLength(5);
    expect(info.reserved).toEqual([]);
  });
});
