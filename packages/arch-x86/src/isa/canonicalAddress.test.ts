import { ExceptionCause, PROT_GLOBAL, PROT_READ, PROT_WRITE } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { DATA, reg, setReg, TEXT, x86Machine } from '../testing/x86Machine';
import { x86Arch } from '../x86Arch';
import { canonicalVa } from './canonicalAddress';
import { X86Vector } from './executor';

/** Runs `source` at TEXT on one CPU with `rax` set; returns the machine. */
function run(source: string, rax: bigint) {
  const m = x86Machine({ cpus: 1, text: x86Arch().isa.assemble(source).bytes });
  setReg(m, 0, 'rax', rax);
  m.start(0, TEXT);
  m.run({ maxSteps: 20 });
  return m;
}

describe('x86-64 canonical addresses (SDM Vol. 1 3.3.7.1)', () => {
  it('accepts bits 63:47 equal and nothing else', () => {
    expect(canonicalVa(0xfffff000, 0x00007fff)).toBe(0x7ffffffff000);
    expect(canonicalVa(0, 0xffff8000)).toBe(2 ** 48 + 2 ** 47);
    for (const hi of [0x00008000, 0x0000ffff, 0xffff0000, 0xffff7fff, 0x00010000])
      expect(canonicalVa(0, hi), hi.toString(16)).toBe(-1);
  });

  it('loads through a canonical upper-half address', () => {
    const m = run('mov (%rax),%rbx\nint3\n', DATA);
    expect(m.cpus[0].stopEvent?.cause).toBe(ExceptionCause.Breakpoint);
    expect(reg(m, 0, 'rbx')).toBe(0n);
  });

  it.each([0x0000800000000000n, 0xffff7ffffffff000n, 0xffff000000001000n, 0x0001000000000000n])(
    'raises #GP, not a page fault, on an access to non-canonical %s',
    (address) => {
      const load = run('mov (%rax),%rbx\nint3\n', address);
      expect(load.cpus[0].stopEvent).toMatchObject({
        cause: ExceptionCause.Protection,
        detail: X86Vector.GP,
        pc: load.kernel.toEngine(TEXT),
      });
      const jump = run('jmp *%rax\n', address);
      expect(jump.cpus[0].stopEvent).toMatchObject({
        cause: ExceptionCause.Protection,
        pc: jump.kernel.toEngine(TEXT),
      });
    },
  );

  it('cannot map a non-canonical address', () => {
    const m = x86Machine({ cpus: 1 });
    expect(() =>
      m.kernel.map(0x0000800000000000n, 0n, 0x1000n, PROT_READ | PROT_WRITE | PROT_GLOBAL),
    ).toThrow(/outside the canonical 48-bit addresses/);
  });
});
