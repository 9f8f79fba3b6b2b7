import {
  type BpfInsn,
  type BpfJitBackend,
  type BpfJitImage,
  CpuStatus,
  ExceptionCause,
  fail,
  type Machine,
  word64,
} from '@execmem/core';
import type { Execmem } from '@execmem/execmem';
import { createProtocolRun, runProtocol } from '../publish/protocolRun';
import { publishSteps } from '../publish/publishSteps';
import {
  BPF_MACHINE_STACK,
  type BpfNativeRuntime,
  bpfConformanceEnv,
  checkBpfJitTrap,
  defaultBpfJitLayout,
} from './bpfJitTarget';
import { type BpfLoadEnv, bpfDataArea, resolveBpfPseudoLoads } from './bpfLoadEnv';
import { verifyBpf } from './bpfVerifier';

/** A program loaded by a {@link BpfJitDriver}: its execmem allocation and generated image. */
export interface BpfJitHandle {
  /** The `execmemAlloc('bpf', …)` allocation holding the code. */
  readonly ptr: bigint;
  /** The generated image, placed at `ptr`. */
  readonly image: BpfJitImage;
  /** The program as generated: map and variable loads resolved to the driver's data area. */
  readonly program: readonly BpfInsn[];
}

/** Options of {@link bpfJitDriver}. */
export interface BpfJitDriverOptions {
  /** The CPU that writes and publishes code; default 0. */
  readonly writer?: number;
  /** Machine scheduler steps a run may take before it fails with `E2BIG`; default 10,000,000. */
  readonly maxSteps?: number;
  /**
   * Maps and variables for `lddw` src 1, 2, 3, 5, 6, in a data area the
   * driver allocates once (`moduleData`) and resets to these contents
   * before every run; default none.
   */
  readonly env?: BpfLoadEnv;
}

/** Loads eBPF programs into execmem, publishes them and runs them on the machine's CPUs. */
export interface BpfJitDriver {
  /**
   * Verifies `program` (against the driver's maps and variables), resolves
   * its map and variable loads to data-area addresses, allocates a `bpf`
   * area, generates code for its address and publishes it with the arch's
   * jit protocol. `EINVAL` from the verifier, `ENOMEM`/`E2BIG` from
   * execmem or the generator.
   */
  load(program: readonly BpfInsn[]): BpfJitHandle;
  /**
   * Calls the program on `cpu` (default 0) as `u64 prog(void *mem, u64
   * len)` with a fresh copy of `mem` and the data area reset, and returns
   * r0. `ENOSYS` when a `callx` has no target (the image's trap, worded
   * as the interpreter words it), `EFAULT` when the code stops anywhere
   * else but at the return sentinel, `E2BIG` when it runs out of steps,
   * `EINVAL` for an unloaded handle.
   */
  run(handle: BpfJitHandle, mem: Uint8Array, cpu?: number): bigint;
  /** Frees the handle's allocation; `EINVAL` when it is not loaded. */
  unload(handle: BpfJitHandle): void;
}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

/**
 * The kernel's BPF JIT path on a simulated machine (`bpf_int_jit_compile`
 * → `bpf_jit_binary_pack_alloc` → `bpf_jit_binary_pack_finalize`): the
 * conformance helpers, a callx table, a return sentinel and per-CPU stacks
 * are themselves allocated through `execmem`, so every address the code
 * sees is a real kernel address of the policy in use. Code is written and
 * made visible with `publishSteps(arch, 'roxCacheTextPoke')` run by the
 * protocol runner: the text-poke path into ROX memory, then the arch's
 * synchronization (`EINVAL` if the policy left `bpf` memory writable). The machine must
 * leave traps to stop the CPU (no handler resuming the sentinel's trap).
 */
export function bpfJitDriver(
  machine: Machine,
  execmem: Execmem,
  backend: BpfJitBackend,
  runtime: BpfNativeRuntime,
  options: BpfJitDriverOptions = {},
): BpfJitDriver {
  const writer = options.writer ?? 0;
  const maxSteps = options.maxSteps ?? 10_000_000;
  const { isa } = machine.arch;
  const space = machine.kernel;
  // Every policy serves `bpf` read-only and executable: the code goes in by text poke.
  if (!execmem.execmemIsRox('bpf'))
    fail('EINVAL', `execmem policy ${execmem.policy} leaves bpf memory writable`);
  const steps = publishSteps(machine.arch, 'roxCacheTextPoke');

  const publish = (ptr: bigint, bytes: Uint8Array): void => {
    runProtocol(
      machine,
      createProtocolRun(
        steps,
        { writer, exec: ptr, write: ptr, bytes, trap: runtime.trap },
        machine.cpus.length,
      ),
    );
  };

  /** Allocates `bpf` memory for code `emit` generates for its address, growing the area until it fits. */
  const place = <T extends { code: Uint8Array }>(
    probe: bigint,
    emit: (address: bigint) => T,
  ): { ptr: bigint; out: T } => {
    let room = emit(probe).code.length;
    for (;;) {
      const ptr = execmem.execmemAlloc('bpf', Math.max(room, 1));
      let out: T;
      try {
        out = emit(ptr);
      } catch (e) {
        execmem.execmemFree(ptr);
        throw e;
      }
      if (out.code.length <= room) {
        publish(ptr, out.code);
        return { ptr, out };
      }
      // Branch reach differs at the real address: a longer sequence needs a larger area.
      execmem.execmemFree(ptr);
      room = out.code.length;
    }
  };

  // The helpers first: the program's code is generated relative to them.
  const helpers = place(0n, (address) => {
    // The layout's helper address is the only one read here; the table's is set below.
    const conformance = bpfConformanceEnv(
      runtime,
      { ...defaultBpfJitLayout, helpers: address },
      0n,
    );
    return { code: conformance.helpers.code, conformance };
  });
  const { conformance } = helpers.out;
  const table = execmem.execmemAlloc('moduleData', conformance.table.length);
  machine.load(table, conformance.table);
  const env = { ...conformance.env, helperTable: table };
  const data = bpfDataArea(options.env);
  const dataPtr = execmem.execmemAlloc('moduleData', Math.max(data.bytes.length, 1));
  const sentinelPtr = place(helpers.ptr, () => ({ code: runtime.trap })).ptr;
  const sentinel = space.toEngine(sentinelPtr);

  const reg = (name: string): number => {
    const i = isa.registerNames.indexOf(name);
    if (i < 0) fail('EINVAL', `register ${name} is not one of the ${backend.arch} registers`);
    return 2 * i;
  };
  const [arg1, arg2] = runtime.argumentRegisters.map(reg);
  const result = reg(runtime.returnRegister);
  const link = runtime.linkRegister === undefined ? undefined : reg(runtime.linkRegister);
  const stackTops: (bigint | undefined)[] = new Array(machine.cpus.length).fill(undefined);
  const loaded = new Set<BpfJitHandle>();

  const stackTop = (cpu: number): bigint => {
    let top = stackTops[cpu];
    if (top === undefined) {
      top = execmem.execmemAlloc('moduleData', BPF_MACHINE_STACK) + BigInt(BPF_MACHINE_STACK);
      stackTops[cpu] = top;
    }
    return top;
  };

  return {
    load(source) {
      verifyBpf(source, { env: options.env });
      const program = resolveBpfPseudoLoads(source, options.env ?? {}, dataPtr);
      const { ptr, out } = place(helpers.ptr, (loadAddress) =>
        backend.generate(program, { ...env, loadAddress }),
      );
      const handle: BpfJitHandle = { ptr, image: out, program };
      loaded.add(handle);
      return handle;
    },
    run(handle, mem, cpu = 0) {
      if (!loaded.has(handle)) fail('EINVAL', `no program loaded at ${hex(handle.ptr)}`);
      const c =
        machine.cpus[cpu] ?? fail('EINVAL', `cpu ${cpu} is not one of ${machine.cpus.length}`);
      const block = execmem.execmemAlloc('moduleData', Math.max(mem.length, 1));
      try {
        if (mem.length > 0) machine.load(block, mem);
        if (data.bytes.length > 0) machine.load(dataPtr, data.bytes);
        const regs = c.state.regs;
        word64.fromBigint(regs, arg1, mem.length > 0 ? block : 0n);
        word64.setNumber(regs, arg2, mem.length);
        let sp = stackTop(cpu);
        if (link === undefined) {
          sp -= 8n;
          const slot = new Uint8Array(8);
          new DataView(slot.buffer).setBigUint64(0, sentinelPtr, true);
          machine.load(sp, slot);
        } else {
          word64.fromBigint(regs, link, sentinelPtr);
        }
        word64.fromBigint(regs, 2 * isa.stackPointer, sp);
        machine.start(cpu, handle.ptr + BigInt(handle.image.entryOffset));
        const ran = machine.run({ maxSteps, until: () => c.status !== CpuStatus.Running });
        if (ran.reason === 'limit') {
          // stop_machine's way of taking a CPU out of the schedule.
          c.status = CpuStatus.Stopped;
          fail('E2BIG', `JIT'd code exceeded ${maxSteps} steps`);
        }
        const stop = c.stopEvent;
        if (stop?.cause === ExceptionCause.Breakpoint) {
          const offset = space.fromEngine(stop.pc) - handle.ptr;
          checkBpfJitTrap(handle.program, handle.image, backend, Number(offset), (name) =>
            word64.toBigint(regs, reg(name)),
          );
        }
        if (stop?.cause !== ExceptionCause.Breakpoint || stop.pc !== sentinel) {
          // Worded as the interpreter words its failures, so expected `-- error` texts match both.
          const why =
            stop === undefined
              ? `cpu status ${c.status}`
              : stop.cause === 'dataFault' || stop.cause === 'instructionFault'
                ? `out of bounds memory access at ${hex(space.fromEngine(stop.detail))}`
                : `exception ${stop.cause}`;
          fail(
            'EFAULT',
            `JIT'd code stopped at ${hex(space.fromEngine(stop?.pc ?? 0))}: ${why}, not at the return address ${hex(sentinelPtr)}`,
          );
        }
        return word64.toBigint(regs, result);
      } finally {
        execmem.execmemFree(block);
      }
    },
    unload(handle) {
      if (!loaded.delete(handle)) fail('EINVAL', `no program loaded at ${hex(handle.ptr)}`);
      execmem.execmemFree(handle.ptr);
    },
  };
}
