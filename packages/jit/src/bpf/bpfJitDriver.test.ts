import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { arm64Arch, arm64BpfJit, arm64BpfRuntime } from '@execmem/arch-arm64';
import { riscvArch, riscvBpfJit, riscvBpfRuntime } from '@execmem/arch-riscv';
import { x86Arch, x86BpfJit, x86BpfRuntime } from '@execmem/arch-x86';
import {
  type Arch,
  type BpfJitBackend,
  createMachine,
  createWxAuditor,
  type IsaState,
  isExecmemError,
  type Machine,
} from '@execmem/core';
import { sharedPath } from '@execmem/core/testing';
import { createExecmem, type ExecmemPolicy } from '@execmem/execmem';
import { describe, expect, it } from 'vitest';
import { assembleBpf } from './bpfAssembler';
import { type BpfConformanceTarget, runConformance } from './bpfConformance';
import { bpfJitDriver } from './bpfJitDriver';
import type { BpfNativeRuntime } from './bpfJitTarget';

const dir = sharedPath('bpf-conformance');
const fixtures = fileURLToPath(new URL('../../fixtures/bpf', import.meta.url));
const missing = !existsSync(dir);
if (missing) console.warn(`skipping the eBPF JIT driver conformance runs: ${dir} is missing`);

const CPUS = 2;
const SEED = 10;

interface Case {
  readonly name: string;
  readonly arch: () => Arch<unknown, IsaState>;
  readonly backend: BpfJitBackend;
  readonly runtime: BpfNativeRuntime;
  readonly policy: ExecmemPolicy;
}

const cases: Case[] = [
  {
    name: 'x86-64',
    arch: () => x86Arch() as unknown as Arch<unknown, IsaState>,
    backend: x86BpfJit,
    runtime: x86BpfRuntime,
    policy: 'roxCache',
  },
  {
    name: 'arm64',
    arch: () => arm64Arch() as unknown as Arch<unknown, IsaState>,
    backend: arm64BpfJit,
    runtime: arm64BpfRuntime,
    policy: 'bpfProgPack',
  },
  {
    name: 'riscv64',
    arch: () => riscvArch() as unknown as Arch<unknown, IsaState>,
    backend: riscvBpfJit,
    runtime: riscvBpfRuntime,
    policy: 'vmallocPerAllocation',
  },
];

function setup(c: Case) {
  const arch = c.arch();
  const machine = createMachine({ arch, cpus: CPUS, seed: SEED }) as unknown as Machine;
  const info = arch.execmemArchSetup?.(SEED) ?? expect.unreachable('no execmem setup');
  const execmem = createExecmem(machine, info, { policy: c.policy });
  const driver = bpfJitDriver(machine, execmem, c.backend, c.runtime);
  const wx = () => {
    const report = createWxAuditor([machine.kernel]).audit();
    return report.wx.length + report.aliasWx.length;
  };
  return { machine, execmem, driver, wx };
}

describe.each(cases)('eBPF JIT driver on $name under $policy', (c) => {
  it.skipIf(missing)('passes every conformance file through execmem, W^X clean after', () => {
    const { execmem, driver, wx } = setup(c);
    let calls = 0;
    const target: BpfConformanceTarget = {
      name: c.name,
      run: (program, mem) => {
        const handle = driver.load(program);
        try {
          return driver.run(handle, mem, calls++ % CPUS);
        } finally {
          driver.unload(handle);
        }
      },
    };
    const results = runConformance(dir, [target]);
    expect(results.length).toBe(readdirSync(dir).filter((f) => f.endsWith('.data')).length);
    for (const r of results) expect(r.pass, `${r.file}: ${r.reason}`).toBe(true);
    expect(calls).toBeGreaterThan(0);
    expect(wx()).toBe(0);
    // Every program and block was freed: left are the helpers, the sentinel, the callx table, the data area and a stack per CPU.
    expect(execmem.stats().allocations).toBe(4 + CPUS);
  });

  it('passes the package fixtures (legacy packet loads, code_addr, callx errors)', () => {
    const { driver } = setup(c);
    const target: BpfConformanceTarget = {
      name: c.name,
      run: (program, mem) => {
        const handle = driver.load(program);
        try {
          return driver.run(handle, mem);
        } finally {
          driver.unload(handle);
        }
      },
    };
    const results = runConformance(fixtures, [target]);
    expect(results.map((r) => `${r.file}: ${r.reason}`).filter((_, i) => !results[i].pass)).toEqual(
      [],
    );
    expect(results.length).toBe(19);
  });

  it('gives programs maps and variables in a data area reset before each run', () => {
    const arch = c.arch();
    const machine = createMachine({ arch, cpus: CPUS, seed: SEED }) as unknown as Machine;
    const info = arch.execmemArchSetup?.(SEED) ?? expect.unreachable('no execmem setup');
    const execmem = createExecmem(machine, info, { policy: c.policy });
    const env = { maps: [{ fd: 9, valueSize: 8, value: Uint8Array.of(5) }] };
    const driver = bpfJitDriver(machine, execmem, c.backend, c.runtime, { env });
    // Adds 1 to the map's value and returns the new value.
    const source =
      'lddw %r1, map_val(map_by_fd(9)) + 0\nmov %r0, 1\nlock fetch add [%r1], %r0\nldxdw %r0, [%r1]\nexit';
    const handle = driver.load(assembleBpf(source));
    const address = handle.program[0];
    expect(address.src).toBe(0);
    expect(driver.run(handle, new Uint8Array(0))).toBe(6n);
    expect(driver.run(handle, new Uint8Array(0), 1)).toBe(6n);
    expect(() => driver.load(assembleBpf('lddw %r1, map_by_fd(8)\nmov %r0, 0\nexit'))).toThrow(
      /EINVAL: instruction 0: lddw map_by_fd: unknown map fd 8/,
    );
  });

  it('reports a callx with no target as ENOSYS, and the CPU runs again after', () => {
    const { driver } = setup(c);
    const bad = driver.load(assembleBpf('mov %r0, 1\nmov %r3, 4\ncall %r3\nexit'));
    expect(() => driver.run(bad, new Uint8Array(0), 1)).toThrow(
      /^ENOSYS: instruction 2: call to unknown helper or function 4$/,
    );
    const ok = driver.load(assembleBpf('mov %r0, 3\nexit'));
    expect(driver.run(ok, new Uint8Array(0), 1)).toBe(3n);
  });

  it('returns r0 from code in a bpf allocation, with r1/r2 the memory block', () => {
    const { execmem, driver, wx } = setup(c);
    const handle = driver.load(
      assembleBpf('ldxb %r0, [%r1+1]\nlsh %r0, 8\nadd %r0, %r2\nstb [%r1], 9\nexit\n'),
    );
    const range = execmem.info.ranges.bpf;
    const inFallback =
      range.fallbackStart !== undefined &&
      range.fallbackEnd !== undefined &&
      handle.ptr >= range.fallbackStart &&
      handle.ptr < range.fallbackEnd;
    expect((handle.ptr >= range.start && handle.ptr < range.end) || inFallback).toBe(true);
    expect(driver.run(handle, Uint8Array.of(1, 2, 3), 1)).toBe(0x203n);
    // Each run gets a fresh copy of the block: the store of the first run is gone.
    expect(driver.run(handle, Uint8Array.of(1, 2, 3), 0)).toBe(0x203n);
    expect(execmem.execmemIsRox('bpf')).toBe(true);
    expect(wx()).toBe(0);
    driver.unload(handle);
    expect(() => driver.run(handle, new Uint8Array(0))).toThrow(/no program loaded/);
    expect(() => driver.unload(handle)).toThrow(/no program loaded/);
  });

  it('rejects an unverifiable program before allocating', () => {
    const { execmem, driver } = setup(c);
    const before = execmem.stats().allocations;
    let error: unknown;
    try {
      driver.load(assembleBpf('mov %r0, %r5\nexit\n'));
    } catch (e) {
      error = e;
    }
    expect(isExecmemError(error) && error.code).toBe('EINVAL');
    expect(execmem.stats().allocations).toBe(before);
  });

  it('fails with EFAULT on an access 1 GiB past the block', () => {
    const { driver } = setup(c);
    const handle = driver.load(assembleBpf('add %r1, 0x40000000\nldxdw %r0, [%r1]\nexit\n'));
    expect(() => driver.run(handle, new Uint8Array(8))).toThrow(/out of bounds memory access/);
    // The CPU is usable again afterwards.
    const ok = driver.load(assembleBpf('mov %r0, 42\nexit\n'));
    expect(driver.run(ok, new Uint8Array(0))).toBe(42n);
  });

  it('fails with E2BIG when the code runs out of steps, and the CPU runs again after', () => {
    const arch = c.arch();
    const machine = createMachine({ arch, cpus: 1, seed: SEED }) as unknown as Machine;
    const info = arch.execmemArchSetup?.(SEED) ?? expect.unreachable('no execmem setup');
    const execmem = createExecmem(machine, info, { policy: c.policy });
    const driver = bpfJitDriver(machine, execmem, c.backend, c.runtime, { maxSteps: 2000 });
    const spin = driver.load(
      assembleBpf('mov %r0, 0\nmov %r1, 100000\nl:\nsub %r1, 1\njne %r1, 0, l\nexit\n'),
    );
    expect(() => driver.run(spin, new Uint8Array(0))).toThrow(/exceeded 2000 steps/);
    const ok = driver.load(assembleBpf('mov %r0, 7\nexit\n'));
    expect(driver.run(ok, new Uint8Array(0))).toBe(7n);
  });
});
