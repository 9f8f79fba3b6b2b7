import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireHostTools } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { assembleArm64 } from './assembler';
import { decodeTable } from './decoder';
import { disassembleArm64 } from './disassembler';
import { enumeratedInstructions, generateInstructions } from './testing/instructionGenerator';
import { createRandom } from './testing/random';

const check = requireHostTools(
  [
    'aarch64-linux-gnu-as',
    'aarch64-linux-gnu-ld',
    'aarch64-linux-gnu-objdump',
    'aarch64-linux-gnu-objcopy',
  ],
  'binutils-aarch64-linux-gnu',
);
if (check.skip) console.warn(check.reason);

const LABELS = 64;
const COUNT = 3000;

/** objdump's text for each word offset, normalized as the Isa contract says. */
function objdumpText(object: string): Map<number, string> {
  const out = execFileSync('aarch64-linux-gnu-objdump', ['-d', '-z', object], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const map = new Map<number, string>();
  for (const line of out.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t[0-9a-f]{8} \t(.*)$/.exec(line);
    if (!m) continue;
    const text = m[2]
      .replace(/\s*(\/\/|;).*$/, '')
      .replace(/<[^>]*>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    map.set(Number.parseInt(m[1], 16), text);
  }
  return map;
}

/** Assembles `source` with GNU as; returns the .text bytes and objdump's text per offset. */
function gnuAssemble(source: string): { bytes: Uint8Array; text: Map<number, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'execmem-arm64-'));
  try {
    writeFileSync(join(dir, 'a.s'), source);
    execFileSync('aarch64-linux-gnu-as', [
      '-march=armv8.1-a',
      '-o',
      join(dir, 'a.o'),
      join(dir, 'a.s'),
    ]);
    // Linked at address 0 so that ADRP's page relocations are resolved as for code at origin 0.
    execFileSync('aarch64-linux-gnu-ld', [
      '-Ttext=0',
      '-e',
      '0',
      '-o',
      join(dir, 'a.elf'),
      join(dir, 'a.o'),
    ]);
    execFileSync('aarch64-linux-gnu-objcopy', [
      '-O',
      'binary',
      '-j',
      '.text',
      join(dir, 'a.elf'),
      join(dir, 'a.bin'),
    ]);
    return {
      bytes: new Uint8Array(readFileSync(join(dir, 'a.bin'))),
      text: objdumpText(join(dir, 'a.elf')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const DIRECTIVES = [
  '.byte 0x12\n.align 3',
  '.byte 1, 2, 3\n.balign 16',
  '.hword 0xbeef\n.p2align 4',
  '.word 0x12345678',
  '.quad L1 + 4',
  '.inst 0xd503201f',
  '.byte 7',
  '.hword 1, 2, 3',
  '.byte 0xff\n.p2align 2',
];

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function hexWord(bytes: Uint8Array, offset: number): string {
  return Array.from(bytes.slice(offset, offset + 4).reverse(), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

describe.skipIf(check.skip)('A64 encoding vs GNU as and objdump', () => {
  it(`assembles and disassembles ${COUNT} generated and all enumerated instructions as binutils does`, () => {
    const rng = createRandom(0x5eed);
    const insns = [...generateInstructions(rng, COUNT, LABELS), ...enumeratedInstructions()];
    const lines: string[] = [];
    const insnOffsets = new Set<number>();
    const every = Math.ceil(insns.length / LABELS);
    insns.forEach((insn, i) => {
      if (i % every === 0) lines.push(`L${i / every}:`);
      // Data and alignment directives between instructions, padded as as pads code.
      if (i % 97 === 50) lines.push(...rng.pick(DIRECTIVES).split('\n'));
      lines.push(`  ${insn}`);
    });
    for (let i = Math.ceil(insns.length / every); i < LABELS; i++) lines.push(`L${i}:`);
    const source = `${lines.join('\n')}\n`;
    const gnu = gnuAssemble(source);
    const mine = assembleArm64(source);
    const byteMismatches: string[] = [];
    for (const line of mine.lines) {
      const text = lines[line.line - 1];
      if (!text.trim().startsWith('.')) insnOffsets.add(line.offset);
      const ours = hex(line.bytes);
      const theirs = hex(gnu.bytes.slice(line.offset, line.offset + line.bytes.length));
      if (ours !== theirs) byteMismatches.push(`${text.trim()}: ours ${ours}, as ${theirs}`);
    }
    expect(insnOffsets.size).toBe(insns.length);
    expect(mine.bytes.length).toBe(gnu.bytes.length);
    expect(byteMismatches.slice(0, 15)).toEqual([]);
    const textMismatches: string[] = [];
    for (const d of disassembleArm64(gnu.bytes)) {
      if (!insnOffsets.has(d.offset)) continue;
      const want = gnu.text.get(d.offset);
      if (d.text !== want)
        textMismatches.push(`${hexWord(gnu.bytes, d.offset)}: ours '${d.text}', objdump '${want}'`);
    }
    expect(textMismatches.slice(0, 15)).toEqual([]);
  });
});

describe.skipIf(check.skip)('A64 disassembly of random words vs objdump', () => {
  it('prints every word of the decode table as objdump does', () => {
    const rng = createRandom(0xd15a);
    const words: number[] = [];
    for (const e of decodeTable) {
      for (let i = 0; i < 150; i++) words.push(((rng.u32() & ~e.mask) | e.match) >>> 0);
    }
    for (let i = 0; i < 200; i++) words.push(rng.u32());
    const source = words.map((w) => `.inst 0x${w.toString(16)}`).join('\n');
    const gnu = gnuAssemble(`${source}\n`);
    const mismatches: string[] = [];
    for (const d of disassembleArm64(gnu.bytes)) {
      const want = gnu.text.get(d.offset);
      // Words outside the subset print as .inst here; objdump knows the whole ISA.
      if (d.text.startsWith('.inst')) continue;
      // objdump names hundreds of system registers; the subset names a few and prints the rest generically.
      if (/^m(rs|sr) .*s[23]_[0-7]_c/.test(d.text)) continue;
      if (d.text !== want)
        mismatches.push(`${hexWord(gnu.bytes, d.offset)}: ours '${d.text}', objdump '${want}'`);
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
  });
});
