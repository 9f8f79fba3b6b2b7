import { createPrng } from '@execmem/core';
import { requireHostTools } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { assemble } from './assembler';
import { disassemble } from './disassembler';
import { opcodeTable } from './opcodes';
import { gnuAssemble, gnuDisassemble, gnuPackages, gnuTools } from './testing/gnu';
import { generateBranchProgram, generateInstances } from './testing/instanceGenerator';

const check = requireHostTools(gnuTools, gnuPackages);
if (check.skip) console.warn(check.reason);

/** The first few instances whose bytes differ between GNU as and ours. */
function byteMismatches(lines: string[], compressed: boolean, sectionAlign: number): string[] {
  const source = `${lines.join('\n')}\n`;
  const gnu = gnuAssemble(source, compressed ? 'rv64gc' : 'rv64g');
  const ours = assemble(source, { compressed });
  const bad: string[] = [];
  for (const l of ours.lines) {
    const want = Buffer.from(gnu.subarray(l.offset, l.offset + l.bytes.length)).toString('hex');
    const got = Buffer.from(l.bytes).toString('hex');
    if (want !== got)
      bad.push(`line ${l.line} '${source.split('\n')[l.line - 1]}': as ${want}, ours ${got}`);
  }
  // GNU as pads the section to its alignment (the largest .align, else 4 without RVC).
  if (gnu.length !== Math.ceil(ours.bytes.length / sectionAlign) * sectionAlign) {
    bad.push(`image length: as ${gnu.length}, ours ${ours.bytes.length}`);
  }
  return bad;
}

/** The first few instructions whose text differs between objdump and our disassembler. */
function textMismatches(bytes: Uint8Array): string[] {
  const gnu = gnuDisassemble(bytes);
  const ours = disassemble(bytes);
  const bad: string[] = [];
  for (const d of ours) {
    if (gnu.get(d.offset) !== d.text) {
      bad.push(
        `${Buffer.from(d.bytes).toString('hex')} at ${d.offset}: objdump '${gnu.get(d.offset)}', ours '${d.text}'`,
      );
    }
  }
  if (gnu.size !== ours.length)
    bad.push(`instruction count: objdump ${gnu.size}, ours ${ours.length}`);
  return bad;
}

describe.skipIf(check.skip)('encoding and disassembly vs GNU as / objdump', () => {
  for (const compressed of [true, false]) {
    const march = compressed ? 'rv64gc' : 'rv64g';
    it(`assembles 2,500 generated instances like as -march=${march} and disassembles them like objdump`, () => {
      const lines = generateInstances(compressed ? 1 : 2, 2500);
      expect(byteMismatches(lines, compressed, compressed ? 2 : 4).slice(0, 8)).toEqual([]);
      expect(textMismatches(assemble(lines.join('\n'), { compressed }).bytes).slice(0, 8)).toEqual(
        [],
      );
    });

    it(`relaxes branches and jumps, resolves la/call/tail and pads alignment like as -march=${march}`, () => {
      for (const seed of [3, 4, 5, 6]) {
        const lines = generateBranchProgram(seed, 300, compressed).split('\n');
        expect(byteMismatches(lines, compressed, 16).slice(0, 8)).toEqual([]);
      }
    });
  }

  it('disassembles every 16-bit parcel like objdump', () => {
    const bytes = new Uint8Array(49152 * 2);
    let n = 0;
    for (let p = 0; p < 65536; p++) {
      if ((p & 3) === 3) continue;
      bytes[n++] = p & 255;
      bytes[n++] = p >>> 8;
    }
    expect(textMismatches(bytes).slice(0, 8)).toEqual([]);
  });

  it('disassembles longer-than-32-bit, reserved and truncated encodings like objdump', () => {
    const bytes = Uint8Array.from([
      0x00, 0x00, 0xff, 0xff, 0x01, 0x60, 0x1f, 0, 0, 0, 0, 0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x7f,
      0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0, 0, 0, 0x13, 0, 0,
    ]);
    expect(textMismatches(bytes)).toEqual([]);
  });

  it('disassembles 4,000 random words in the subset opcode space like objdump', () => {
    const random = createPrng(7);
    const words = new Uint32Array(4000);
    for (let i = 0; i < words.length; i++) {
      const spec = opcodeTable[random.below(opcodeTable.length)];
      const free = ~spec.mask >>> 0;
      words[i] = (spec.match | (random.next() & free)) >>> 0;
    }
    expect(textMismatches(new Uint8Array(words.buffer)).slice(0, 8)).toEqual([]);
  });
});
