// The eBPF JITs over the shared bpf-conformance suite: native instructions and
// code bytes per eBPF instruction for each arch, and host time of JIT'd code
// (generated, loaded and run on a FlatMemory CPU) against the reference interpreter
// and against the same code under qemu-user (a child process per arch).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { arm64BpfJit, arm64BpfRuntime, arm64Isa } from '@execmem/arch-arm64';
import { riscvBpfJit, riscvBpfRuntime, riscvIsa } from '@execmem/arch-riscv';
import { x86BpfJit, x86BpfRuntime, x86Isa } from '@execmem/arch-x86';
import { BPF_LDDW, type BpfInsn, type BpfJitBackend, type Isa } from '@execmem/core';
import { sharedPath } from '@execmem/core/testing';
import {
  BPF_QEMU_HOSTS,
  type BpfNativeRuntime,
  bpfConformanceEnv,
  bpfDataFileProgram,
  defaultBpfJitLayout,
  interpretBpf,
  prepareBpfJit,
  readBpfDataFile,
  runBpfJitUnderQemu,
  verifyBpf,
} from '@execmem/jit';
import { machineLine, opsPerSecond, printTable } from './table.ts';

interface Case {
  readonly name: string;
  readonly program: BpfInsn[];
  readonly mem: Uint8Array;
}

/** Every suite file with a program that passes the verifier and an expected result. */
function suite(): Case[] {
  const dir = sharedPath('bpf-conformance');
  const cases: Case[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.data'))
    .sort()) {
    const file = readBpfDataFile(join(dir, f));
    if (file.error !== undefined) continue;
    const program = bpfDataFileProgram(file);
    verifyBpf(program);
    cases.push({ name: f, program, mem: file.mem });
  }
  return cases;
}

interface Target {
  readonly name: string;
  readonly backend: BpfJitBackend;
  readonly isa: Isa;
  readonly runtime: BpfNativeRuntime;
}

const targets: Target[] = [
  { name: 'x86_64', backend: x86BpfJit, isa: x86Isa, runtime: x86BpfRuntime },
  { name: 'arm64', backend: arm64BpfJit, isa: arm64Isa(), runtime: arm64BpfRuntime },
  { name: 'riscv64', backend: riscvBpfJit, isa: riscvIsa, runtime: riscvBpfRuntime },
];

/** Slots that are instructions (the second slot of a lddw is not). */
function insnCount(program: readonly BpfInsn[]): number {
  return program.length - program.filter((i) => i.opcode === BPF_LDDW).length;
}

const cases = suite();
const bpfInsns = cases.reduce((n, c) => n + insnCount(c.program), 0);
console.log(
  `${machineLine()}\n\n${cases.length} programs of the shared suite, ${bpfInsns} eBPF instructions.\n`,
);

const sizeRows: (string | number)[][] = [];
for (const t of targets) {
  const { env } = bpfConformanceEnv(t.runtime, defaultBpfJitLayout, defaultBpfJitLayout.code);
  let body = 0;
  let bodyBytes = 0;
  let imageBytes = 0;
  for (const c of cases) {
    const image = t.backend.generate(c.program, env);
    const start = image.insnOffsets[0];
    const end = image.insnOffsets[c.program.length];
    for (let at = start; at < end; ) {
      const decoded = t.isa.decode(image.code, at, end - at);
      if (!decoded) throw new Error(`${t.name} ${c.name}: undecodable code at ${at}`);
      at += decoded.length;
      body++;
    }
    bodyBytes += end - start;
    imageBytes += image.code.length;
  }
  sizeRows.push([t.name, body / bpfInsns, bodyBytes / bpfInsns, imageBytes / cases.length]);
}
console.log('Code size (instruction bodies; the image adds frames and prologues):\n');
printTable(
  ['arch', 'native insns / eBPF insn', 'code bytes / eBPF insn', 'image bytes / program'],
  sizeRows,
);

const timeRows: (string | number)[][] = [];
const perProgram = (opsPerSec: number): number => 1e6 / opsPerSec / cases.length;
const interp = opsPerSecond(
  (n) => {
    for (let i = 0; i < n; i++) for (const c of cases) interpretBpf(c.program, c.mem);
  },
  500,
  5,
);
timeRows.push(['interp', perProgram(interp), '–', '–', '–']);

/** Repeats per program in the timed qemu run; a run with one repeat is subtracted (process start, translation). */
const QEMU_REPEATS = 400_001;

/**
 * µs per program of the JIT'd code under qemu-user: the difference between
 * a run calling each program QEMU_REPEATS times and one calling it once,
 * after checking the results against the interpreter; '–' without the host tools.
 */
function qemuMicros(t: Target): number | string {
  const host = BPF_QEMU_HOSTS[t.name];
  try {
    const once = runBpfJitUnderQemu(host, t.backend, t.runtime, cases);
    const many = runBpfJitUnderQemu(host, t.backend, t.runtime, cases, { repeat: QEMU_REPEATS });
    cases.forEach((c, k) => {
      const want = interpretBpf(c.program, c.mem);
      if (once.results[k] !== want || many.results[k] !== want)
        throw new Error(`${t.name} ${c.name}: qemu-user returned a different r0`);
    });
    return ((many.seconds - once.seconds) * 1e6) / (QEMU_REPEATS - 1) / cases.length;
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return '–';
    throw e;
  }
}
for (const t of targets) {
  const generate = opsPerSecond(
    (n) => {
      for (let i = 0; i < n; i++)
        for (const c of cases) prepareBpfJit(c.program, t.backend, t.isa, t.runtime);
    },
    500,
    1,
  );
  const prepared = cases.map((c) => prepareBpfJit(c.program, t.backend, t.isa, t.runtime));
  const run = opsPerSecond(
    (n) => {
      for (let i = 0; i < n; i++)
        for (let k = 0; k < cases.length; k++) prepared[k].run(cases[k].mem);
    },
    500,
    1,
  );
  const steps = cases.reduce((sum, c, k) => sum + prepared[k].run(c.mem).steps, 0);
  timeRows.push([
    t.name,
    perProgram(run),
    qemuMicros(t),
    perProgram(generate),
    steps / cases.length,
  ]);
}
console.log(
  '\nHost time per program, mean over the suite (JIT run: load into a fresh FlatMemory and execute; qemu-user: the same code called in a loop, start-up subtracted; without the host tools "–"):\n',
);
printTable(
  [
    'target',
    'run µs / program',
    'qemu-user µs / program',
    'generate µs / program',
    'native insns run / program',
  ],
  timeRows,
);
