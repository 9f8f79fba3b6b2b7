import { type Chooser, exploreMachine } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { riscvFetchRules } from './fetchRules';
import { riscvArch } from './riscvArch';
import {
  DATA,
  instr,
  type RiscvMachine,
  type RiscvProgram,
  reg,
  riscvMachine,
  tornFetches,
} from './testing/riscvMachine';

/** Explores every behaviour of `program`, prints the states explored, and returns the outcome keys. */
function explorePrinted<R>(
  title: string,
  program: RiscvProgram,
  outcome: (m: RiscvMachine) => R,
): Set<string> {
  const r = exploreMachine((c: Chooser) => riscvMachine(program, c), outcome);
  expect(r.complete, r.message).toBe(true);
  console.log(
    `${title}: ${r.states} states, ${r.executions} executions, ${r.outcomes.size} outcomes`,
  );
  return new Set(r.outcomes.keys());
}

const key = (o: Record<string, bigint | number>) =>
  JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));

/** Hart 0 replaces hart 1's `li s0, 1` at `mod` with `li s0, 2`, then sets the flag; hart 1 reads the flag, then runs `mod`. */
function flagProgram(writer: string, reader: string, ziccid = false): RiscvProgram {
  return {
    threads: [writer, `lw s2, 0(a2)\n${reader}\nmod:\nli s0, 1`],
    registers: (label) => [
      { t0: instr('li s0, 2'), a1: label(1, 'mod'), a2: DATA, t1: 1n },
      { a2: DATA },
    ],
    ziccid,
  };
}
const flagOutcome = (m: RiscvMachine) => ({ flag: reg(m, 1, 's2'), s0: reg(m, 1, 's0') });
const sawFlagRanOld = key({ flag: 1n, s0: 1n });

describe('riscv64 fetch rules under the exhaustive explorer', () => {
  it('names the Ziccid variant and keeps Ziccif 4-byte atomic fetch blocks', () => {
    expect(riscvFetchRules().fetchBlock).toBe(4);
    expect(riscvArch().cpuProfile.fetchBlockSize).toBe(4);
    expect(riscvFetchRules().staleness).toBe('untilInvalidated');
    expect(riscvFetchRules({ ziccid: true }).staleness).toBe('untilContextSync');
    expect(riscvFetchRules({ ziccid: true }).name).toMatch(/Ziccid/);
    expect(riscvFetchRules().fetchOrder).toBe('free');
    expect(riscvFetchRules({ ziccid: true }).fetchOrder).toBe('programOrder');
    expect(riscvFetchRules().exceptionSyncs).toBe(false);
  });

  for (const ziccid of [false, true]) {
    const model = ziccid ? 'Ziccid' : 'Ziccif-only';
    it(`${model}: the writer's fence.i before the flag does not make the other hart safe`, () => {
      const outcomes = explorePrinted(
        `writer fence.i + flag (${model})`,
        flagProgram('sw t0, 0(a1)\nfence.i\nsw t1, 0(a2)', '', ziccid),
        flagOutcome,
      );
      expect(outcomes).toContain(sawFlagRanOld);
      expect(outcomes).toContain(key({ flag: 1n, s0: 2n }));
    });

    it(`${model}: a fence.i on the other hart after it observes the flag does`, () => {
      const outcomes = explorePrinted(
        `reader fence.i after the flag (${model})`,
        flagProgram('sw t0, 0(a1)\nfence w,w\nsw t1, 0(a2)', 'fence.i', ziccid),
        flagOutcome,
      );
      expect(outcomes).not.toContain(sawFlagRanOld);
      expect(outcomes).toContain(key({ flag: 1n, s0: 2n }));
      expect(outcomes).toContain(key({ flag: 0n, s0: 1n }));
    });
  }

  /**
   * CoFF (litmus-tests-riscv-ifetch): hart 0 replaces `li t6, 1` at `mod`
   * by `li t6, 2`; hart 1 calls `mod` twice, keeping t6 after each call in
   * s0 and s1. New then old (s0 = 2, s1 = 1) needs two fetches of one
   * location out of order.
   */
  function coFF(ziccid: boolean): RiscvProgram {
    return {
      threads: [
        'sw t0, 0(a1)',
        'jal mod\nmv s0, t6\njal mod\nmv s1, t6\nj end\nmod:\nli t6, 1\njr ra\nend:',
      ],
      registers: (label) => [{ t0: instr('li t6, 2'), a1: label(1, 'mod') }, {}],
      ziccid,
    };
  }

  /**
   * MP.FF (litmus-tests-riscv-ifetch): hart 0 replaces `li s1, 1` at `mod1`
   * by a NOP, orders the stores with `fence w,w`, then replaces `li s0, 1`
   * at `mod0`; hart 1 runs `mod0` then `mod1`. New first, old second
   * (s0 = 0, s1 = 1) needs fetches out of program order.
   */
  function mpFF(ziccid: boolean): RiscvProgram {
    return {
      threads: ['sw t0, 0(a2)\nfence w,w\nsw t0, 0(a1)', 'mod0:\nli s0, 1\nmod1:\nli s1, 1'],
      registers: (label) => [{ t0: instr('nop'), a1: label(1, 'mod0'), a2: label(1, 'mod1') }, {}],
      ziccid,
    };
  }
  const newThenOld = key({ s0: 2n, s1: 1n });
  const mpNewThenOld = key({ s0: 0n, s1: 1n });
  const s0s1 = (m: RiscvMachine) => ({ s0: reg(m, 1, 's0'), s1: reg(m, 1, 's1') });

  it('Ziccif-only: fetches are not ordered, so CoFF and MP.FF are Allowed', () => {
    expect(explorePrinted('CoFF (Ziccif-only)', coFF(false), s0s1)).toContain(newThenOld);
    expect(explorePrinted('MP.FF (Ziccif-only)', mpFF(false), s0s1)).toContain(mpNewThenOld);
  });

  it('Ziccid: fetches are in program order, so CoFF and MP.FF are Forbidden', () => {
    const co = explorePrinted('CoFF (Ziccid)', coFF(true), s0s1);
    expect(co).not.toContain(newThenOld);
    // Old twice, new twice and old then new all remain.
    for (const o of [key({ s0: 1n, s1: 1n }), key({ s0: 2n, s1: 2n }), key({ s0: 1n, s1: 2n })])
      expect(co).toContain(o);
    const mp = explorePrinted('MP.FF (Ziccid)', mpFF(true), s0s1);
    expect(mp).not.toContain(mpNewThenOld);
    expect([...mp].sort()).toEqual(
      [key({ s0: 1n, s1: 1n }), key({ s0: 1n, s1: 0n }), key({ s0: 0n, s1: 0n })].sort(),
    );
  });

  /**
   * MP.RF+fence.w.w+ctrl-jr (litmus-tests-riscv-ifetch): hart 0 rewrites
   * `li s0, 2` at `new` to `li s0, 3`, then publishes `new` as the pointer
   * (initially `end`); hart 1 jumps through it.
   */
  function jumpProgram(ziccid: boolean, readerSync: string): RiscvProgram {
    return {
      threads: [
        'sw t0, 0(a1)\nfence w,w\nsd a1, 0(a2)',
        `ld s1, 0(a2)\n${readerSync}\njr s1\nnew:\nli s0, 2\nend:`,
      ],
      registers: (label) => [
        { t0: instr('li s0, 3'), a1: label(1, 'new'), a2: DATA },
        { a2: DATA },
      ],
      data: (label) => ({ 0: label(1, 'end') }),
      ziccid,
    };
  }
  const jumpOutcome = (m: RiscvMachine) => ({ s0: reg(m, 1, 's0') });

  for (const ziccid of [false, true]) {
    const model = ziccid ? 'Ziccid' : 'Ziccif-only';
    it(`${model}: a jump through a freshly published pointer without fence.i may run the old code`, () => {
      const outcomes = explorePrinted(
        `jump through a published pointer (${model})`,
        jumpProgram(ziccid, ''),
        jumpOutcome,
      );
      expect(outcomes).toContain(key({ s0: 2n }));
      expect(outcomes).toContain(key({ s0: 3n }));
    });

    it(`${model}: with fence.i between the load and the jump it runs only the new code`, () => {
      const outcomes = explorePrinted(
        `jump after fence.i (${model})`,
        jumpProgram(ziccid, 'fence.i'),
        jumpOutcome,
      );
      expect([...outcomes].sort()).toEqual([key({ s0: 0n }), key({ s0: 3n })]);
    });
  }

  /** Little-endian 32-bit words of `source` assembled with compressed forms. */
  function rvcWords(source: string): bigint[] {
    const { bytes } = riscvArch().isa.assemble(source);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return [view.getUint32(0, true), view.getUint32(4, true)].map(BigInt);
  }

  it('Ziccif: a 32-bit instruction spanning a 4-byte boundary, rewritten by two aligned stores, is reported torn', () => {
    // c.nop at +0, the 32-bit addi at +2..+6 across the fetch blocks at +0 and +4, c.li at +6.
    const old = 'top:\nnop\nli s0, 0x123\nli s1, 7';
    const [w0, w1] = rvcWords('nop\nli s1, 0x456\nli s1, 7');
    const program: RiscvProgram = {
      threads: ['sw t0, 0(a1)\nsw t1, 4(a1)', old],
      registers: (label) => [{ t0: w0, t1: w1, a1: label(1, 'top') }, {}],
      compressed: true,
    };
    const outcomes = explorePrinted('straddling instruction rewritten', program, (m) => ({
      s0: reg(m, 1, 's0'),
      s1: reg(m, 1, 's1'),
      torn: tornFetches(m),
    }));
    // The old or the new instruction, fetched whole or from blocks that coexisted.
    expect(outcomes).toContain(key({ s0: 0x123n, s1: 7n, torn: 0 }));
    expect(outcomes).toContain(key({ s0: 0n, s1: 7n, torn: 0 }));
    // Old low half (rd = s0) with the new high half (imm 0x456): never in memory at one instant.
    expect(outcomes).toContain(key({ s0: 0x456n, s1: 7n, torn: 1 }));
  });

  it('Ziccif: an aligned 32-bit instruction replaced by one aligned store is never torn', () => {
    const program: RiscvProgram = {
      threads: ['sw t0, 0(a1)', 'top:\nli s0, 0x123'],
      registers: (label) => [{ t0: instr('li s1, 0x456'), a1: label(1, 'top') }, {}],
    };
    const outcomes = explorePrinted('aligned instruction rewritten', program, (m) => ({
      s0: reg(m, 1, 's0'),
      s1: reg(m, 1, 's1'),
      torn: tornFetches(m),
    }));
    expect([...outcomes].sort()).toEqual(
      [key({ s0: 0x123n, s1: 0n, torn: 0 }), key({ s0: 0n, s1: 0x456n, torn: 0 })].sort(),
    );
  });

  it('a hart that rewrites its own next instruction runs the old one unless it runs fence.i (SM, SM+fencei)', () => {
    const selfModifying = (sync: string) =>
      explorePrinted(
        `self-modifying code${sync ? ' + fence.i' : ''}`,
        {
          threads: [`sw t0, 0(a1)\n${sync}\nmod:\nli s0, 1`],
          registers: (label) => [{ t0: instr('nop'), a1: label(0, 'mod') }],
        },
        (m) => reg(m, 0, 's0'),
      );
    expect([...selfModifying('')].sort()).toEqual(['"0n"', '"1n"']);
    expect([...selfModifying('fence.i')]).toEqual(['"0n"']);
  });
});
