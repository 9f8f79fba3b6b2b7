import {
  BPF_STACK_SIZE,
  Counter,
  type CounterSnapshot,
  CpuStatus,
  createMachine,
  createWxAuditor,
  ExceptionCause,
  type ExecmemType,
  fail,
  isExecmemError,
  type TrapAction,
  type TrapEvent,
  word64,
} from '@execmem/core';
import {
  createExecmem,
  type ExecmemDump,
  type ExecmemPolicy,
  type ExecmemStats,
  generateWorkload,
} from '@execmem/execmem';
import type { ArchEntry } from '../arches';
import { workloadProgram } from './bpfWorkloadProgram';
import { liveTextPatcher, type PatchMode } from './liveTextPatch';
import { STATIC_KEY_ITERATIONS, staticKeyProgram } from './staticKeyProgram';

/** CPUs of every tour machine. */
export const TOUR_CPUS = 4;

/** Options of {@link runTourCase}. */
export interface TourCaseOptions {
  /** The arch. */
  readonly arch: ArchEntry;
  /** The execmem policy. */
  readonly policy: ExecmemPolicy;
  /** Arrivals of the workload (most of them BPF programs). */
  readonly programs: number;
  /** Seed of the machine, the execmem layout, the workload and the programs. */
  readonly seed: number;
  /** Calls of each live program, round-robin over the CPUs; default 2. */
  readonly rounds?: number;
  /** How the static key is flipped; default `protocol`. */
  readonly patch?: PatchMode;
}

/** What {@link runTourCase} measured, and the allocator's final state for the map. */
export interface TourCase {
  /** The table row. */
  readonly row: TourRow;
  /** Every busy and free area at the end. */
  readonly dump: ExecmemDump;
}

/** One row of the tour's table: one arch under one policy. */
export interface TourRow {
  /** The arch's CLI name. */
  readonly arch: string;
  /** The execmem policy. */
  readonly policy: ExecmemPolicy;
  /** BPF programs live (and run) after the workload. */
  readonly programs: number;
  /** Allocations the workload asked for that failed with `ENOMEM`. */
  readonly failedAllocations: number;
  /** The allocator's totals after the workload. */
  readonly stats: ExecmemStats;
  /** Counters over the whole case (loading, running, patching). */
  readonly counters: CounterSnapshot;
  /** Program calls made. */
  readonly calls: number;
  /** Calls not overlapping a flip that returned a wrong value (BPF: not the interpreter's r0; the key's program: not its state's count). */
  readonly wrongResults: number;
  /** Stale fetches while a static-key flip was in progress: old code the protocol still allows. */
  readonly allowedStaleFetches: number;
  /**
   * Executing code other than what the protocols promised: torn fetches,
   * stale fetches outside the patch window, wrong results and crashed CPUs.
   */
  readonly hazards: number;
  /** CPUs that trapped outside the dispatcher's sentinel (ran code they were never given). */
  readonly crashedCpus: number;
  /** iTLB misses per 1,000 instructions. */
  readonly itlbMissesPerKilo: number;
  /** W^X violations the auditor finds after the workload and the flip. */
  readonly wxViolations: number;
}

const STACK_SIZE = 4 * BPF_STACK_SIZE + 4096;
const MACHINE_MEMORY = 512 * 1024 * 1024;

interface Callable {
  /** Engine address of the entry. */
  readonly entry: number;
  /** What the call must return. */
  readonly expected: bigint;
}

/**
 * Runs the tour on one arch and policy: a fresh 4-CPU machine, the
 * seeded workload loaded through execmem with JIT'd eBPF code text-poked
 * into each BPF allocation, every live program called round-robin on all
 * CPUs (each result checked against the reference interpreter), then a
 * static key enabled and disabled again by CPU 0 while the other three run
 * the program that contains its site.
 */
export function runTourCase(options: TourCaseOptions): TourCase {
  const { arch: entry, policy, programs, seed, rounds = 2, patch = 'protocol' } = options;
  const arch = entry.arch({});
  const { backend, runtime } = entry.bpf;
  const { isa } = arch;
  let trap: (event: TrapEvent) => TrapAction = () => 'stop';
  const machine = createMachine({
    arch,
    cpus: TOUR_CPUS,
    seed,
    memory: MACHINE_MEMORY,
    onTrap: (event) => trap(event),
  });
  const setup = arch.execmemArchSetup ?? fail('EINVAL', `arch ${entry.name} has no execmem setup`);
  const execmem = createExecmem(machine, setup(seed), { policy });
  const space = machine.kernel;
  const poke = (ptr: bigint, bytes: Uint8Array) => machine.poke(0, ptr, bytes);
  const env = (loadAddress: bigint) => ({
    loadAddress,
    helpers: new Map<number, bigint>(),
    helperTable: 0n,
    helperTableLength: 0,
    stackSize: BPF_STACK_SIZE,
  });

  // Load the workload: each BPF allocation gets its JIT'd program.
  const live = new Map<number, { ptr: bigint; program?: Callable }>();
  let failedAllocations = 0;
  const trace = generateWorkload({
    seed,
    arrivals: programs,
    mix: { bpf: 85, module: 3, kprobe: 6, ftrace: 6 },
    meanLifetime: programs,
  });
  // Stop at the last arrival: what is still live then is what runs.
  const lastArrival = trace.findLastIndex((op) => op.op === 'alloc');
  for (const op of trace.slice(0, lastArrival + 1)) {
    if (op.op === 'free') {
      const a = live.get(op.id);
      if (a) execmem.execmemFree(a.ptr);
      live.delete(op.id);
      continue;
    }
    try {
      live.set(op.id, load(op.type, op.size, seed + op.id));
    } catch (e) {
      if (!isExecmemError(e) || e.code !== 'ENOMEM') throw e;
      failedAllocations++;
    }
  }

  function load(type: ExecmemType, size: number, programSeed: number) {
    if (type !== 'bpf') return { ptr: execmem.execmemAlloc(type, size) };
    const wp = workloadProgram(programSeed, size);
    const probe = backend.generate(wp.program, env(0n));
    const room = Math.max(size, probe.code.length);
    const ptr = execmem.execmemAlloc('bpf', room);
    const image = backend.generate(wp.program, env(ptr));
    if (image.code.length > room) {
      fail(
        'E2BIG',
        `the ${entry.name} JIT made ${image.code.length} bytes for a ${room}-byte allocation`,
      );
    }
    poke(ptr, image.code);
    return {
      ptr,
      program: { entry: space.toEngine(ptr) + image.entryOffset, expected: wp.expected },
    };
  }

  const bpfPrograms = [...live.values()].flatMap((a) => (a.program ? [a.program] : []));
  if (bpfPrograms.length === 0)
    fail('EINVAL', `the workload of ${programs} arrivals left no program`);
  const stats = execmem.stats();

  // The calling convention's scaffolding, allocated like everything else.
  const sentinelPtr = execmem.execmemAlloc('bpf', runtime.trap.length);
  poke(sentinelPtr, runtime.trap);
  const sentinel = space.toEngine(sentinelPtr);
  const keyPtr = execmem.execmemAlloc('bpf', 64);
  const key = staticKeyProgram(entry.name, isa, keyPtr);
  poke(keyPtr, key.code);
  // With the key off a call counts every iteration; with it on the jump skips them all.
  const keyOff: Callable = {
    entry: space.toEngine(keyPtr),
    expected: BigInt(STATIC_KEY_ITERATIONS),
  };
  const keyOn: Callable = { entry: keyOff.entry, expected: 0n };
  const stackTops = Array.from({ length: TOUR_CPUS }, () => {
    const top = execmem.execmemAlloc('moduleData', STACK_SIZE) + BigInt(STACK_SIZE);
    if (runtime.linkRegister === undefined) {
      const slot = new Uint8Array(8);
      new DataView(slot.buffer).setBigUint64(0, space.fromEngine(sentinel), true);
      machine.load(top - 8n, slot);
    }
    return top;
  });
  const reg = (name: string) => {
    const i = isa.registerNames.indexOf(name);
    if (i < 0) fail('EINVAL', `register ${name} is not one of the ${entry.name} registers`);
    return 2 * i;
  };
  const args = runtime.argumentRegisters.map(reg);
  const result = reg(runtime.returnRegister);
  const link = runtime.linkRegister === undefined ? undefined : reg(runtime.linkRegister);
  const sp = 2 * isa.stackPointer;

  // The dispatcher: each return to the sentinel checks the result and starts the next call.
  const running: (Callable | undefined)[] = new Array(TOUR_CPUS).fill(undefined);
  let phase: 'programs' | 'key' | 'end' = 'programs';
  let calls = 0;
  let wrongResults = 0;
  let keyCalls = 0;
  // Odd while a flip is in progress; a call is checked only if no flip overlapped it.
  let epoch = 0;
  const callEpoch = new Int32Array(TOUR_CPUS);
  const next = new Int32Array(TOUR_CPUS).map((_, c) => c);
  function call(cpu: number, p: Callable): number {
    const regs = machine.cpus[cpu].state.regs;
    for (const a of args) word64.setNumber(regs, a, 0);
    // Registers hold canonical 64-bit addresses, not engine addresses.
    if (link === undefined) word64.fromBigint(regs, sp, stackTops[cpu] - 8n);
    else {
      word64.fromBigint(regs, sp, stackTops[cpu]);
      word64.fromBigint(regs, link, sentinelPtr);
    }
    running[cpu] = p;
    callEpoch[cpu] = epoch;
    calls++;
    return p.entry;
  }
  function choose(cpu: number): Callable | undefined {
    if (phase === 'programs') {
      const p = bpfPrograms[next[cpu] % bpfPrograms.length];
      next[cpu] += TOUR_CPUS;
      return p;
    }
    // CPU 0 is the patcher; the others run the static key's program.
    if (phase === 'end' || cpu === 0) return undefined;
    keyCalls++;
    return epoch % 4 === 0 ? keyOff : keyOn;
  }
  const patcher = liveTextPatcher(entry.name, machine, patch, seed);
  trap = (event) => {
    if (event.cause !== ExceptionCause.Breakpoint || event.pc !== sentinel) {
      return patcher.onTrap(event) ?? 'stop';
    }
    const done = running[event.cpu];
    const regs = machine.cpus[event.cpu].state.regs;
    const checked = callEpoch[event.cpu] === epoch && epoch % 2 === 0;
    if (checked && done !== undefined && word64.toBigint(regs, result) !== done.expected) {
      wrongResults++;
    }
    running[event.cpu] = undefined;
    const p = choose(event.cpu);
    return p === undefined ? 'stop' : { resumeAt: call(event.cpu, p) };
  };

  const before = machine.counters.snapshot();
  for (let c = 0; c < TOUR_CPUS; c++) {
    const p = choose(c);
    if (p) machine.start(c, space.fromEngine(call(c, p)));
  }
  const target = rounds * bpfPrograms.length;
  // Generous for the work asked; only code gone wrong (a loop that never returns) reaches it.
  const limit = 200 * (target + 100) * (STATIC_KEY_ITERATIONS + 64);
  machine.run({ maxSteps: limit, until: () => calls >= target });
  phase = 'key';
  const cpu0 = machine.cpus[0];
  machine.run({
    maxSteps: limit,
    until: () => cpu0.status === CpuStatus.Stopped && keyCalls >= TOUR_CPUS - 1,
  });
  // Enable the key, then disable it, each time while the others are deep in the loop.
  const site = keyPtr + BigInt(key.siteOffset);
  let allowedStaleFetches = 0;
  for (const bytes of [key.jump, key.nop]) {
    machine.run({ maxSteps: STATIC_KEY_ITERATIONS * 4 });
    const stale = machine.counters.values[Counter.staleFetches];
    epoch++;
    const progress = patcher.start(0, site, bytes);
    machine.run({ maxSteps: limit, until: () => progress.done });
    epoch++;
    allowedStaleFetches += machine.counters.values[Counter.staleFetches] - stale;
    const from = keyCalls;
    machine.run({ maxSteps: limit, until: () => keyCalls - from >= 2 * (TOUR_CPUS - 1) });
  }
  phase = 'end';
  machine.run({ maxSteps: limit });
  // A CPU stopped anywhere but at the sentinel, or still running, ran code it was never given.
  const crashedCpus = machine.cpus.filter(
    (c) =>
      c.status !== CpuStatus.Stopped ||
      (c.stopEvent &&
        !(c.stopEvent.cause === ExceptionCause.Breakpoint && c.stopEvent.pc === sentinel)),
  ).length;
  const after = machine.counters.snapshot();
  const run = machine.counters.diff(before, after);
  const audit = createWxAuditor([space, ...patcher.spaces]).audit();
  const row: TourRow = {
    arch: entry.name,
    policy,
    programs: bpfPrograms.length,
    failedAllocations,
    stats,
    counters: after,
    calls,
    wrongResults,
    allowedStaleFetches,
    hazards:
      after.tornFetches + after.staleFetches - allowedStaleFetches + wrongResults + crashedCpus,
    crashedCpus,
    itlbMissesPerKilo: run.instructions === 0 ? 0 : (1000 * run.itlbMisses) / run.instructions,
    wxViolations: audit.wx.length + audit.aliasWx.length,
  };
  return { row, dump: execmem.dump() };
}
