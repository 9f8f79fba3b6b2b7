/**
 * The other use of the model: a litmus test run on the core `Machine` of its
 * arch, the real ISA executing the real encodings, for seeded random
 * schedules (the machine's chooser picks which CPU steps, which buffered
 * store drains and which instruction version a fetch sees). Every final
 * state a run reaches must be one the checker lists for the same test;
 * one it does not list is a disagreement between the machine and the model.
 *
 * @module
 */

import {
  type Arch,
  createMachine,
  fail,
  type Machine,
  PROT_READ,
  PROT_RWX,
  PROT_WRITE,
  type TrapAction,
  type TrapEvent,
  vaFromBigint,
  vaToBigint,
  word64,
} from '@execmem/core';
import {
  type CheckOptions,
  checkLitmus,
  formatValue,
  type LitmusResult,
  observedCells,
  stateKey,
  testCondition,
  variantsOf,
} from './checkLitmus';
import { evaluate, faultReader } from './condition';
import type { LitmusArch } from './litmusArch';
import { buildLitmusImage, type LitmusImage } from './litmusImage';
import { cellName, type LitmusTest } from './litmusTest';
import type { LitmusValue } from './litmusValue';

/**
 * Builds the machine arch for a test: its herd arch name and model variants
 * (`IDC`, `DIC`, `ziccid`) select, for example, `arm64Arch({ ctrEl0 })`.
 */
export type MachineArchFactory = (herdArch: string, variants: ReadonlySet<string>) => Arch;

/** Options of {@link simulateLitmus}. */
export interface SimulateOptions extends CheckOptions {
  /** Number of seeded runs. */
  readonly runs: number;
  /** Seed of the first run; run k uses a seed derived from it and k. Default 0. */
  readonly seed?: number;
  /** The machine arch for a test (see {@link MachineArchFactory}). */
  readonly machineArch: MachineArchFactory;
  /** Scheduling decisions one run may take before it counts as unfinished; default 20000. */
  readonly maxSteps?: number;
  /** The checker's result for the same test and options, when the caller has it already. */
  readonly checked?: LitmusResult;
}

/** One final state the simulation reached. */
export interface SimulatedState {
  /** Cell name and printed value, as the checker prints them. */
  readonly cells: readonly (readonly [string, string])[];
  /** Runs that ended in it. */
  readonly count: number;
  /** True when it satisfies the condition's proposition. */
  readonly witness: boolean;
  /** True when the checker lists it. */
  readonly listed: boolean;
  /** The machine seed of the first run that reached it: a machine built with it replays the run. */
  readonly seed: number;
}

/** The outcome of simulating one test. */
export interface LitmusSimulation {
  readonly name: string;
  readonly runs: number;
  /** Runs whose final state satisfies the condition's proposition (the `exists` outcome). */
  readonly existsHits: number;
  /** Distinct final states, most frequent first. */
  readonly states: readonly SimulatedState[];
  /** The states the checker does not list (a disagreement: should be empty). */
  readonly outside: readonly SimulatedState[];
  /** Runs that had not ended after `maxSteps` decisions (not counted in `states`). */
  readonly unfinished: number;
  /** Fetches of concurrently modified code outside the arch's CMODX list, over all runs. */
  readonly hazards: number;
}

const DEFAULT_MAX_STEPS = 20_000;
/** The machine seed of run `k` of a simulation seeded `seed`: `seed + k` (32-bit). */
export function runSeed(seed: number, k: number): number {
  return (seed + k) >>> 0;
}

/**
 * Runs `test` on a machine `options.runs` times and compares every final
 * state with the checker's. `ENOSYS` naming the reason when the machine
 * cannot run the test (an instruction its ISA lacks, a layout it cannot
 * hold); `EINVAL` for a run count that is not a positive integer.
 */
export function simulateLitmus(
  test: LitmusTest,
  front: LitmusArch,
  options: SimulateOptions,
): LitmusSimulation {
  if (!Number.isSafeInteger(options.runs) || options.runs < 1)
    fail('EINVAL', `simulation runs ${options.runs} is not a positive integer`);
  const checked = options.checked ?? checkLitmus(test, front, options);
  const listed = new Set(checked.states.map((s) => stateKey(s.cells)));
  const arch = options.machineArch(test.arch, variantsOf(test, options));
  const image = buildLitmusImage(test, front, arch);
  const cells = observedCells(test);
  const condition = testCondition(test);
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const states = new Map<string, { state: SimulatedState; count: number }>();
  let existsHits = 0;
  let unfinished = 0;
  let hazards = 0;
  for (let k = 0; k < options.runs; k++) {
    const seed = runSeed(options.seed ?? 0, k);
    const run = runOnce(test, arch, image, seed, maxSteps);
    hazards += run.hazards;
    if (!run.finished) {
      unfinished++;
      continue;
    }
    const read = run.read;
    const witness = evaluate(
      condition.prop,
      read,
      faultReader((thread) => run.faults[thread] ?? []),
    );
    if (witness) existsHits++;
    const printed = cells.map((c) => [cellName(c), formatValue(test, read(c))] as const);
    const key = stateKey(printed);
    const entry = states.get(key);
    if (entry) entry.count++;
    else
      states.set(key, {
        state: { cells: printed, count: 0, witness, listed: listed.has(key), seed },
        count: 1,
      });
  }
  const all = [...states.values()]
    .map(({ state, count }) => ({ ...state, count }))
    .sort((a, b) => b.count - a.count);
  return {
    name: test.name,
    runs: options.runs,
    existsHits,
    states: all,
    outside: all.filter((s) => !s.listed),
    unfinished,
    hazards,
  };
}

interface Run {
  readonly finished: boolean;
  readonly faults: readonly string[][];
  readonly hazards: number;
  read(cell: ReturnType<typeof observedCells>[number]): LitmusValue;
}

/** One seeded run: build the machine, load the image, start every thread, run until idle. */
function runOnce(
  test: LitmusTest,
  arch: Arch,
  image: LitmusImage,
  seed: number,
  maxSteps: number,
): Run {
  const faults: string[][] = Array.from({ length: test.threads }, () => []);
  let hazards = 0;
  const machine: Machine = createMachine({
    arch,
    cpus: test.threads,
    seed,
    memory: 1 << 22,
    onTrap: (e: TrapEvent): TrapAction => {
      faults[e.cpu]?.push(image.slotAt(vaToBigint(e.pc)) ?? `0x${e.pc.toString(16)}`);
      const handler = image.handlers.get(e.cpu);
      const cpu = machine.cpus[e.cpu];
      // herd's `fatal` variant: a fault without a handler, or in one, ends the thread.
      if (handler === undefined || !cpu || cpu.savedPc >= 0) return 'stop';
      return { vector: vaFromBigint(handler) };
    },
    onHazard: () => {
      hazards++;
    },
  });
  // Fresh frames are contiguous, and `mapNew` already made the executable ones instruction
  // memory: the image goes straight into physical memory (what `load` does byte by byte).
  machine.memory.writeBytes(
    machine.mapNew(image.dataBase, image.data.length, PROT_READ | PROT_WRITE),
    image.data,
  );
  machine.memory.writeBytes(
    machine.mapNew(image.codeBase, image.code.length, PROT_RWX),
    image.code,
  );
  for (const [thread, reg, value] of image.registers) {
    const cpu = machine.cpus[thread];
    if (cpu) word64.fromBigint(cpu.state.regs, 2 * reg, value);
  }
  image.entries.forEach((entry, t) => {
    machine.start(t, entry);
  });
  const outcome = machine.run({ maxSteps });
  return {
    finished: outcome.reason === 'idle',
    faults,
    hazards,
    read(cell) {
      if (cell.kind === 'reg') {
        const cpu = machine.cpus[cell.thread];
        return image.decode(cpu ? word64.toBigint(cpu.state.regs, 2 * cell.reg) : 0n);
      }
      const address = image.locations.get(cell.loc);
      if (address === undefined) return 0n;
      const bytes = machine.read(address, 8);
      let v = 0n;
      for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
      return image.decode(v);
    },
  };
}
