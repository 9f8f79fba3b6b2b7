/**
 * The publish API: `jitTextAlloc` returns a handle whose memory no CPU can
 * execute yet, `write` fills it through a non-executable path,
 * `finalize` makes it executable and performs exactly the arch's
 * {@link publishSteps}, `jitTextFree` releases it. This answers the
 * question of the June 2023 `jit_text_alloc()` thread for each arch and
 * strategy.
 *
 * @module
 */

import {
  Counter,
  CpuStatus,
  fail,
  findRegion,
  type IsaState,
  type Machine,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  setMemoryRox,
  setMemoryX,
  type WxAuditor,
} from '@execmem/core';
import { createProtocolRun, performStep, protocolDone } from './protocolRun';
import type { ProtocolStep } from './protocolStep';
import { PUBLISH_STRATEGIES, type PublishStrategy, publishSteps } from './publishSteps';

/** Options of {@link jitTextAlloc}. */
export interface JitTextOptions {
  /** Default `'rwThenRox'`. */
  readonly strategy?: PublishStrategy;
  /** The CPU that writes and publishes; default 0. */
  readonly cpu?: number;
  /** For `dualMapping`: the auditor to register the intentional alias with. */
  readonly wxAuditor?: WxAuditor;
}

/** What {@link JitTextHandle.finalize} did. */
export interface FinalizeReport {
  /** The steps performed after the writes, in order. */
  readonly steps: readonly ProtocolStep[];
  /** IPIs sent by the protocol. */
  readonly ipis: number;
}

/** What {@link jitTextFree} found. */
export interface JitFreeReport {
  /** CPUs whose program counter (or saved return address) was inside the range: they may still execute it. */
  readonly cpusInside: readonly number[];
}

/** A range of JIT text being written or published. */
export interface JitTextHandle {
  /** The executable address. */
  readonly exec: bigint;
  /** Bytes allocated (a whole number of pages). */
  readonly size: number;
  readonly strategy: PublishStrategy;
  /** `'writable'` until finalized, then `'finalized'`, then `'freed'`. */
  readonly state: 'writable' | 'finalized' | 'freed';
  /** The protocol `finalize` runs, as data. */
  readonly steps: readonly ProtocolStep[];
  /** Writes `bytes` at `offset` through the non-executable path; `EPERM` once finalized or freed, `ERANGE` outside the range. */
  write(offset: number, bytes: Uint8Array): void;
  /** Makes the range executable and synchronizes every CPU; `EPERM` unless writable. */
  finalize(): FinalizeReport;
  /** CPUs that jumped into the range before it was finalized and faulted there. */
  faults(): readonly number[];
}

interface Space {
  next: bigint;
  /** Frames that were ever executable: code may have been fetched from them. */
  readonly fetched: Set<number>;
}

const spaces = new WeakMap<object, Space>();

function spaceOf<I, S extends IsaState>(machine: Machine<I, S>): Space {
  let s = spaces.get(machine);
  if (!s)
    spaces.set(
      machine,
      (s = { next: findRegion(machine.arch.layout, 'modules').start, fetched: new Set() }),
    );
  return s;
}

/** A free range of `size` bytes in the modules region (skipping anything already mapped). */
function reserve<I, S extends IsaState>(
  machine: Machine<I, S>,
  space: Space,
  size: number,
): bigint {
  const region = findRegion(machine.arch.layout, 'modules');
  for (let va = space.next; va + BigInt(size) <= region.end; va += BigInt(PAGE_SIZE)) {
    let free = true;
    for (let off = 0; off < size && free; off += PAGE_SIZE)
      free = !machine.kernel.translate(va + BigInt(off));
    if (free) {
      space.next = va + BigInt(size);
      return va;
    }
  }
  return fail(
    'ENOMEM',
    `no free ${size} bytes left in the modules region of ${machine.arch.layout.name}`,
  );
}

/**
 * Allocates `size` bytes of JIT text on `machine` for `options.strategy`:
 * the executable mapping exists but is not executable until
 * {@link JitTextHandle.finalize}. `EINVAL` for a bad size, strategy or CPU;
 * `ENOMEM` when the modules region is full.
 */
export function jitTextAlloc<I, S extends IsaState>(
  machine: Machine<I, S>,
  size: number,
  options: JitTextOptions = {},
): JitTextHandle {
  const strategy = options.strategy ?? 'rwThenRox';
  const cpu = options.cpu ?? 0;
  if (!Number.isSafeInteger(size) || size < 1)
    fail('EINVAL', `JIT text size ${size} is not a positive integer`);
  if (!PUBLISH_STRATEGIES.includes(strategy)) {
    fail('EINVAL', `publish strategy "${strategy}" is not one of ${PUBLISH_STRATEGIES.join(', ')}`);
  }
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= machine.cpus.length) {
    fail('EINVAL', `CPU ${cpu} does not exist (CPUs 0..${machine.cpus.length - 1})`);
  }
  if (strategy === 'dualMapping' && !options.wxAuditor) {
    fail('EINVAL', 'the dualMapping strategy needs a wxAuditor to register its alias with');
  }
  const pages = Math.ceil(size / PAGE_SIZE);
  const bytes = pages * PAGE_SIZE;
  const space = spaceOf(machine);
  const exec = reserve(machine, space, bytes);
  // rwThenRox writes through the executable address itself while it is RW; the others through an alias.
  const pa = machine.mapNew(
    exec,
    bytes,
    strategy === 'rwThenRox' ? PROT_READ | PROT_WRITE : PROT_READ,
  );
  let fetchedBefore = false;
  for (let p = 0; p < pages; p++) fetchedBefore ||= space.fetched.has(pa / PAGE_SIZE + p);
  let alias: bigint | undefined;
  let withdraw: (() => void) | undefined;
  if (strategy === 'dualMapping') {
    alias = reserve(machine, space, bytes);
    machine.kernel.map(alias, BigInt(pa), BigInt(bytes), PROT_READ | PROT_WRITE);
    withdraw = options.wxAuditor?.allowDualMapping(
      BigInt(pa),
      BigInt(bytes),
      `JIT text at 0x${exec.toString(16)}`,
    );
  }
  const steps = publishSteps(machine.arch, strategy, { fetchedBefore });
  let state: JitTextHandle['state'] = 'writable';

  function textPoke(offset: number, data: Uint8Array): void {
    // text_poke_copy(): a temporary writable alias of the frames, removed after the copy.
    const first = Math.floor(offset / PAGE_SIZE);
    const last = Math.floor((offset + data.length - 1) / PAGE_SIZE);
    const window = reserve(machine, space, (last - first + 1) * PAGE_SIZE);
    const span = BigInt((last - first + 1) * PAGE_SIZE);
    machine.kernel.map(window, BigInt(pa + first * PAGE_SIZE), span, PROT_READ | PROT_WRITE);
    try {
      machine.poke(cpu, window + BigInt(offset - first * PAGE_SIZE), data);
    } finally {
      machine.kernel.unmap(window, span);
    }
  }

  const handle: JitTextHandle = {
    exec,
    size: bytes,
    strategy,
    get state() {
      return state;
    },
    steps,
    write(offset, data) {
      if (state !== 'writable') {
        fail(
          'EPERM',
          `JIT text at 0x${exec.toString(16)} is ${state}: write of ${data.length} bytes at offset ${offset} refused`,
        );
      }
      if (!Number.isSafeInteger(offset) || offset < 0 || offset + data.length > bytes) {
        fail(
          'ERANGE',
          `write of ${data.length} bytes at offset ${offset} exceeds the ${bytes}-byte JIT text`,
        );
      }
      if (data.length === 0) return;
      if (strategy === 'roxCacheTextPoke') textPoke(offset, data);
      else machine.poke(cpu, (alias ?? exec) + BigInt(offset), data);
    },
    finalize() {
      if (state !== 'writable')
        fail('EPERM', `JIT text at 0x${exec.toString(16)} is already ${state}`);
      const ipis = machine.counters.values[Counter.ipis];
      const run = createProtocolRun(
        // The writes already happened, through the non-executable path.
        steps.filter((s) => s.action.kind !== 'write'),
        {
          writer: cpu,
          exec,
          write: alias ?? exec,
          bytes: new Uint8Array(bytes),
          protect: () =>
            strategy === 'rwThenRox'
              ? setMemoryRox(machine.kernel, exec, pages)
              : setMemoryX(machine.kernel, exec, pages),
        },
        machine.cpus.length,
      );
      while (!protocolDone(run)) {
        if (!performStep(machine, run))
          machine.run({ until: () => (run.batch?.pending ?? 0) === 0 });
      }
      for (let p = 0; p < pages; p++) space.fetched.add(pa / PAGE_SIZE + p);
      state = 'finalized';
      return { steps: run.steps, ipis: machine.counters.values[Counter.ipis] - ipis };
    },
    faults() {
      return machine.cpus
        .filter(
          (c) =>
            c.stopEvent?.cause === 'instructionFault' &&
            BigInt(c.stopEvent.detail) >= BigInt.asUintN(48, exec) &&
            BigInt(c.stopEvent.detail) < BigInt.asUintN(48, exec) + BigInt(bytes),
        )
        .map((c) => c.id);
    },
  };
  freeing.set(handle, () => {
    if (state === 'freed') fail('EINVAL', `JIT text at 0x${exec.toString(16)} is already freed`);
    const lo = Number(BigInt.asUintN(48, exec));
    const inside = (pc: number) => pc >= lo && pc < lo + bytes;
    const cpusInside = machine.cpus
      .filter((c) => c.status !== CpuStatus.Stopped && (inside(c.state.pc) || inside(c.savedPc)))
      .map((c) => c.id);
    machine.kernel.unmap(exec, BigInt(bytes));
    if (alias !== undefined) machine.kernel.unmap(alias, BigInt(bytes));
    withdraw?.();
    machine.memory.freeFrames(pa / PAGE_SIZE, pages);
    state = 'freed';
    return { cpusInside };
  });
  return handle;
}

const freeing = new WeakMap<JitTextHandle, () => JitFreeReport>();

/**
 * Frees JIT text: unmaps it (and its alias) and returns its frames. The
 * report lists CPUs that may still be executing inside (their program
 * counter or saved return address is in the range): freeing then is a
 * use-after-free the caller must prevent. `EINVAL` for a handle freed twice
 * or not from {@link jitTextAlloc}.
 */
export function jitTextFree(handle: JitTextHandle): JitFreeReport {
  const free = freeing.get(handle);
  if (!free) fail('EINVAL', 'not a JIT text handle from jitTextAlloc');
  return free();
}
