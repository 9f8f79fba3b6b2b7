import { type Chooser, exploreMachine, type TrapEvent } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { x86FetchRules } from './fetchRules';
import type { X86Insn } from './isa/insn';
import type { X86State } from './isa/state';
import { x86Isa } from './isa/x86Isa';
import { smpTextPokeBatchFinish, smpTextPokeInt3Handler } from './patching/smpTextPokeBatch';
import { pokingInit, type TextPokeMm, textPoke } from './patching/textPoke';
import {
  ALIAS,
  DATA,
  reg,
  SITE_PAGE,
  setReg,
  TEXT,
  type X86Machine,
  x86Machine,
} from './testing/x86Machine';

/** Explores `build` to the end, prints the size of the search, and returns the distinct outcomes. */
function explorePrinted<R>(
  title: string,
  build: (c: Chooser) => X86Machine,
  outcome: (m: X86Machine) => R,
): R[] {
  const r = exploreMachine(build, outcome);
  expect(r.complete, r.message).toBe(true);
  console.log(
    `${title}: ${r.states} states, ${r.executions} executions, ${r.outcomes.size} outcomes`,
  );
  return [...r.outcomes.values()].map((o) => o.outcome);
}

/**
 * Cross-modifying code (SDM "Handling Self- and Cross-Modifying Code"):
 * CPU 0 stores the new immediate of `mov $0x1,%r9d` at SITE through the
 * writable alias, then sets the flag; CPU 1 waits for the flag, runs
 * `sync` and jumps to SITE. The outcome is CPU 1's r9: 1 old, 2 new.
 */
function crossModify(sync: string): bigint[] {
  const writer = 'movb $0x2,0x2(%rsi)\nmovl $0x1,(%rdi)\nud2\n.p2align 6\n';
  const reader = `1: mov (%rdi),%eax\ntest %eax,%eax\nje 1b\n${sync}\njmp *%rsi\n`;
  const text = x86Isa.assemble(writer + reader).bytes;
  const site = x86Isa.assemble('mov $0x1,%r9d\nud2\n').bytes;
  const build = (chooser: Chooser) => {
    const m = x86Machine({ cpus: 2, chooser, text, site });
    setReg(m, 0, 'rsi', ALIAS);
    setReg(m, 1, 'rsi', SITE_PAGE);
    for (const c of [0, 1]) setReg(m, c, 'rdi', DATA);
    m.start(0, TEXT);
    m.start(1, TEXT + 64n);
    return m;
  };
  return explorePrinted(`cross-modifying code, reader runs "${sync || 'nothing'}"`, build, (m) =>
    reg(m, 1, 'r9'),
  ).sort();
}

/** Offset of the patch site in SITE_PAGE: 14, so its 5 bytes span two 16-byte fetch blocks. */
const SITE_OFFSET = 14;
/** The ftrace-style 5-byte NOP the site starts as. */
const OLD = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);

/**
 * CPU 1 runs the site twice; it holds a 5-byte NOP (fall through: r8++)
 * that CPU 0 replaces by `jmp` to a second path (r9++). CPU 1 ends at UD2
 * at offset `end`.
 */
function siteProgram() {
  const source = [
    'mov $0x2,%ecx',
    'again: jmp site',
    'back: inc %r8',
    'cont: dec %ecx',
    'jne again',
    'done: ud2',
    'newpath: inc %r9',
    'jmp cont',
    '.p2align 4',
    ...Array.from({ length: SITE_OFFSET }, () => 'int3'),
    'site: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00',
    'jmp back',
  ].join('\n');
  const a = x86Isa.assemble(source);
  const at = (l: string) => a.labels.get(l) ?? -1;
  expect(at('site') % 16).toBe(SITE_OFFSET);
  const rel = at('newpath') - (at('site') + 5);
  const jmp = Uint8Array.of(
    0xe9,
    rel & 0xff,
    (rel >> 8) & 0xff,
    (rel >> 16) & 0xff,
    (rel >>> 24) & 0xff,
  );
  expect(a.bytes.subarray(at('site'), at('site') + 5)).toEqual(OLD);
  return { bytes: a.bytes, site: SITE_PAGE + BigInt(at('site')), done: at('done'), jmp };
}

interface SiteOutcome {
  readonly fallThrough: bigint;
  readonly jumped: bigint;
  readonly torn: boolean;
  /** Exceptions CPU 1 took besides the final one: INT3 hits the handler emulated. */
  readonly int3: number;
  /** Where CPU 1 stopped, as an offset in SITE_PAGE, or -1 when it stopped on a fault elsewhere. */
  readonly stop: string;
}

/** The text-poking state of an x86 machine. */
type X86TextPoke = TextPokeMm<X86Insn, X86State>;

/** Runs the site program on CPU 1 while CPU 0, on taking an IPI, runs `patch`. */
function patchRunningSite(
  title: string,
  patch: (tp: X86TextPoke, site: bigint, jmp: Uint8Array) => void,
  int3Handler: boolean,
): SiteOutcome[] {
  const p = siteProgram();
  const build = (chooser: Chooser) => {
    const handler = (e: TrapEvent) => smpTextPokeInt3Handler(tp, e);
    const m = x86Machine({
      cpus: 2,
      chooser,
      site: p.bytes,
      ...(int3Handler ? { onTrap: handler } : {}),
    });
    const tp = pokingInit(m);
    m.ipis.send(0, () => patch(tp, p.site, p.jmp));
    m.start(1, SITE_PAGE);
    return m;
  };
  return explorePrinted(title, build, (m): SiteOutcome => {
    const e = m.cpus[1].stopEvent;
    const where = e ? e.pc - m.kernel.toEngine(SITE_PAGE) : -1;
    return {
      fallThrough: reg(m, 1, 'r8'),
      jumped: reg(m, 1, 'r9'),
      torn: m.counters.get('tornFetches') > 0,
      int3: m.counters.get('exceptions') - 1,
      stop: where === p.done ? 'ud2 at the end' : `${String(e?.cause)} at offset ${where}`,
    };
  });
}

describe('x86-64 fetch rules under the exhaustive explorer (issue 4, Must show)', () => {
  it('states the SDM rules as data', () => {
    expect(x86FetchRules()).toMatchObject({ name: 'x86-64 SDM', fetchBlock: 16, cacheOps: [] });
  });

  it('cross-modifying code without serialization can run the old bytes', () => {
    expect(crossModify('')).toEqual([1n, 2n]);
  });

  it('with CPUID (or SERIALIZE) after the flag it cannot', () => {
    expect(crossModify('cpuid')).toEqual([2n]);
    expect(crossModify('serialize')).toEqual([2n]);
  });

  it('MFENCE and LFENCE do not serialize instruction fetch', () => {
    expect(crossModify('mfence\nlfence')).toEqual([1n, 2n]);
  });

  it('a naive 5-byte overwrite of an instruction another CPU executes can be torn', () => {
    const outcomes = patchRunningSite(
      'naive text_poke of a 5-byte site across two fetch blocks',
      (tp, site, jmp) => textPoke(tp, 0, site, jmp),
      false,
    );
    const torn = outcomes.filter((o) => o.torn);
    expect(torn.length).toBeGreaterThan(0);
    // A mix of the two is neither the NOP nor the JMP: CPU 1 goes astray.
    expect(outcomes.some((o) => o.stop !== 'ud2 at the end')).toBe(true);
    expect(torn.every((o) => o.stop !== 'ud2 at the end')).toBe(true);
  });

  it('the int3 protocol never exposes torn bytes: every run sees the old or the new instruction', () => {
    const outcomes = patchRunningSite(
      'int3 batch over a 5-byte site across two fetch blocks',
      (tp, site, jmp) => {
        smpTextPokeBatchFinish(tp, 0, [{ addr: site, opcode: jmp }]);
      },
      true,
    );
    for (const o of outcomes) {
      expect(o.torn).toBe(false);
      expect(o.stop).toBe('ud2 at the end');
      expect(o.fallThrough + o.jumped).toBe(2n);
    }
    // Both instructions are seen, the switch happens at most once, and CPUs
    // reaching the site mid-patch had the handler emulate the new JMP.
    expect(new Set(outcomes.map((o) => o.jumped))).toEqual(new Set([0n, 1n, 2n]));
    expect(outcomes.some((o) => o.int3 > 0)).toBe(true);
  });
});
