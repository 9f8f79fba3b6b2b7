import { RegisterUse, RegisterUseFlag } from '@execmem/core';
import { checkRegisterUse } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { arm64Isa } from './arm64Isa';
import { assembleArm64 } from './assembler';
import { decodeTable, decodeWord, readWord } from './decoder';
import { disassembleWord } from './disassembler';
import { type Arm64Insn, Op } from './insn';
import { arm64RegisterUse } from './registerUse';
import { arm64IsaSamples } from './samples';
import { enumeratedInstructions, generateInstructions } from './testing/instructionGenerator';
import { createRandom } from './testing/random';

/**
 * The data flow `registerUse` declares, checked against the real executor
 * by the generic oracle of `@execmem/core/testing` (NZCV as the flags).
 */

const PC = 0x400000;
const isa = arm64Isa();

function names(mask: number): string {
  const out: string[] = [];
  for (let r = 0; r < 32; r++) if (mask & (1 << r)) out.push(isa.registerNames[r]);
  return `{${out.join(',')}}`;
}

/** Checks one instruction over `runs` seeded random states per round. */
function checkInstruction(insn: Arm64Insn, seed: number, runs: number): void {
  const name = `${disassembleWord(insn.word, BigInt(PC))} (0x${insn.word.toString(16)})`;
  checkRegisterUse(
    isa,
    { insn, length: 4 },
    {
      seed,
      runs,
      pc: PC,
      flags: { field: 'nzcv', bits: 4 },
      name,
    },
  );
}

/** Decodes every word of an assembled image. */
function decodeAll(bytes: Uint8Array): Arm64Insn[] {
  const out: Arm64Insn[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) {
    const insn = decodeWord(readWord(bytes, offset));
    if (insn) out.push(insn);
  }
  return out;
}

/** The generated differential-test instructions and every enumerated form, with their branch labels. */
function generatedInstructions(): Arm64Insn[] {
  const labels = 16;
  const lines = [
    ...generateInstructions(createRandom(0xda7a), 1200, labels),
    ...enumeratedInstructions(),
  ];
  for (let i = 0; i < labels; i++) lines.splice(i * 64, 0, `L${i}:`);
  return decodeAll(assembleArm64(`${lines.join('\n')}\n`).bytes);
}

/** Random words matching each decode-table row: the odd register choices the assembler never picks. */
function tableInstructions(): Arm64Insn[] {
  const rng = createRandom(0x7ab1e);
  const out: Arm64Insn[] = [];
  for (const e of decodeTable) {
    for (let i = 0; i < 12; i++) {
      const insn = decodeWord(((rng.u32() & ~e.mask) | e.match) >>> 0);
      if (insn) out.push(insn);
    }
  }
  return out;
}

function mnemonic(insn: Arm64Insn): string {
  return disassembleWord(insn.word, BigInt(PC)).split(' ')[0];
}

describe('arm64RegisterUse', () => {
  it('is the Isa registerUse', () => {
    expect(isa.registerUse).toBe(arm64RegisterUse);
  });

  it('declares what the executor does for every ISA sample', () => {
    const insns = arm64IsaSamples.map((s) => {
      const bytes = Uint8Array.from(s.hex.match(/../g)!, (b) => Number.parseInt(b, 16));
      return decodeWord(readWord(bytes, 0))!;
    });
    insns.forEach((insn, i) => void checkInstruction(insn, 0x5a4d + i, 16));
  });

  it('declares what the executor does for every decoded kind (generated, enumerated and random table words)', () => {
    const insns = [...generatedInstructions(), ...tableInstructions()];
    insns.forEach((insn, i) => void checkInstruction(insn, 0x6e4 + i, 6));
    const kinds = new Set(insns.map((insn) => insn.op));
    expect([...Object.values(Op)].filter((op) => !kinds.has(op))).toEqual([]);
    const mnemonics = new Set(insns.map(mnemonic));
    console.info(
      `registerUse: ${insns.length} instructions, ${kinds.size} operation kinds, ${mnemonics.size} mnemonics checked against the executor`,
    );
  });

  it('matches hand-checked cases from the brief', () => {
    const use = (source: string) => {
      const insn = decodeWord(readWord(assembleArm64(source).bytes, 0))!;
      const out = new Uint32Array(RegisterUse.Length);
      arm64RegisterUse(insn, out);
      return {
        sources: names(out[RegisterUse.Sources]),
        address: names(out[RegisterUse.Address]),
        destinations: names(out[RegisterUse.Destinations]),
        loaded: names(out[RegisterUse.Loaded]),
        flags: out[RegisterUse.Flags],
      };
    };
    const { ReadsFlags, WritesFlags, Branch } = RegisterUseFlag;
    expect(use('ldr x1, [sp], #16')).toEqual({
      sources: '{sp}',
      address: '{sp}',
      destinations: '{x1,sp}',
      loaded: '{x1}',
      flags: 0,
    });
    expect(use('ldp x29, x30, [x2, #16]').loaded).toBe('{x29,x30}');
    expect(use('stxr w2, x0, [x1]')).toEqual({
      sources: '{x0,x1}',
      address: '{x1}',
      destinations: '{x2}',
      loaded: '{}',
      flags: 0,
    });
    expect(use('eor x2, x1, x1').sources).toBe('{x1}');
    expect(use('ldr x3, [x4, x2]').address).toBe('{x2,x4}');
    expect(use('cmp x1, #0x8').flags).toBe(WritesFlags);
    expect(use('cmp x1, #0x8').destinations).toBe('{}');
    expect(use('csel x0, x1, x2, eq').flags).toBe(ReadsFlags);
    expect(use('b.ne 0').flags).toBe(ReadsFlags | Branch);
    expect(use('b.al 0').flags).toBe(0);
    expect(use('cbz x0, 0').flags).toBe(Branch);
    expect(use('ret').flags).toBe(Branch);
    expect(use('blr x2').destinations).toBe('{x30}');
    expect(use('mov x0, xzr').sources).toBe('{}');
    expect(use('isb').flags).toBe(0);
  });
});
