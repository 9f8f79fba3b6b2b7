import { describe, expect, it } from 'vitest';
import { knownArches } from '../arches';
import { staticKeyProgram } from './staticKeyProgram';

const ORIGIN = 0xffff_ffff_c000_1000n;

describe('staticKeyProgram', () => {
  it.each(knownArches.map((a) => a.name))(
    'on %s has a NOP site whose jump skips the increment',
    (name) => {
      const isa = knownArches.find((a) => a.name === name)!.arch({}).isa;
      const key = staticKeyProgram(name, isa, ORIGIN);
      expect(key.nop.length).toBe(key.jump.length);
      expect([...key.code.subarray(key.siteOffset, key.siteOffset + key.nop.length)]).toEqual([
        ...key.nop,
      ]);
      const site = ORIGIN + BigInt(key.siteOffset);
      const [nop] = isa.disassemble(key.nop, { origin: site });
      const [jump] = isa.disassemble(key.jump, { origin: site });
      expect(nop.text).toMatch(/^(nop|xchg %ax,%ax)/);
      // The jump lands on the instruction after the increment, inside the loop.
      const all = isa.disassemble(key.code, { origin: ORIGIN });
      const increment = all.findIndex((i) => i.offset === key.siteOffset + key.nop.length);
      const skip = ORIGIN + BigInt(all[increment + 1].offset);
      expect(jump.text).toContain(skip.toString(16));
      expect(key.code.length).toBeLessThan(64);
    },
  );

  it('refuses an arch without a template', () => {
    const isa = knownArches[0].arch({}).isa;
    expect(() => staticKeyProgram('toy', isa, ORIGIN)).toThrow(/toy/);
  });
});
