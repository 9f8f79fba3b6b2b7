/**
 * Running litmus files and directories: the library behind
 * `execmem litmus [options] FILE|DIR...`.
 *
 * @module
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { aarch64Litmus } from './arch/aarch64Litmus';
import { riscvLitmus } from './arch/riscvLitmus';
import { x86Litmus } from './arch/x86Litmus';
import { type CheckOptions, checkLitmus, type LitmusResult } from './checkLitmus';
import type { LitmusArch } from './litmusArch';
import { parseLitmus } from './parseLitmus';
import { type LitmusSimulation, type MachineArchFactory, simulateLitmus } from './simulateLitmus';

/** Options for {@link runLitmus}. */
export interface RunLitmusOptions extends CheckOptions {
  /** The arch front ends to accept; default AArch64, RISCV and X86_64. */
  readonly arches?: readonly LitmusArch[];
  /** Also run each test on a machine and compare its final states with the checker's. */
  readonly simulate?: {
    readonly runs: number;
    readonly seed?: number;
    readonly machineArch: MachineArchFactory;
  };
}

/** A file's simulation: its outcome, or why the machine cannot run the test. */
export type SimulationOutcome = LitmusSimulation | { readonly error: string };

/** The outcome for one file: a result, or an error naming the line. */
export type LitmusFileOutcome =
  | {
      readonly file: string;
      readonly result: LitmusResult;
      readonly milliseconds: number;
      /** Present when simulation was asked for. */
      readonly simulation?: SimulationOutcome;
    }
  | { readonly file: string; readonly error: { readonly line?: number; readonly message: string } };

/** The three built-in front ends. */
export const defaultLitmusArches: readonly LitmusArch[] = [aarch64Litmus, riscvLitmus, x86Litmus];

/** The `.litmus` files a list of files and directories names, in order (a directory's files sorted). */
export function litmusFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // A missing path is reported as that file's error.
    }
    if (isDir)
      out.push(
        ...readdirSync(p)
          .filter((f) => f.endsWith('.litmus'))
          .sort()
          .map((f) => join(p, f)),
      );
    else out.push(p);
  }
  return out;
}

/** Checks one file's text, catching its errors into the outcome. */
export function runLitmusSource(
  file: string,
  source: string,
  options: RunLitmusOptions = {},
): LitmusFileOutcome {
  try {
    const test = parseLitmus(source, file, options.arches ?? defaultLitmusArches);
    const arch = (options.arches ?? defaultLitmusArches).find(
      (a) => a.herdName === test.arch,
    ) as LitmusArch;
    const start = performance.now();
    const result = checkLitmus(test, arch, options);
    const milliseconds = performance.now() - start;
    if (!options.simulate) return { file, result, milliseconds };
    let simulation: SimulationOutcome;
    try {
      simulation = simulateLitmus(test, arch, { ...options, ...options.simulate, checked: result });
    } catch (e) {
      simulation = { error: e instanceof Error ? e.message : String(e) };
    }
    return { file, result, milliseconds, simulation };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = message.match(/:(\d+):\d+:/);
    return { file, error: { ...(at ? { line: Number(at[1]) } : {}), message } };
  }
}

/**
 * Checks every file (a directory means its `*.litmus` files); a file that
 * fails to read, parse or check gives an error outcome and the run goes on.
 */
export function runLitmus(
  paths: readonly string[],
  options: RunLitmusOptions = {},
): LitmusFileOutcome[] {
  return litmusFiles(paths).map((file) => {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      return { file, error: { message: `cannot read ${file}: ${(e as Error).message}` } };
    }
    return runLitmusSource(file, source, options);
  });
}
