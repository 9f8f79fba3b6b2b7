import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { BpfInsn } from '@execmem/core';
import { type BpfDataFile, bpfDataFileProgram, readBpfDataFile } from './bpfDataFile';
import { interpretBpf } from './bpfInterpreter';
import { verifyBpf } from './bpfVerifier';

/**
 * Runs a verified program on the input block and returns r0. The
 * interpreter is one; an arch target wraps a `BpfJitBackend` plus a
 * machine to run its code on.
 */
export type BpfExecutor = (program: readonly BpfInsn[], mem: Uint8Array) => bigint;

/** A named executor the conformance runner measures. */
export interface BpfConformanceTarget {
  /** Name in reports (`interp`, `x86_64`, …). */
  readonly name: string;
  /** Runs one program. */
  readonly run: BpfExecutor;
}

/** The outcome of one data file on one target. */
export interface BpfConformanceResult {
  /** The file's base name. */
  readonly file: string;
  /** The target's name. */
  readonly target: string;
  /** True when the target produced the expected result or the expected rejection. */
  readonly pass: boolean;
  /** What happened, for people (`r0 = 0x1`, `expected 0x1, got 0x0`, the error text). */
  readonly reason: string;
}

/** The reference interpreter as a conformance target. */
export const interpreterTarget: BpfConformanceTarget = {
  name: 'interp',
  run: (program, mem) => interpretBpf(program, mem),
};

/**
 * Kinds of failure, recognized by the words every eBPF runtime uses for
 * them (ubpf, the kernel, this package), so that an expected `-- error`
 * text written for another runtime can be compared with ours.
 */
const ERROR_KINDS: readonly [string, RegExp][] = [
  ['opcode', /unknown opcode|invalid opcode|bad opcode|illegal instruction/i],
  ['jump', /jump out of|out of bounds jump|jump (target )?out of range/i],
  ['lddw', /lddw/i],
  ['end', /no exit|falls? off|last insn|end of (the )?(program|instruction)/i],
  ['register', /register|\br10\b|read_ok|uninit/i],
  ['memory', /out of bounds (memory|access)|memory (load|store|access)|invalid mem/i],
  ['call', /\bcall|helper|function/i],
  ['loop', /infinite loop|too many (instructions|steps)|steps/i],
  ['endian', /endian/i],
];

function errorKinds(text: string): Set<string> {
  return new Set(ERROR_KINDS.filter(([, re]) => re.test(text)).map(([kind]) => kind));
}

/**
 * True when an actual error message matches the expected `-- error`
 * text: they name a common kind of failure (unknown opcode, jump out of
 * bounds, …). An expected text of no recognized kind matches any error.
 */
export function bpfErrorMatches(expected: string, actual: string): boolean {
  const want = errorKinds(expected);
  if (want.size === 0) return true;
  for (const kind of errorKinds(actual)) if (want.has(kind)) return true;
  return false;
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Runs one parsed data file on one target: verify, then execute. */
export function runConformanceCase(
  file: BpfDataFile,
  target: BpfConformanceTarget,
): BpfConformanceResult {
  const done = (pass: boolean, reason: string): BpfConformanceResult => ({
    file: basename(file.name),
    target: target.name,
    pass,
    reason,
  });
  let value: bigint;
  try {
    // A program that cannot be decoded (a truncated lddw) is a rejection like any other.
    const program = bpfDataFileProgram(file);
    verifyBpf(program);
    value = target.run(program, file.mem);
  } catch (e) {
    const message = messageOf(e);
    if (file.error === undefined) return done(false, `unexpected error: ${message}`);
    if (bpfErrorMatches(file.error, message)) return done(true, `rejected as expected: ${message}`);
    return done(false, `expected error '${file.error}', got: ${message}`);
  }
  if (file.error !== undefined)
    return done(false, `expected error '${file.error}', but r0 = ${hex(value)}`);
  if (file.result === undefined)
    return done(false, `no '-- result' to compare r0 = ${hex(value)} with`);
  if (value !== file.result) return done(false, `expected ${hex(file.result)}, got ${hex(value)}`);
  return done(true, `r0 = ${hex(value)}`);
}

/** Reads and runs one `.data` file on one target; a file that cannot be parsed is a FAIL. */
export function runConformanceFile(
  path: string,
  target: BpfConformanceTarget,
): BpfConformanceResult {
  let file: BpfDataFile;
  try {
    file = readBpfDataFile(path);
  } catch (e) {
    return { file: basename(path), target: target.name, pass: false, reason: messageOf(e) };
  }
  return runConformanceCase(file, target);
}

/** Runs every `.data` file of `dir` (sorted by name) on every target. */
export function runConformance(
  dir: string,
  targets: readonly BpfConformanceTarget[] = [interpreterTarget],
): BpfConformanceResult[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.data'))
    .sort();
  const results: BpfConformanceResult[] = [];
  for (const f of files) for (const t of targets) results.push(runConformanceFile(join(dir, f), t));
  return results;
}
