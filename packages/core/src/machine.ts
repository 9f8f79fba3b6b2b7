/**
 * A simulated multiprocessor: physical memory, a kernel address space in
 * the arch's page-table format, CPUs, the storage model, per-CPU
 * instruction views, IPIs and counters, built from an {@link Arch} by
 * {@link createMachine}. Every nondeterministic decision (which CPU steps
 * next, which buffered store drains, which allowed version a fetch sees)
 * goes to the machine's {@link Chooser}: a seeded one for simulation, the
 * explorer's for model checking ({@link exploreMachine}).
 *
 * @module
 */

import { vaFromBigint } from './address';
import { type Arch, type SystemRegisterDef, TlbOpEffect } from './arch';
import { type Chooser, seededChooser } from './chooser';
import { Counter, type Counters, createCounters } from './counters';
import { Cpu, CpuStatus, type HazardHandler, type TrapHandler } from './cpu';
import { fail } from './errors';
import { type ExploreOptions, type ExploreResult, explore } from './explorer';
import { IndependentMemory, type IndependentRange } from './independentMemory';
import { InstructionViews } from './instructionViews';
import { IpiController } from './ipi';
import type { IsaState } from './isa';
import { type AddressSpace, createAddressSpace } from './mmu';
import { PROT_EXEC, type Prot } from './pageTableFormat';
import { createWalkResult } from './pageTableWalk';
import { createPhysicalMemory, PAGE_SIZE, type PhysicalMemory } from './physicalMemory';
import { createStateHasher } from './stateHash';
import { type StorageConfig, StorageModel, storageConfig } from './storageModel';
import { type CpuTlbs, createTlb, flushTlbKernelRange } from './tlb';

/** How to build a machine. */
export interface MachineConfig<I, S extends IsaState> {
  /** The architecture. */
  readonly arch: Arch<I, S>;
  /** Number of CPUs (1..256). */
  readonly cpus: number;
  /** Seed of the default chooser; default 0. */
  readonly seed?: number;
  /** The source of decisions; default `seededChooser(seed)`. */
  readonly chooser?: Chooser;
  /** Physical memory in bytes (a multiple of 4 KiB); default 64 MiB (frames cost nothing until touched). */
  readonly memory?: number;
  /** Data-memory model; default the arch's. */
  readonly storage?: 'sc' | 'tso' | 'pso' | 'relaxed' | StorageConfig;
  /** System register values by name, overriding the arch's reset values (for example `CTR_EL0`). */
  readonly systemRegisters?: Readonly<Record<string, bigint>>;
  /** Trap hook; without one a trapping CPU stops with the cause recorded. */
  readonly onTrap?: TrapHandler;
  /**
   * Hazard hook: called for each fetch that concurrently modified code
   * outside the arch's list could make return an undefined instruction
   * (Arm ARM B2.2.5 CMODX), besides counting it in `hazards`. Fetches are
   * checked when `arch.patching.concurrentModificationList` is set.
   */
  readonly onHazard?: HazardHandler;
}

/** Why {@link Machine.run} returned. */
export interface MachineRun {
  /** Scheduling decisions taken. */
  readonly steps: number;
  /** `'idle'`: no CPU can run and no store is buffered; `'until'`: the `until` condition held; `'limit'`: `maxSteps` ran out. */
  readonly reason: 'idle' | 'until' | 'limit';
}

/** Options for {@link Machine.run}. */
export interface MachineRunOptions {
  /** Most scheduling decisions to take; default 1,000,000. */
  readonly maxSteps?: number;
  /** Stop as soon as this holds (checked before every decision), e.g. `() => batch.pending === 0`. */
  readonly until?: () => boolean;
}

/** A simulated machine. */
export interface Machine<I = unknown, S extends IsaState = IsaState> {
  readonly arch: Arch<I, S>;
  readonly counters: Counters;
  readonly memory: PhysicalMemory;
  /** The kernel address space every CPU translates through. */
  readonly kernel: AddressSpace;
  readonly storage: StorageModel;
  readonly views: InstructionViews;
  readonly ipis: IpiController;
  readonly cpus: readonly Cpu<I, S>[];
  /** Each CPU's iTLB and dTLB. */
  readonly tlbs: readonly CpuTlbs[];
  readonly chooser: Chooser;
  /**
   * Allocates zeroed frames and maps them at `va` with `prot` (4 KiB
   * pages); returns the first frame's physical address. Executable frames
   * become instruction memory (see `InstructionViews.track`).
   */
  mapNew(va: bigint, size: number, prot: Prot): number;
  /**
   * Writes an initial image at `va` straight into physical memory (a
   * loader, not a CPU: no store buffer, no versions). Frames reached
   * through an executable mapping become instruction memory, so later
   * writes to them keep old versions.
   */
  load(va: bigint, bytes: Uint8Array): void;
  /**
   * Writes `bytes` at `va` as CPU `cpu`'s stores reaching memory at once
   * (a text poke), one write per aligned 8-byte chunk; instruction memory
   * keeps the old versions. It does not make the frames instruction memory
   * (a ROX cache fills megabytes this way): fetching does, as do `load`,
   * `mapNew` and `views.track`.
   */
  poke(cpu: number, va: bigint, bytes: Uint8Array): void;
  /** Reads `size` bytes at `va` as memory holds them (without any CPU's buffered stores). */
  read(va: bigint, size: number): Uint8Array;
  /** Starts CPU `cpu` at `pc`. */
  start(cpu: number, pc: bigint): void;
  /**
   * Declares memory the CPUs cannot conflict on: ranges only one CPU
   * accesses, and ranges nothing writes while the machine runs. A CPU's
   * step that touches nothing else (see `Cpu.lastStepIndependent`)
   * commutes with every other CPU's steps, so the scheduler runs the CPU
   * on to its next step without a decision: the reachable outcomes are the
   * same, and the explorer visits far fewer states. Every later access is
   * checked (`EPERM` for a CPU touching another's private memory, or any
   * write, poke included, to read-only memory). `EFAULT` for an unmapped
   * byte, `EINVAL` for a bad owner, a range not on 8-byte boundaries, or
   * one overlapping an earlier declaration with another owner; nothing
   * changes then.
   */
  declareIndependent(ranges: readonly IndependentRange[]): void;
  /** Takes one scheduling decision (step a CPU or drain a store); false when nothing can happen. */
  step(): boolean;
  /** Steps until idle, until `options.until` holds, or for at most `options.maxSteps` decisions. */
  run(options?: MachineRunOptions): MachineRun;
  /**
   * The state as a 64-bit fingerprint for the explorer. In the middle of a
   * step it is `undefined`, except with an exhaustive chooser, where a
   * choice inside a step (a read, a fetch) is keyed by the state the step
   * started from and the decisions taken since (so a spin loop re-reading a
   * stale value ends in a known state instead of running to `maxSteps`,
   * and fetch choices after the last scheduling decision are pruned too).
   * It covers registers, CPU status, store buffers,
   * memory written through the storage model and the instruction views;
   * not TLB contents (which change behaviour only when page tables change
   * during the run) and not counters. Pending IPIs count by number, since
   * their host handlers cannot be compared.
   */
  fingerprint(): string | undefined;
}

/**
 * Most steps one scheduling decision runs: independent steps, then one
 * more. Ending a run of independent steps early is always sound; the bound
 * keeps a CPU looping on private memory from starving the scheduler.
 */
const MAX_INDEPENDENT_RUN = 256;

/** Creates a machine; `EINVAL` for a bad CPU count, memory size or system register name. */
export function createMachine<I, S extends IsaState>(config: MachineConfig<I, S>): Machine<I, S> {
  const { arch } = config;
  const n = config.cpus;
  if (!Number.isInteger(n) || n < 1 || n > 256) fail('EINVAL', `CPU count ${n} is not in 1..256`);
  const registers = systemRegisters(arch.systemRegisters, config.systemRegisters ?? {});
  const counters = createCounters();
  const memory = createPhysicalMemory({ size: config.memory ?? 64 * 1024 * 1024 });
  const kernel = createAddressSpace({
    memory,
    format: arch.pageTableFormat,
    counters,
    name: 'kernel',
  });
  const chooser = config.chooser ?? seededChooser(config.seed ?? 0);
  // Fingerprint of the state the current step started from, and the decisions taken in the step.
  let stepStart: string | undefined;
  const stepChoices: number[] = [];
  const decide: Chooser = {
    choose(count, label) {
      const c = chooser.choose(count, label);
      if (stepStart !== undefined) stepChoices.push(c);
      return c;
    },
  };
  const storage = new StorageModel(
    memory,
    n,
    storageConfig(config.storage ?? arch.storage),
    decide,
  );
  const views = new InstructionViews(memory, storage, arch.fetchRules);
  views.collectAlternatives = arch.patching.concurrentModificationList === true;
  const ipis = new IpiController(n, counters);
  const independent = new IndependentMemory();

  const tlbs: CpuTlbs[] = Array.from({ length: n }, () => ({
    itlb: createTlb(arch.cpuProfile.itlb, counters, 'instruction'),
    dtlb: createTlb(arch.cpuProfile.dtlb, counters, 'data'),
  }));
  kernel.addInvalidationListener((start, end) => {
    // The kernel changes kernel mappings with flush_tlb_kernel_range(), which waits for every CPU,
    // and for the accesses they made through the old translations.
    for (const c of cpus) c.performBufferedLoads();
    flushTlbKernelRange(tlbs, start, end, { broadcast: arch.tlbBroadcast, initiator: 0, counters });
  });
  const walk = createWalkResult();
  function translate(cpu: number, va: number, prot: number): number {
    const tlb = prot & PROT_EXEC ? tlbs[cpu].itlb : tlbs[cpu].dtlb;
    if (tlb.lookup(va)) return (tlb.prot & prot) === prot ? tlb.pa : -1;
    if (!kernel.walk(va, walk)) return -1;
    tlb.insert(va, walk.pa, walk.prot, walk.reachShift);
    return (walk.prot & prot) === prot ? walk.pa : -1;
  }

  const ctx = {
    arch,
    storage,
    views,
    counters,
    ipis,
    chooser: decide,
    independent,
    translate,
    tlbOp(cpu: number, op: number, va: number) {
      const effect = arch.tlbOpEffect(op);
      const targets = effect & TlbOpEffect.Broadcast ? tlbs : [tlbs[cpu]];
      // Completing the invalidation waits for the accesses made through the old translations.
      if (effect & TlbOpEffect.Broadcast) for (const c of cpus) c.performBufferedLoads();
      for (const t of targets) {
        for (const tlb of [t.itlb, t.dtlb]) {
          if (effect & TlbOpEffect.Page) tlb.invalidatePage(va);
          else tlb.invalidateAll();
        }
      }
      counters.values[
        effect & TlbOpEffect.Broadcast ? Counter.tlbShootdowns : Counter.tlbFlushesLocal
      ]++;
    },
    onTrap: config.onTrap,
    onHazard: config.onHazard,
  };
  const cpus = Array.from({ length: n }, (_, i) => new Cpu<I, S>(i, ctx, registers));
  const hasher = createStateHasher();
  let inStep = false;
  // Under an explorer, key the choices made inside a step (reads, fetches) by where the step started.
  const keySteps = chooser.exhaustive === true;
  // The digest the explorer took at the current scheduling decision, reused as the step's start.
  let decisionDigest: string | undefined;
  function digest(): string {
    hasher.reset();
    for (const c of cpus) c.fingerprint(hasher);
    storage.fingerprint(hasher);
    views.fingerprint(hasher);
    return hasher.digest();
  }

  /**
   * The physically contiguous runs of `[va, va + size)`, one walk per leaf
   * (a leaf maps contiguous frames), as flat `(pa, length, prot)` triples
   * in address order; `EFAULT` naming the first unmapped byte, so callers
   * check everything before changing anything.
   */
  function physicalRuns(va: bigint, size: number): number[] {
    const start = vaFromBigint(va);
    const runs: number[] = [];
    for (let i = 0; i < size; ) {
      if (!kernel.walk(start + i, walk))
        fail('EFAULT', `address 0x${(va + BigInt(i)).toString(16)} is not mapped`);
      const leaf = 2 ** walk.leafShift;
      const length = Math.min(size - i, leaf - ((start + i) % leaf));
      runs.push(walk.pa, length, walk.prot);
      i += length;
    }
    return runs;
  }

  function cpuOf(cpu: number): Cpu<I, S> {
    const c = cpus[cpu];
    if (!c) fail('EINVAL', `CPU ${cpu} does not exist (CPUs 0..${n - 1})`);
    return c;
  }

  const machine: Machine<I, S> = {
    arch,
    counters,
    memory,
    kernel,
    storage,
    views,
    ipis,
    cpus,
    tlbs,
    chooser,
    mapNew(va, size, prot) {
      const frames = Math.ceil(size / PAGE_SIZE);
      const pfn = memory.allocFrames(frames);
      try {
        kernel.map(va, BigInt(pfn * PAGE_SIZE), BigInt(frames * PAGE_SIZE), prot);
      } catch (e) {
        memory.freeFrames(pfn, frames);
        throw e;
      }
      if (prot & PROT_EXEC) views.track(pfn * PAGE_SIZE, frames * PAGE_SIZE);
      return pfn * PAGE_SIZE;
    },
    load(va, bytes) {
      const runs = physicalRuns(va, bytes.length);
      for (let r = 0, offset = 0; r < runs.length; r += 3) {
        const pa = runs[r];
        const length = runs[r + 1];
        if (runs[r + 2] & PROT_EXEC) views.track(pa, length);
        memory.writeBytes(pa, bytes.subarray(offset, offset + length));
        offset += length;
      }
    },
    poke(cpu, va, bytes) {
      cpuOf(cpu);
      const runs = physicalRuns(va, bytes.length);
      if (independent.active)
        for (let r = 0; r < runs.length; r += 3)
          independent.access(cpu, runs[r], runs[r + 1], true);
      const start = vaFromBigint(va);
      for (let r = 0, offset = 0; r < runs.length; r += 3) {
        const pa = runs[r];
        const length = runs[r + 1];
        // One write per naturally aligned 8-byte chunk, as a copy loop of word stores does.
        for (let k = 0; k < length; ) {
          const size = Math.min(length - k, 8 - ((pa + k) % 8));
          let lo = 0;
          let hi = 0;
          for (let b = size - 1; b >= 0; b--) {
            if (b >= 4) hi = ((hi << 8) | bytes[offset + k + b]) >>> 0;
            else lo = ((lo << 8) | bytes[offset + k + b]) >>> 0;
          }
          views.storeIssued(cpu, pa + k, start + offset + k);
          storage.commit(cpu, pa + k, size, lo, hi);
          k += size;
        }
        offset += length;
      }
    },
    read(va, size) {
      const out = new Uint8Array(size);
      const runs = physicalRuns(va, size);
      for (let r = 0, offset = 0; r < runs.length; r += 3) {
        out.set(memory.readBytes(runs[r], runs[r + 1]), offset);
        offset += runs[r + 1];
      }
      return out;
    },
    start(cpu, pc) {
      cpuOf(cpu).start(vaFromBigint(pc));
    },
    declareIndependent(ranges) {
      const runs = ranges.map((r) => {
        if (r.owner !== 'readOnly') cpuOf(r.owner);
        return { range: r, runs: physicalRuns(r.va, r.size) };
      });
      independent.declare(
        runs.flatMap(({ range, runs: rs }) =>
          Array.from({ length: rs.length / 3 }, (_, i) => ({
            pa: rs[3 * i],
            size: rs[3 * i + 1],
            owner: range.owner,
            what: `0x${range.va.toString(16)}+${range.size}`,
          })),
        ),
      );
    },
    step() {
      let options = 0;
      for (let c = 0; c < n; c++) if (cpus[c].runnable) options++;
      for (let c = 0; c < n; c++) options += storage.drainChoices(c);
      if (options === 0) return false;
      stepStart = undefined;
      decisionDigest = undefined;
      let pick = options > 1 ? chooser.choose(options, 'schedule') : 0;
      // Choosing changes nothing, so the state is still the one the step starts from.
      stepStart = keySteps ? (decisionDigest ?? digest()) : undefined;
      stepChoices.length = 0;
      stepChoices.push(pick);
      inStep = true;
      try {
        for (let c = 0; c < n; c++) {
          if (cpus[c].runnable && pick-- === 0) {
            const cpu = cpus[c];
            cpu.step();
            // Independent steps commute with everything else: the CPU goes on to its next step.
            for (
              let k = 1;
              k < MAX_INDEPENDENT_RUN &&
              cpu.lastStepIndependent &&
              cpu.status === CpuStatus.Running &&
              ipis.pending(c) === 0;
              k++
            )
              cpu.step();
            return true;
          }
        }
        for (let c = 0; c < n; c++) {
          const d = storage.drainChoices(c);
          if (pick < d) {
            storage.drain(c, pick);
            return true;
          }
          pick -= d;
        }
        return fail('EINVAL', 'scheduler decision out of range');
      } finally {
        inStep = false;
      }
    },
    run(options = {}) {
      const { maxSteps = 1_000_000, until } = options;
      for (let steps = 0; steps < maxSteps; steps++) {
        if (until?.()) return { steps, reason: 'until' };
        if (!machine.step()) return { steps, reason: 'idle' };
      }
      return { steps: maxSteps, reason: 'limit' };
    },
    fingerprint() {
      if (inStep) return stepStart === undefined ? undefined : `${stepStart}/${stepChoices.join()}`;
      decisionDigest = digest();
      return decisionDigest;
    },
  };
  return machine;
}

function systemRegisters(
  defs: readonly SystemRegisterDef[],
  overrides: Readonly<Record<string, bigint>>,
): SystemRegisterDef[] {
  for (const name of Object.keys(overrides)) {
    if (!defs.some((d) => d.name === name)) {
      fail(
        'EINVAL',
        `system register "${name}" does not exist on this arch (known: ${defs.map((d) => d.name).join(', ')})`,
      );
    }
  }
  return defs.map((d) => (d.name in overrides ? { ...d, reset: overrides[d.name] } : d));
}

/**
 * Explores every behaviour of a machine program: `build` creates the
 * machine (with the given chooser) and starts its CPUs, the machine runs
 * until idle, and `outcome` reads the result (registers, memory).
 * `maxSteps` bounds each run (an execution that exceeds it ends there).
 */
export function exploreMachine<I, S extends IsaState, R>(
  build: (chooser: Chooser) => Machine<I, S>,
  outcome: (machine: Machine<I, S>) => R,
  options: ExploreOptions & {
    readonly maxSteps?: number;
    readonly outcomeKey?: (r: R) => string;
  } = {},
): ExploreResult<R> {
  return explore(
    {
      start: build,
      finish(m) {
        m.run({ maxSteps: options.maxSteps ?? 100_000 });
        return outcome(m);
      },
      fingerprint: (m) => m.fingerprint(),
      ...(options.outcomeKey ? { outcomeKey: options.outcomeKey } : {}),
    },
    options,
  );
}
