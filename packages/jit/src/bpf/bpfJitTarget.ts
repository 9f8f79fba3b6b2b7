import {
  BPF_STACK_SIZE,
  type BpfInsn,
  type BpfJitBackend,
  type BpfJitEnv,
  type BpfJitImage,
  bpfCallxRegister,
  bpfSlotAtOffset,
  ExceptionCause,
  FlatMemory,
  fail,
  type Isa,
  type IsaState,
  runToException,
  vaFromBigint,
  word64,
} from '@execmem/core';
import type { BpfConformanceTarget } from './bpfConformance';
import { BPF_HELPER_UNWIND, failUnknownCallx } from './bpfHelpers';
import { BPF_MAX_CALL_FRAMES } from './bpfInterpreter';
import { type BpfLoadEnv, bpfDataArea, resolveBpfPseudoLoads } from './bpfLoadEnv';

/** Helpers in machine code, as a {@link BpfNativeRuntime} emits them. */
export interface BpfNativeHelpers {
  /** The routines, to be placed at the address they were emitted for. */
  readonly code: Uint8Array;
  /** Helper number → entry address. */
  readonly entries: ReadonlyMap<number, bigint>;
}

/**
 * How to call an arch's JIT output as a C function `u64 prog(void *mem,
 * u64 len)` and give it helpers: each arch package exports one
 * (`x86BpfRuntime`, …) beside its `BpfJitBackend`.
 */
export interface BpfNativeRuntime {
  /** Machine registers of the first two C arguments (BPF r1 and r2). */
  readonly argumentRegisters: readonly string[];
  /** Machine register of the C return value. */
  readonly returnRegister: string;
  /** Register receiving the return address, or `undefined` when a call pushes it on the stack (x86). */
  readonly linkRegister: string | undefined;
  /** The arch's trap instruction, placed at the sentinel return address. */
  readonly trap: Uint8Array;
  /** The conformance suite's helpers (helper 5) as native code to be placed at `address`. */
  emitConformanceHelpers(address: bigint): BpfNativeHelpers;
}

/** Where {@link jitTarget} places things in the simulated address space. */
export interface BpfJitLayout {
  /** Address the code is generated for and loaded at. */
  readonly code: bigint;
  /** Address of the native helpers. */
  readonly helpers: bigint;
  /** Address of the callx helper table. */
  readonly helperTable: bigint;
  /** Top of the machine stack (grows down). */
  readonly stackTop: bigint;
  /** Address of the copy of the input memory block. */
  readonly mem: bigint;
  /** Return address of the outer call; holds the trap instruction. */
  readonly sentinel: bigint;
  /** Address of the maps and variables ({@link bpfDataArea}). */
  readonly data: bigint;
}

/** A layout with everything inside the low 2 GiB, so x86 rel32 calls reach the helpers. */
export const defaultBpfJitLayout: BpfJitLayout = {
  code: 0x0100_0000n,
  helpers: 0x0080_0000n,
  helperTable: 0x0090_0000n,
  stackTop: 0x0040_0000n,
  mem: 0x0060_0000n,
  sentinel: 0x00a0_0000n,
  data: 0x00c0_0000n,
};

/** Options for {@link jitTarget}. */
export interface BpfJitTargetOptions {
  /** Address-space layout; default {@link defaultBpfJitLayout}. */
  readonly layout?: BpfJitLayout;
  /** Native instructions to run before giving up with `E2BIG`; default 10,000,000. */
  readonly maxSteps?: number;
  /** Maps and variables for `lddw` src 1, 2, 3, 5, 6, placed at `layout.data`; default none. */
  readonly env?: BpfLoadEnv;
}

/** What one JIT'd run did, for benchmarks and tests. */
export interface BpfJitRun {
  /** r0 at the outermost `exit`. */
  readonly r0: bigint;
  /** Native instructions executed, helpers included. */
  readonly steps: number;
}

/** Bytes of machine stack JIT'd code needs: a frame per BPF call level plus room for saved registers. */
export const BPF_MACHINE_STACK = BPF_MAX_CALL_FRAMES * (BPF_STACK_SIZE + 256);

function registerIndex(isa: Isa<unknown, IsaState>, name: string): number {
  const index = isa.registerNames.indexOf(name);
  if (index < 0) fail('EINVAL', `register ${name} is not one of the ISA's registers`);
  return index;
}

/** The conformance suite's environment for one program, as {@link bpfConformanceEnv} builds it. */
export interface BpfConformanceEnv {
  /** The native helpers, to be placed at `layout.helpers`. */
  readonly helpers: BpfNativeHelpers;
  /** The callx table (64-bit little-endian entries, 0 for no helper), to be placed at `layout.helperTable`. */
  readonly table: Uint8Array;
  /** What the code generator is told. */
  readonly env: BpfJitEnv;
}

/**
 * The helpers, callx table and {@link BpfJitEnv} of the conformance
 * suite for code loaded at `loadAddress`: helper 5 (the unwind helper)
 * from `runtime`, a table as long as the highest helper number + 1.
 */
export function bpfConformanceEnv(
  runtime: BpfNativeRuntime,
  layout: BpfJitLayout,
  loadAddress: bigint,
): BpfConformanceEnv {
  const helpers = runtime.emitConformanceHelpers(layout.helpers);
  const tableLength = Math.max(0, ...helpers.entries.keys()) + 1;
  const table = new Uint8Array(8 * tableLength);
  const view = new DataView(table.buffer);
  for (const [number, entry] of helpers.entries) view.setBigUint64(8 * number, entry, true);
  const env: BpfJitEnv = {
    loadAddress,
    helpers: helpers.entries,
    helperTable: layout.helperTable,
    helperTableLength: tableLength,
    unwindHelper: BPF_HELPER_UNWIND,
    stackSize: BPF_STACK_SIZE,
  };
  return { helpers, table, env };
}

/**
 * Turns a stop of JIT'd code at byte `offset` of `image` into the error
 * the interpreter raises, when that is one of the image's traps (a
 * `callx` with no target): `ENOSYS` naming the instruction and the value
 * of its register, read with `readRegister` (a machine register name of
 * `backend.registerMap`). Returns normally for any other stop.
 */
export function checkBpfJitTrap(
  program: readonly BpfInsn[],
  image: BpfJitImage,
  backend: BpfJitBackend,
  offset: number,
  readRegister: (name: string) => bigint,
): void {
  if (!image.trapOffsets.includes(offset)) return;
  const pc = bpfSlotAtOffset(image.insnOffsets, offset);
  failUnknownCallx(pc, readRegister(backend.registerMap[bpfCallxRegister(program[pc])]));
}

/** A program JIT'd once, ready to run on fresh memory any number of times. */
export interface BpfJitProgram {
  /** The generated image. */
  readonly image: BpfJitImage;
  /** Loads the image, helpers and a copy of `mem` into a new {@link FlatMemory} and runs it. */
  run(mem: Uint8Array): BpfJitRun;
}

/**
 * JITs `program` with `backend` for the layout's code address, with the
 * runtime's native helpers, a callx table and the maps and variables of
 * `options.env` (resolved into the program as the kernel's verifier
 * does, `EINVAL` for unknown ones). {@link BpfJitProgram.run} then runs
 * it on a one-CPU {@link FlatMemory} with `isa`: the helpers, the table,
 * the code, the data area in its initial state, a machine stack and a
 * copy of `mem` are placed per the layout, r1 = the block's address (0
 * when empty), r2 = its length, and the code is called as a C function
 * returning to a sentinel address that holds the arch's trap. This is the
 * flat-memory stand-in for `bpfJitDriver`'s path through execmem and
 * the jit protocol. `run` throws `ENOSYS` when a `callx` has no target,
 * `EFAULT` when the code faults or stops anywhere else but at the
 * sentinel, `E2BIG` when it runs out of steps.
 */
export function prepareBpfJit<I, S extends IsaState>(
  program: readonly BpfInsn[],
  backend: BpfJitBackend,
  isa: Isa<I, S>,
  runtime: BpfNativeRuntime,
  options: BpfJitTargetOptions = {},
): BpfJitProgram {
  const layout = options.layout ?? defaultBpfJitLayout;
  const { helpers, table, env } = bpfConformanceEnv(runtime, layout, layout.code);
  const data = bpfDataArea(options.env);
  const resolved = resolveBpfPseudoLoads(program, options.env ?? {}, layout.data);
  const image = backend.generate(resolved, env);
  const generic = isa as unknown as Isa<unknown, IsaState>;
  const [arg1, arg2] = runtime.argumentRegisters.map((r) => registerIndex(generic, r));
  const link =
    runtime.linkRegister === undefined ? undefined : registerIndex(generic, runtime.linkRegister);
  const result = registerIndex(generic, runtime.returnRegister);
  const maxSteps = options.maxSteps ?? 10_000_000;
  const sentinel = vaFromBigint(layout.sentinel);
  const stackTop = vaFromBigint(layout.stackTop);

  const run = (mem: Uint8Array): BpfJitRun => {
    const memory = new FlatMemory();
    memory.write(vaFromBigint(layout.helpers), helpers.code);
    memory.write(vaFromBigint(layout.helperTable), table);
    memory.write(vaFromBigint(layout.code), image.code);
    memory.write(sentinel, runtime.trap);
    memory.map(stackTop - BPF_MACHINE_STACK, BPF_MACHINE_STACK);
    if (mem.length > 0) memory.write(vaFromBigint(layout.mem), mem);
    if (data.bytes.length > 0) memory.write(vaFromBigint(layout.data), data.bytes);

    const state = isa.createState();
    const regs = state.regs;
    word64.fromBigint(regs, 2 * arg1, mem.length > 0 ? layout.mem : 0n);
    word64.setNumber(regs, 2 * arg2, mem.length);
    let sp = stackTop;
    if (link === undefined) {
      sp -= 8;
      const slot = new Uint8Array(8);
      new DataView(slot.buffer).setBigUint64(0, layout.sentinel, true);
      memory.write(sp, slot);
    } else {
      word64.fromBigint(regs, 2 * link, layout.sentinel);
    }
    word64.setNumber(regs, 2 * isa.stackPointer, sp);
    state.pc = vaFromBigint(layout.code) + image.entryOffset;

    const stop = runToException(isa, state, memory, { maxSteps });
    if (stop.reason === 'limit') fail('E2BIG', `JIT'd code exceeded ${maxSteps} steps`);
    if (stop.reason === ExceptionCause.Breakpoint) {
      checkBpfJitTrap(resolved, image, backend, stop.pc - vaFromBigint(layout.code), (name) =>
        word64.toBigint(regs, 2 * registerIndex(generic, name)),
      );
    }
    if (stop.reason !== ExceptionCause.Breakpoint || stop.pc !== sentinel) {
      // Worded as the interpreter words its failures, so expected `-- error` texts match both.
      const why =
        stop.reason === 'fault'
          ? `out of bounds memory access at 0x${stop.detail.toString(16)}`
          : `exception ${stop.reason}`;
      fail(
        'EFAULT',
        `JIT'd code stopped at 0x${stop.pc.toString(16)}: ${why}, not at the return address 0x${sentinel.toString(16)}`,
      );
    }
    return { r0: word64.toBigint(regs, 2 * result), steps: stop.steps };
  };
  return { image, run };
}

/** {@link prepareBpfJit} and one run on `mem`. */
export function runBpfJit<I, S extends IsaState>(
  program: readonly BpfInsn[],
  mem: Uint8Array,
  backend: BpfJitBackend,
  isa: Isa<I, S>,
  runtime: BpfNativeRuntime,
  options: BpfJitTargetOptions = {},
): BpfJitRun {
  return prepareBpfJit(program, backend, isa, runtime, options).run(mem);
}

/**
 * A conformance target that runs programs through an arch's JIT
 * (`backend`) on its simulated CPU (`isa`), as {@link runBpfJit} does.
 * `jit` does not import arch packages: the caller passes them in.
 */
export function jitTarget<I, S extends IsaState>(
  name: string,
  backend: BpfJitBackend,
  isa: Isa<I, S>,
  runtime: BpfNativeRuntime,
  options: BpfJitTargetOptions = {},
): BpfConformanceTarget {
  return {
    name,
    run: (program, mem) => runBpfJit(program, mem, backend, isa, runtime, options).r0,
  };
}
