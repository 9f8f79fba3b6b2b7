import { requireHostTools } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { assembleX86 } from './assembler';
import { decodeX86 } from './decoder';
import { disassembleX86 } from './disassembler';
import { decodableBytes, encodingCases } from './testing/encodingCases';
import {
  hostAssemble,
  hostAsTools,
  hostDisassembleRaw,
  hostPackages,
} from './testing/hostBinutils';
import { createRandom } from './testing/random';

const check = requireHostTools(hostAsTools, hostPackages);
if (check.skip) console.warn(check.reason);

describe.skipIf(check.skip)('x86-64 encoding vs GNU as / objdump', () => {
  const lines = encodingCases(createRandom(20261124), 3000);
  const source = `${lines.join('\n')}\n`;
  const host = hostAssemble(source);

  it('assembles every instance to the bytes GNU as produces', () => {
    const ours = assembleX86(source);
    const mismatches: string[] = [];
    for (const l of ours.lines) {
      const theirs = host.bytes.slice(l.offset, l.offset + l.bytes.length);
      const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
      if (hexOf(theirs) !== hexOf(l.bytes)) {
        mismatches.push(
          `line ${l.line} '${lines[l.line - 1]}' at 0x${l.offset.toString(16)}: ours ${hexOf(l.bytes)}, as ${hexOf(theirs)}`,
        );
      }
    }
    expect(ours.lines.length).toBeGreaterThan(2000);
    expect(mismatches.slice(0, 8)).toEqual([]);
    expect(ours.bytes.length).toBe(host.bytes.length);
  });

  it('disassembles the bytes of GNU as to the text objdump prints', () => {
    const ours = disassembleX86(host.bytes);
    const byOffset = new Map(ours.map((d) => [d.offset, d.text]));
    const mismatches = host.listing
      .filter((l) => byOffset.get(l.offset) !== l.text)
      .map(
        (l) => `0x${l.offset.toString(16)}: objdump '${l.text}', ours '${byOffset.get(l.offset)}'`,
      );
    expect(host.listing.length).toBeGreaterThan(2000);
    expect(mismatches.slice(0, 8)).toEqual([]);
    expect(ours.length).toBe(host.listing.length);
  });

  it('prints opcodes invalid in 64-bit mode as objdump does, and branch targets of a raw blob', () => {
    // PUSH/POP ES/CS/SS/DS, DAA/DAS/AAA/AAS, PUSHA/POPA, BOUND, AAM/AAD, SALC, JMP FAR, 82, CALL FAR.
    const invalid = [
      0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x60, 0x61, 0x62, 0xd4,
      0xd5, 0xd6, 0xea, 0x82, 0x9a,
    ];
    // SIB bytes without an index (%riz), with and without a base, and REX.X selecting %r12 as index.
    const riz = [
      0x8b, 0x04, 0x20, 0x8b, 0x04, 0x60, 0x8b, 0x04, 0x64, 0x8b, 0x04, 0x65, 0, 0, 0, 0, 0x42,
      0x8b, 0x04, 0x20,
    ];
    const bytes = new Uint8Array([
      ...invalid,
      ...riz,
      0xeb,
      0xfe,
      0x74,
      0x80,
      0xe8,
      0,
      0,
      0,
      0,
      0x0f,
      0x84,
      0xf0,
      0xff,
      0xff,
      0xff,
    ]);
    const theirs = hostDisassembleRaw(bytes);
    const ours = disassembleX86(bytes);
    expect(ours.map((d) => [d.offset, d.text])).toEqual(theirs.map((l) => [l.offset, l.text]));
  });

  it('disassembles every byte sequence the decoder accepts as objdump does (prefix and REX combinations)', () => {
    const bytes = decodableBytes(
      createRandom(77),
      4000,
      (w) => decodeX86(w, 0, w.length)?.length ?? 0,
    );
    const theirs = hostDisassembleRaw(bytes);
    const ours = disassembleX86(bytes);
    const byOffset = new Map(ours.map((d) => [d.offset, d.text]));
    const mismatches = theirs
      .filter((l) => byOffset.get(l.offset) !== l.text)
      .map(
        (l) => `0x${l.offset.toString(16)}: objdump '${l.text}', ours '${byOffset.get(l.offset)}'`,
      );
    expect(mismatches.slice(0, 8)).toEqual([]);
    expect(ours.length).toBe(4000);
    expect(theirs.length).toBe(4000);
  });
});
