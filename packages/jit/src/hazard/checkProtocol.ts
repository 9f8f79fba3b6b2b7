/**
 * The hazard checker: runs a publish protocol against executing CPUs under
 * the exhaustive explorer (or many seeded runs) and reports every execution
 * in which a CPU fetched torn bytes, or ran the old code after the
 * protocol promised the new code.
 *
 * The machine: CPU 0 is the writer; it runs no code and performs one
 * protocol action per IPI it sends itself (`driveProtocol`), so the
 * scheduler interleaves the protocol with the executors' instructions.
 * Every other CPU runs the executor: it calls the target once (old code),
 * waits for the flag the writer sets after the last step (the promise),
 * and calls the target again.
 *
 * @module
 */

import {
  type Arch,
  type Chooser,
  Counter,
  CpuStatus,
  createMachine,
  type Decoded,
  ExceptionCause,
  type ExploreOptions,
  explore,
  fail,
  findRegion,
  hex,
  type IsaState,
  type Machine,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  seededChooser,
  setMemoryRox,
  vaFromBigint,
  vaToBigint,
} from '@execmem/core';
import { emulateInstruction } from '../patch/emulateInstruction';
import { createProtocolRun, driveProtocol, type ProtocolRun } from '../publish/protocolRun';
import type { ProtocolStep } from '../publish/protocolStep';

/** The code the executors run. Sources are GNU assembly for the arch. */
export interface ExecutorProgram {
  /**
   * The executor, with `{{target}}`, `{{flag}}`, `{{result}}` and
   * `{{stack}}` (the top of a private stack) replaced by hexadecimal
   * addresses: it calls the target (at `target`, or an entry point an
   * expression computes from it), stores the register the target sets at
   * `result`, waits until the 8-byte `flag` is nonzero, calls the target
   * again and stores the register at `result + 8`.
   */
  readonly executor: string;
  /** The target's code before the protocol (sets the register to `oldValue`). */
  readonly oldCode: string;
  /** The code the protocol publishes (sets the register to `newValue`). */
  readonly newCode: string;
  readonly oldValue: bigint;
  readonly newValue: bigint;
}

/** What {@link checkProtocol} checks. */
export interface CheckProtocolOptions<I, S extends IsaState> {
  readonly arch: Arch<I, S>;
  /** CPUs including the writer (2..8). */
  readonly cpus: number;
  /** The protocol's steps (from `publishSteps`, or a broken variant of them). */
  readonly protocol: readonly ProtocolStep[];
  readonly executors: ExecutorProgram;
  /**
   * For a live patch: the offset in the target of the instruction the
   * protocol replaces (the protocol then writes only that instruction of
   * the new code, and a CPU trapping there emulates it). Default: the
   * protocol publishes the whole new code.
   */
  readonly site?: number;
  /** The trap instruction (assembly) of an int3-style protocol. */
  readonly trap?: string;
  /** System register values of the machine (e.g. `CTR_EL0`). */
  readonly systemRegisters?: Readonly<Record<string, bigint>>;
  /** Seeded random mode instead of exhaustive exploration: `runs` runs from `seed`, `seed + 1`, …. */
  readonly random?: { readonly seed: number; readonly runs: number };
  /** Bounds of the exhaustive search. */
  readonly bounds?: ExploreOptions;
  /** Scheduling decisions per execution; default 2,000. */
  readonly maxSteps?: number;
  /**
   * Declare the executors' code read-only and each one's stack and result
   * slot private to it (`Machine.declareIndependent`), so the explorer does
   * not interleave the steps touching only those; default true. The
   * verdicts are the same either way: false explores every interleaving
   * (for comparison, and far more states).
   */
  readonly independence?: boolean;
}

/** Why an execution is a hazard. */
export type HazardKind = 'torn' | 'stale' | 'fault';

/** One hazardous execution. */
export interface Hazard {
  readonly kind: HazardKind;
  /** What happened, for people. */
  readonly detail: string;
  /** The choice sequence reaching it: replay with `replayChooser(trace)` and {@link buildProtocolMachine}. */
  readonly trace: readonly number[];
}

/** What {@link checkProtocol} found. */
export interface ProtocolCheck {
  /** True when every execution was enumerated (always false in random mode). */
  readonly complete: boolean;
  /** Distinct states the explorer fingerprinted (0 in random mode). */
  readonly states: number;
  /** Executions run. */
  readonly executions: number;
  /** Every distinct hazardous outcome, with a trace. */
  readonly hazards: readonly Hazard[];
  /** Distinct outcomes seen, hazardous or not. */
  readonly outcomes: number;
}

/** A machine set up to run a protocol against executors. */
export interface ProtocolMachine<I, S extends IsaState> {
  readonly machine: Machine<I, S>;
  readonly run: ProtocolRun;
  /** True once the writer set the flag. */
  readonly promised: () => boolean;
  /** The outcome of the execution so far. */
  readonly outcome: () => ProtocolOutcome;
}

/** What one execution produced. */
export interface ProtocolOutcome {
  /** Per executor: the register after the first call and after the call following the promise. */
  readonly results: readonly (readonly [string, string])[];
  /** Some fetch was torn. */
  readonly torn: boolean;
  /** Executors stopped by a trap, with its cause. */
  readonly faults: readonly string[];
}

const PAGE = 4096n;

/**
 * Everything a protocol machine needs that does not depend on the chooser:
 * addresses and assembled bytes, computed once per check so the explorer's
 * re-runs only build and fill the machine.
 */
interface ProtocolImage {
  readonly code: bigint;
  readonly target: bigint;
  readonly data: bigint;
  readonly site: bigint;
  readonly oldCode: Uint8Array;
  /** The bytes the protocol writes at the site (the whole new code, or the site's instruction). */
  readonly newBytes: Uint8Array;
  /** The site's new instruction, which a CPU trapping there emulates; null for a publish. */
  readonly decoded: Decoded<unknown> | null;
  readonly trap: Uint8Array | undefined;
  /** Per CPU (index 0, the writer, empty): the executor's origin and bytes. */
  readonly executors: readonly { readonly origin: bigint; readonly bytes: Uint8Array }[];
}

const resultOf = (data: bigint, cpu: number) => data + BigInt(16 * cpu);
/** Bytes of each executor's private stack, below {@link stackTop}. */
const STACK = 0x100n;
const stackTop = (data: bigint, cpu: number) => data + PAGE - STACK * BigInt(cpu);

function protocolImage<I, S extends IsaState>(options: CheckProtocolOptions<I, S>): ProtocolImage {
  const { arch, cpus, executors } = options;
  if (!Number.isInteger(cpus) || cpus < 2 || cpus > 8) {
    fail('EINVAL', `CPU count ${cpus} is not in 2..8 (a writer and at least one executor)`);
  }
  const base = findRegion(arch.layout, 'vmalloc').start;
  const code = base;
  const target = base + PAGE;
  const data = base + 2n * PAGE;
  const newCode = arch.isa.assemble(executors.newCode, { origin: target }).bytes;
  const offset = options.site ?? 0;
  const decoded =
    options.site === undefined ? null : arch.isa.decode(newCode, offset, newCode.length - offset);
  if (options.site !== undefined && decoded === null) {
    fail('EINVAL', `no instruction of the new code starts at site offset ${offset}`);
  }
  const site = target + BigInt(offset);
  return {
    code,
    target,
    data,
    site,
    oldCode: arch.isa.assemble(executors.oldCode, { origin: target }).bytes,
    newBytes: decoded ? newCode.slice(offset, offset + decoded.length) : newCode,
    decoded: decoded as Decoded<unknown> | null,
    trap: options.trap ? arch.isa.assemble(options.trap, { origin: site }).bytes : undefined,
    executors: Array.from({ length: cpus }, (_, c) => {
      const origin = code + BigInt(0x200 * c);
      if (c === 0) return { origin, bytes: new Uint8Array(0) };
      const source = executors.executor
        .replaceAll('{{target}}', hex(target))
        .replaceAll('{{flag}}', hex(data))
        .replaceAll('{{result}}', hex(resultOf(data, c)))
        .replaceAll('{{stack}}', hex(stackTop(data, c)));
      return { origin, bytes: arch.isa.assemble(source, { origin }).bytes };
    }),
  };
}

/** Builds the machine of {@link checkProtocol} with `chooser`, every CPU started. */
export function buildProtocolMachine<I, S extends IsaState>(
  options: CheckProtocolOptions<I, S>,
  chooser: Chooser,
): ProtocolMachine<I, S> {
  return instantiate(options, protocolImage(options), chooser);
}

function instantiate<I, S extends IsaState>(
  options: CheckProtocolOptions<I, S>,
  image: ProtocolImage,
  chooser: Chooser,
): ProtocolMachine<I, S> {
  const { arch, cpus } = options;
  const { code, target, data, site, decoded } = image;
  const sitePc = vaFromBigint(site);
  const machine: Machine<I, S> = createMachine({
    arch,
    cpus,
    chooser,
    memory: 1 << 22,
    ...(options.systemRegisters ? { systemRegisters: options.systemRegisters } : {}),
    onTrap: (e) =>
      // A CPU reaching the site while it holds the trap emulates the new instruction (poke_int3_handler).
      e.cause === ExceptionCause.Breakpoint && decoded && e.pc === sitePc
        ? emulateInstruction(machine, e.cpu, e.pc, decoded as Decoded<I>)
        : 'stop',
  });
  // Fresh executable frames are instruction memory already (mapNew), so the
  // images go straight into them, as `load` would put them.
  const codePa = machine.mapNew(code, Number(PAGE), PROT_READ | PROT_EXEC);
  const targetPa = machine.mapNew(target, Number(PAGE), PROT_READ | PROT_EXEC);
  machine.mapNew(data, Number(PAGE), PROT_READ | PROT_WRITE);
  machine.memory.writeBytes(targetPa, image.oldCode);
  for (let c = 1; c < cpus; c++) {
    const { origin, bytes } = image.executors[c];
    machine.memory.writeBytes(codePa + Number(origin - code), bytes);
    machine.start(c, origin);
  }
  // Nothing writes the executors' code, and each executor's result slot and
  // stack are its own: steps touching only these commute with the rest.
  if (options.independence !== false)
    machine.declareIndependent([
      { va: code, size: Number(PAGE), owner: 'readOnly' },
      ...Array.from({ length: cpus - 1 }, (_, i) => [
        { va: resultOf(data, i + 1), size: 16, owner: i + 1 },
        { va: stackTop(data, i + 1) - STACK, size: Number(STACK), owner: i + 1 },
      ]).flat(),
    ]);
  const run = createProtocolRun(
    options.protocol,
    {
      writer: 0,
      exec: site,
      write: site,
      bytes: image.newBytes,
      ...(image.trap ? { trap: image.trap } : {}),
      protect: () => setMemoryRox(machine.kernel, target, 1),
    },
    cpus,
  );
  let promised = false;
  driveProtocol(machine, run, () => {
    // The promise: from here on every executor that sees the flag must run the new code.
    const one = new Uint8Array(8);
    one[0] = 1;
    machine.poke(0, data, one);
    promised = true;
  });
  const word = (va: bigint) => {
    const b = machine.read(va, 8);
    return new DataView(b.buffer, b.byteOffset).getBigUint64(0, true).toString();
  };
  return {
    machine,
    run,
    promised: () => promised,
    outcome: () => ({
      results: Array.from({ length: cpus - 1 }, (_, i) => {
        const r = resultOf(data, i + 1);
        return [word(r), word(r + 8n)] as const;
      }),
      torn: machine.counters.values[Counter.tornFetches] > 0,
      faults: machine.cpus
        .filter((c) => c.status === CpuStatus.Stopped && c.stopEvent !== undefined)
        .map(
          (c) =>
            `CPU ${c.id}: ${String(c.stopEvent?.cause)} at ${hex(vaToBigint(c.stopEvent?.pc ?? 0))}`,
        ),
    }),
  };
}

/** The hazards of one outcome. */
function classify(outcome: ProtocolOutcome, program: ExecutorProgram): [HazardKind, string][] {
  const found: [HazardKind, string][] = [];
  if (outcome.torn)
    found.push(['torn', 'a CPU fetched an instruction whose bytes were never current together']);
  for (const f of outcome.faults) found.push(['fault', f]);
  outcome.results.forEach(([, after], i) => {
    if (after === program.oldValue.toString()) {
      found.push([
        'stale',
        `CPU ${i + 1} ran the old code after the protocol promised the new code`,
      ]);
    } else if (after !== program.newValue.toString() && outcome.faults.length === 0) {
      found.push([
        'stale',
        `CPU ${i + 1} ended with ${after}, neither the old nor the new code's value`,
      ]);
    }
  });
  return found;
}

/**
 * Checks a protocol: explores every interleaving of the writer's actions
 * with the executors' instructions and every fetch the arch's rules allow
 * (or, with `random`, that many seeded runs), and returns the hazardous
 * executions with their traces and the number of states explored.
 */
export function checkProtocol<I, S extends IsaState>(
  options: CheckProtocolOptions<I, S>,
): ProtocolCheck {
  const maxSteps = options.maxSteps ?? 2000;
  const image = protocolImage(options);
  const build = (chooser: Chooser) => instantiate(options, image, chooser);
  const finish = (p: ProtocolMachine<I, S>): ProtocolOutcome => {
    p.machine.run({ maxSteps });
    return p.outcome();
  };
  const hazardsOf = (
    outcomes: Iterable<{ outcome: ProtocolOutcome; trace: readonly number[] }>,
  ) => {
    const hazards: Hazard[] = [];
    for (const { outcome, trace } of outcomes) {
      for (const [kind, detail] of classify(outcome, options.executors))
        hazards.push({ kind, detail, trace });
    }
    return hazards;
  };
  if (options.random) {
    const { seed, runs } = options.random;
    const seen = new Map<string, { outcome: ProtocolOutcome; trace: readonly number[] }>();
    for (let i = 0; i < runs; i++) {
      const chooser = seededChooser(seed + i, { record: true });
      const outcome = finish(build(chooser));
      const key = JSON.stringify(outcome);
      if (!seen.has(key)) seen.set(key, { outcome, trace: [...chooser.trace] });
    }
    return {
      complete: false,
      states: 0,
      executions: runs,
      hazards: hazardsOf(seen.values()),
      outcomes: seen.size,
    };
  }
  const result = explore<ProtocolMachine<I, S>, ProtocolOutcome>(
    {
      start: build,
      finish,
      fingerprint(p) {
        const f = p.machine.fingerprint();
        if (f === undefined) return undefined;
        // Host-side protocol progress and the torn-fetch counter are state the machine does not
        // hash: the step, the write offset, whether the step's IPIs are out and how many are
        // still pending (the same step before its IPIs and after them differ), and the statuses
        // stop_machine saved.
        const { run } = p;
        const torn = p.machine.counters.values[Counter.tornFetches] > 0 ? 1 : 0;
        const batch = run.batch === undefined ? -1 : run.batch.pending;
        return `${f}|${run.step}|${run.site}|${run.written}|${batch}|${run.saved.join(',')}|${p.promised() ? 1 : 0}|${torn}`;
      },
    },
    options.bounds,
  );
  if (!result.complete) fail('E2BIG', `protocol check stopped: ${result.message}`);
  return {
    complete: true,
    states: result.states,
    executions: result.executions,
    hazards: hazardsOf(
      [...result.outcomes.values()].map((o) => ({ outcome: o.outcome, trace: o.witness })),
    ),
    outcomes: result.outcomes.size,
  };
}
