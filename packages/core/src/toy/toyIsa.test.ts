import { describe, expect, it } from 'vitest';
import { FlatMemory, runToException } from '../flatMemory';
import { ExceptionCause, RegisterUse, RegisterUseFlag } from '../isa';
import { toBigint } from '../word64';
import { toyIsa } from './toyIsa';

const SAMPLE = `
start:
  li r1, 0x10        # counter
  lui r2, 1
  addi r3, r2, -8
loop:
  sub r1, r1, r4
  add r5, r5, r1
  bne r1, r0, loop
  ld r6, 0x20(r2)
  sw r6, -4(r15)
  amoadd r7, r6, (r2)
  ldx r8, 0x10(r2)
  stx r9, r8, (r2)
  beq r0, r0, done
  b start
done:
  br r3
  fence 15
  sync
  cache icivau, (r3)
  cache dccvau, (r2)
  trap 0x100
  svc 7
  eret
  mrs r1, 0x3
  msr 0x3, r1
  halt
  nop
  .word 0xdeadbeef
`;

describe('toyIsa', () => {
  it('disassembles what it assembled and reassembles the text to the same bytes', () => {
    const a = toyIsa.assemble(SAMPLE, { origin: 0x1000n });
    expect(a.bytes.length).toBe(4 * 26);
    expect(a.labels.get('loop')).toBe(12);
    const d = toyIsa.disassemble(a.bytes, { origin: 0x1000n });
    expect(d[5].text).toBe('bne r1, r0, 0x100c');
    expect(d[7].text).toBe('sw r6, -0x4(r15)');
    expect(d[25].text).toBe('.word 0xdeadbeef');
    expect(d[10].text).toBe('stx r9, r8, (r2)');
    const again = toyIsa.assemble(d.map((x) => x.text).join('\n'), { origin: 0x1000n });
    expect([...again.bytes]).toEqual([...a.bytes]);
  });

  it('decodes every 4-byte word either to null or to an instruction that round-trips', () => {
    const bytes = new Uint8Array(4);
    let valid = 0;
    for (let op = 0; op < 256; op++) {
      for (const rest of [
        0, 0x0000f000, 0x00000f00, 0x00010000, 0xffff0000, 0x7fff3400, 0x00051200,
      ]) {
        const word = (op | rest) >>> 0;
        new DataView(bytes.buffer).setUint32(0, word, true);
        const d = toyIsa.decode(bytes, 0, 4);
        if (!d) continue;
        valid++;
        const text = toyIsa.disassemble(bytes, { origin: 0x40000n })[0].text;
        expect([...toyIsa.assemble(text, { origin: 0x40000n }).bytes], text).toEqual([...bytes]);
      }
    }
    expect(valid).toBeGreaterThan(60);
    expect(toyIsa.decode(new Uint8Array([0, 0, 1, 0]), 0, 4)).toBeNull();
  });

  it('names line and column of bad input', () => {
    expect(() => toyIsa.assemble('nop\n  li r16, 1')).toThrow(
      /EINVAL: 2:6: "r16" is not a register/,
    );
    expect(() => toyIsa.assemble('  frob r1')).toThrow(/EINVAL: 1:3: unknown instruction "frob"/);
    expect(() => toyIsa.assemble('li r1, 70000')).toThrow(
      /1:8: "70000" is not an integer in -32768..32767/,
    );
    expect(() => toyIsa.assemble('b nowhere')).toThrow(/1:3: "nowhere" is not an integer/);
    expect(() => toyIsa.assemble('cache foo, (r1)')).toThrow(/1:7: "foo" is not a cache operation/);
    expect(() => toyIsa.assemble('nop r1')).toThrow(/1:5: unexpected operand "r1"/);
    expect(() => toyIsa.assemble('x:\nx: nop')).toThrow(/2:1: label "x" is defined twice/);
  });

  it('executes a loop with loads, stores and an atomic on a flat memory', () => {
    const code = toyIsa.assemble(`
      li r1, 5
      li r4, 1
      lui r2, 2          # r2 = 0x20000
    loop:
      add r5, r5, r1
      sub r1, r1, r4
      bne r1, r0, loop
      st r5, 0(r2)
      li r6, 100
      amoadd r7, r6, (r2)
      ld r8, 0(r2)
      lw r9, 4(r2)
      li r10, -1
      sw r10, 8(r2)
      ld r11, 8(r2)
      trap 0x42
    `);
    const mem = new FlatMemory();
    mem.write(0x1000, code.bytes);
    mem.map(0x20000, 4096);
    const s = toyIsa.createState();
    s.pc = 0x1000;
    const stop = runToException(toyIsa, s, mem);
    expect(stop.reason).toBe(ExceptionCause.Breakpoint);
    expect(stop.detail).toBe(0x42);
    const reg = (i: number) => toBigint(s.regs, 2 * i);
    expect(reg(5)).toBe(15n);
    expect(reg(7)).toBe(15n);
    expect(reg(8)).toBe(115n);
    expect(reg(9)).toBe(0n);
    expect(reg(11)).toBe(0xffffffffn);
  });

  it("describes each instruction's data flow for dependency tracking", () => {
    const use = new Uint32Array(RegisterUse.Length);
    const masks = (text: string) => {
      const { bytes } = toyIsa.assemble(text);
      toyIsa.registerUse!(toyIsa.decode(bytes, 0, 4)!.insn, use);
      return [...use];
    };
    const bit = (...rs: number[]) => rs.reduce((m, r) => m | (1 << r), 0);
    // [Sources, Address, Destinations, Loaded, Flags]
    expect(masks('ld r3, 8(r2)')).toEqual([bit(2), bit(2), bit(3), bit(3), 0]);
    expect(masks('sw r5, -4(r15)')).toEqual([bit(5, 15), bit(15), 0, 0, 0]);
    expect(masks('add r1, r2, r9')).toEqual([bit(2, 9), 0, bit(1), 0, 0]);
    expect(masks('amoadd r7, r6, (r2)')).toEqual([bit(2, 6), bit(2), bit(7), bit(7), 0]);
    expect(masks('stx r9, r8, (r2)')).toEqual([bit(2, 8), bit(2), bit(9), 0, 0]);
    expect(masks('bne r1, r4, 0')).toEqual([bit(1, 4), 0, 0, 0, RegisterUseFlag.Branch]);
    expect(masks('br r3')).toEqual([bit(3), 0, 0, 0, RegisterUseFlag.Branch]);
    expect(masks('b 0')).toEqual([0, 0, 0, 0, 0]);
    expect(masks('li r4, 1')).toEqual([0, 0, bit(4), 0, 0]);
    expect(masks('cache dccvau, (r2)')).toEqual([bit(2), bit(2), 0, 0, 0]);
  });
});
