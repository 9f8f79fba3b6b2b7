/**
 * The A64 decoder: finds the decode-table row of a word and builds the
 * instruction object the executor runs.
 *
 * @module
 */
import type { Decoded } from '@execmem/core';
import { branchEncodings } from './branches';
import { dataProcessingImmediateEncodings } from './dataProcessingImmediate';
import { dataProcessingRegisterEncodings } from './dataProcessingRegister';
import type { Encoding } from './encoding';
import type { Arm64Insn } from './insn';
import { loadStoreEncodings } from './loadStore';
import { systemEncodings } from './system';

/** Every row of the decode table; row patterns do not overlap. */
export const decodeTable: readonly Encoding[] = [
  ...dataProcessingImmediateEncodings,
  ...dataProcessingRegisterEncodings,
  ...loadStoreEncodings,
  ...branchEncodings,
  ...systemEncodings,
];

/** The decode-table row matching `word`, or `undefined`. */
export function findEncoding(word: number): Encoding | undefined {
  for (const e of decodeTable) if ((word & e.mask) >>> 0 === e.match) return e;
  return undefined;
}

/** Decodes one instruction word; `undefined` outside the subset or for reserved encodings. */
export function decodeWord(word: number): Arm64Insn | undefined {
  return findEncoding(word >>> 0)?.decode(word >>> 0);
}

/** Reads the little-endian word at `offset`. */
export function readWord(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] |
      (bytes[offset + 1] << 8) |
      (bytes[offset + 2] << 16) |
      (bytes[offset + 3] << 24)) >>>
    0
  );
}

/** `Isa.decode` for A64: a 4-byte instruction at `offset`, or `null`. */
export function decodeArm64(
  bytes: Uint8Array,
  offset: number,
  available: number,
): Decoded<Arm64Insn> | null {
  if (available < 4 || offset + 4 > bytes.length) return null;
  const insn = decodeWord(readWord(bytes, offset));
  return insn ? { insn, length: 4 } : null;
}
