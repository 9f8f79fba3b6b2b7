import { readFileSync } from 'node:fs';
import { type BpfInsn, fail } from '@execmem/core';
import { assembleBpf } from './bpfAssembler';
import { readBpfRaw } from './bpfRawReader';

/** The body of one section of a data file and the file line its body starts on. */
export interface BpfDataSection {
  /** The section's lines joined with `\n`, comments kept (each reader strips its own). */
  readonly text: string;
  /** 1-based file line of the first body line. */
  readonly firstLine: number;
}

/** A bpf_conformance `.data` file, split into its sections. */
export interface BpfDataFile {
  /** Where it came from (a path, or a name given to {@link parseBpfDataFile}). */
  readonly name: string;
  /** `-- asm`: the program as source text. */
  readonly asm?: BpfDataSection;
  /** `-- raw`: the program as 64-bit words. */
  readonly raw?: BpfDataSection;
  /** `-- mem`: the input memory block (empty when absent). */
  readonly mem: Uint8Array;
  /** True when the file has a `-- mem` section (r1/r2 are then its address and length). */
  readonly hasMem: boolean;
  /** `-- result`: the expected r0, as an unsigned 64-bit value. */
  readonly result?: bigint;
  /** `-- error`: the expected failure text, for negative tests. */
  readonly error?: string;
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  return hash >= 0 ? line.slice(0, hash) : line;
}

/**
 * Splits the text of a `.data` file into its sections (`-- name` lines;
 * `#` comments anywhere). Sections other than asm, raw, mem, result and
 * error (`-- c`, `-- no register offset`, …) are kept out, as the
 * reference harness ignores them. Throws `EINVAL` with `name:line` for a
 * repeated section, bad hex in `-- mem` or a bad `-- result`.
 */
export function parseBpfDataFile(text: string, name = '<data>'): BpfDataFile {
  const sections = new Map<string, { lines: string[]; firstLine: number }>();
  let current: string[] | undefined;
  text.split('\n').forEach((line, index) => {
    const header = /^--\s*(.*?)\s*$/.exec(line);
    if (header) {
      const section = header[1].toLowerCase();
      if (sections.has(section))
        fail('EINVAL', `${name}:${index + 1}: section '-- ${section}' appears twice`);
      current = [];
      sections.set(section, { lines: current, firstLine: index + 2 });
    } else {
      current?.push(line);
    }
  });
  const section = (key: string): BpfDataSection | undefined => {
    const s = sections.get(key);
    return s && { text: s.lines.join('\n'), firstLine: s.firstLine };
  };
  const mem = section('mem');
  const result = section('result');
  const error = section('error');
  const errorText = error?.text.split('\n').map(stripComment).join(' ').trim();
  return {
    name,
    asm: section('asm'),
    raw: section('raw'),
    mem: mem ? parseHexBytes(mem, name) : new Uint8Array(0),
    hasMem: mem !== undefined,
    result: result && parseResult(result, name),
    error: errorText,
  };
}

/** Reads and splits a `.data` file (see {@link parseBpfDataFile}). */
export function readBpfDataFile(path: string): BpfDataFile {
  return parseBpfDataFile(readFileSync(path, 'utf8'), path);
}

/**
 * The program of a data file: the `-- raw` words when present (they are
 * the exact bytes), else the assembled `-- asm` text. Throws `EINVAL` when
 * there is neither, or with the file line of an assembler error.
 */
export function bpfDataFileProgram(file: BpfDataFile): BpfInsn[] {
  try {
    if (file.raw) return readBpfRaw(file.raw.text, { firstLine: file.raw.firstLine });
    if (file.asm) return assembleBpf(file.asm.text, { firstLine: file.asm.firstLine });
  } catch (e) {
    if (e instanceof Error) e.message = `${file.name}: ${e.message}`;
    throw e;
  }
  fail('EINVAL', `${file.name}: no '-- asm' or '-- raw' section`);
}

function parseHexBytes(section: BpfDataSection, name: string): Uint8Array {
  const bytes: number[] = [];
  section.text.split('\n').forEach((line, index) => {
    for (const token of stripComment(line).trim().split(/\s+/)) {
      if (token === '') continue;
      if (!/^([0-9a-f]{2})+$/i.test(token)) {
        fail('EINVAL', `${name}:${section.firstLine + index}: bad hex byte '${token}' in -- mem`);
      }
      for (let i = 0; i < token.length; i += 2)
        bytes.push(Number.parseInt(token.slice(i, i + 2), 16));
    }
  });
  return Uint8Array.from(bytes);
}

function parseResult(section: BpfDataSection, name: string): bigint {
  const body = section.text.split('\n').map(stripComment).join(' ').trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(body))
    fail('EINVAL', `${name}:${section.firstLine}: bad result '${body}'`);
  const negative = body.startsWith('-');
  const magnitude = BigInt(negative ? body.slice(1) : body);
  return BigInt.asUintN(64, negative ? -magnitude : magnitude);
}
