import { BPF_INSN_SIZE, type BpfInsn, decodeBpfProgram, fail } from '@execmem/core';

/** Options for {@link readBpfRaw}. */
export interface BpfRawOptions {
  /** Line number of the first text line in error messages; default 1. */
  readonly firstLine?: number;
}

const WORD = /^(?:0x)?[0-9a-f]{1,16}$/i;

/**
 * Reads the suite's `-- raw` form: one 64-bit word per line (`#` starts a
 * comment), each the little-endian value of one 8-byte slot, so the
 * opcode is the low byte. Returns the byte image; throws `EINVAL` with
 * `line:column` for a malformed word.
 */
export function readBpfRawBytes(text: string, options: BpfRawOptions = {}): Uint8Array {
  const firstLine = options.firstLine ?? 1;
  const words: bigint[] = [];
  text.split('\n').forEach((raw, index) => {
    const hash = raw.indexOf('#');
    const body = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (body === '') return;
    if (!WORD.test(body)) {
      const col = raw.indexOf(body) + 1;
      fail(
        'EINVAL',
        `line ${firstLine + index}:${col}: expected a 64-bit hex word, found '${body}'`,
      );
    }
    words.push(BigInt(body.startsWith('0x') || body.startsWith('0X') ? body : `0x${body}`));
  });
  const bytes = new Uint8Array(words.length * BPF_INSN_SIZE);
  const view = new DataView(bytes.buffer);
  words.forEach((w, i) => {
    view.setBigUint64(i * BPF_INSN_SIZE, w, true);
  });
  return bytes;
}

/** Reads the `-- raw` form (see {@link readBpfRawBytes}) and decodes it into instructions. */
export function readBpfRaw(text: string, options: BpfRawOptions = {}): BpfInsn[] {
  return decodeBpfProgram(readBpfRawBytes(text, options));
}

/** Prints a byte image in the `-- raw` form, one `0x%016x` word per line. */
export function formatBpfRaw(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lines: string[] = [];
  for (let at = 0; at + BPF_INSN_SIZE <= bytes.length; at += BPF_INSN_SIZE) {
    lines.push(`0x${view.getBigUint64(at, true).toString(16).padStart(16, '0')}`);
  }
  return `${lines.join('\n')}\n`;
}
