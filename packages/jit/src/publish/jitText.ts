/**
 * The publish API: `jitTextAlloc` returns a handle whose memory no CPU can
 * execute yet, `write` fills it through a non-executable path,
 * `finalize` makes it executable and performs exactly the arch's
 * {@link publishSteps}, `jitTextFree` releases it. This answers the
 * question of the June 2023 `jit_text_alloc()` thread for each arch and
 * strategy. The memory comes from the machine's execmem allocator, as the
 * kernel's JITs get it: read/write pages made ROX at the end
 * (`execmem_alloc_rw` + `execmem_restore_rox`), or a ROX cache filled with
 * traps and written by text poke (`bpf_prog_pack`).
 *
 * @module
 */

import {
  Counter,
  CpuStatus,
  type ExecmemType,
  fail,
  findRegion,
  type IsaState,
  type Machine,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  type WxAuditor,
} from '@execmem/core';
import { createExecmem, type Execmem } from '@execmem/execmem';
import { createProtocolRun, runProtocol } from './protocolRun';
import type { ProtocolStep } from './protocolStep';
import { PUBLISH_STRATEGIES, type PublishStrategy, publishSteps } from './publishSteps';

/**
 * The execmem type each strategy allocates: module-style code is module
 * text; the ROX cache and the dual mapping serve JIT code, which the
 * kernel allocates as `EXECMEM_BPF`.
 */
export const JIT_TEXT_TYPES: Readonly<Record<PublishStrategy, ExecmemType>> = {
  rwThenRox: 'moduleText',
  roxCacheTextPoke: 'bpf',
  dualMapping: 'bpf',
};

/** Options of {@link jitTextAlloc}. */
export interface JitTextOptions {
  /** Default `'rwThenRox'`. */
  readonly strategy?: PublishStrategy;
  /** The CPU that writes and publishes; default 0. */
  readonly cpu?: number;
  /** For `dualMapping`: the auditor to register the intentional alias with. */
  readonly wxAuditor?: WxAuditor;
  /**
   * The allocator; default one {@link jitTextExecmem} creates for the
   * machine on first use. `roxCacheTextPoke` writes through its text-poke
   * path.
   */
  readonly execmem?: Execmem;
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
  /** Bytes the handle spans: whole pages for the read/write strategies, the size asked for from a ROX cache. */
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
  /**
   * CPUs that jumped into the range before it was finalized and stopped
   * there: a fetch fault on a non-executable page, or the trap fill of a
   * ROX cache.
   */
  faults(): readonly number[];
}

interface Space {
  /** The lowest address an alias took so far (aliases grow down from the top of vmalloc). */
  low: bigint;
  /** Frames that were ever executable: code may have been fetched from them. */
  readonly fetched: Set<number>;
}

const spaces = new WeakMap<object, Space>();
const allocators = new WeakMap<object, Execmem>();

function spaceOf<I, S extends IsaState>(machine: Machine<I, S>): Space {
  let s = spaces.get(machine);
  if (!s)
    spaces.set(
      machine,
      (s = { low: findRegion(machine.arch.layout, 'vmalloc').end, fetched: new Set() }),
    );
  return s;
}

/**
 * The execmem allocator `jitTextAlloc` uses on `machine` by default:
 * created on first use with the arch's execmem setup (seed 0) and the
 * `roxCache` policy. `EINVAL` for an arch without execmem setup; `EEXIST`
 * (from `createExecmem`) when the machine already has an allocator of its
 * own, which callers then pass as `options.execmem`.
 */
export function jitTextExecmem<I, S extends IsaState>(machine: Machine<I, S>): Execmem {
  let e = allocators.get(machine);
  if (!e) {
    const info = machine.arch.execmemArchSetup?.(0);
    if (!info) fail('EINVAL', `arch "${machine.arch.name}" has no execmem setup`);
    e = createExecmem(machine as unknown as Machine, info);
    allocators.set(machine, e);
  }
  return e;
}

/**
 * A free range of `size` bytes for a writable alias, taken from the top of
 * the vmalloc region downwards (`vmap()`), away from execmem's first-fit
 * areas at its bottom.
 */
function reserveAlias<I, S extends IsaState>(
  machine: Machine<I, S>,
  space: Space,
  size: number,
): bigint {
  const region = findRegion(machine.arch.layout, 'vmalloc');
  const page = BigInt(PAGE_SIZE);
  for (let va = space.low - BigInt(size); va >= region.start; va -= page) {
    let free = true;
    for (let off = 0; off < size && free; off += PAGE_SIZE)
      free = !machine.kernel.translate(va + BigInt(off));
    if (free) {
      space.low = va;
      return va;
    }
  }
  return fail('ENOMEM', `no free ${size} bytes left for an alias in ${machine.arch.layout.name}`);
}

/**
 * Allocates `size` bytes of JIT text on `machine` for `options.strategy`
 * through execmem ({@link JIT_TEXT_TYPES}): no CPU can execute the new
 * code until {@link JitTextHandle.finalize} (the read/write strategies'
 * pages are not executable; a ROX cache holds only its trap fill).
 * `EINVAL` for a bad size, strategy or CPU; `E2BIG`/`ENOMEM` from execmem.
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
  const execmem = options.execmem ?? jitTextExecmem(machine);
  const type = JIT_TEXT_TYPES[strategy];
  const rox = strategy === 'roxCacheTextPoke';
  const exec = rox ? execmem.execmemAlloc(type, size) : execmem.execmemAllocRw(type, size);
  const bytes = rox ? size : Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
  const space = spaceOf(machine);
  // The frames, page by page (an area need not be physically contiguous).
  const first = exec - (exec % BigInt(PAGE_SIZE));
  const pages = Math.ceil(Number(exec + BigInt(bytes) - first) / PAGE_SIZE);
  const frames = Array.from({ length: pages }, (_, p) => {
    const t = machine.kernel.translate(first + BigInt(p * PAGE_SIZE));
    return t === undefined ? -1 : Math.floor(Number(t.pa) / PAGE_SIZE);
  });
  const fetchedBefore = frames.some((f) => space.fetched.has(f));
  let alias: bigint | undefined;
  const withdraw: (() => void)[] = [];
  if (strategy === 'dualMapping') {
    alias = reserveAlias(machine, space, bytes);
    frames.forEach((f, p) => {
      const pa = BigInt(f * PAGE_SIZE);
      machine.kernel.map(
        (alias as bigint) + BigInt(p * PAGE_SIZE),
        pa,
        BigInt(PAGE_SIZE),
        PROT_READ | PROT_WRITE,
      );
      withdraw.push(
        options.wxAuditor?.allowDualMapping(
          pa,
          BigInt(PAGE_SIZE),
          `JIT text at 0x${exec.toString(16)}`,
        ) ?? (() => {}),
      );
    });
  }
  const steps = publishSteps(machine.arch, strategy, { fetchedBefore });
  let state: JitTextHandle['state'] = 'writable';
  let faultedBefore: readonly number[] | undefined;
  const lo = machine.kernel.toEngine(exec);
  const inside = (va: number) => va >= lo && va < lo + bytes;

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
      // text_poke_copy(): a temporary writable alias of the ROX frames.
      if (rox) execmem.port.textPoke(lo + offset, data);
      else machine.poke(cpu, (alias ?? exec) + BigInt(offset), data);
    },
    finalize() {
      if (state !== 'writable')
        fail('EPERM', `JIT text at 0x${exec.toString(16)} is already ${state}`);
      faultedBefore = handle.faults();
      const ipis = machine.counters.values[Counter.ipis];
      const run = createProtocolRun(
        // The writes already happened, through the non-executable path.
        steps.filter((s) => s.action.kind !== 'write'),
        {
          writer: cpu,
          exec,
          write: alias ?? exec,
          bytes: new Uint8Array(bytes),
          protect: () => execmem.execmemRestoreRox(exec, bytes),
        },
        machine.cpus.length,
      );
      runProtocol(machine, run);
      for (const f of frames) space.fetched.add(f);
      state = 'finalized';
      return { steps: run.steps, ipis: machine.counters.values[Counter.ipis] - ipis };
    },
    faults() {
      if (faultedBefore !== undefined) return faultedBefore;
      return machine.cpus
        .filter((c) => {
          const e = c.stopEvent;
          if (c.status !== CpuStatus.Stopped || e === undefined) return false;
          return e.cause === 'instructionFault' ? inside(e.detail) : inside(e.pc);
        })
        .map((c) => c.id);
    },
  };
  freeing.set(handle, () => {
    if (state === 'freed') fail('EINVAL', `JIT text at 0x${exec.toString(16)} is already freed`);
    const cpusInside = machine.cpus
      .filter((c) => c.status !== CpuStatus.Stopped && (inside(c.state.pc) || inside(c.savedPc)))
      .map((c) => c.id);
    if (alias !== undefined) machine.kernel.unmap(alias, BigInt(pages * PAGE_SIZE));
    for (const w of withdraw) w();
    execmem.execmemFree(exec);
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
