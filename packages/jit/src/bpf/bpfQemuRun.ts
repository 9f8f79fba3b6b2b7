/**
 * JIT'd eBPF code on real hardware semantics: one static Linux ELF per
 * arch holding every program's image at the address it was generated for,
 * the input blocks, the native helpers and the callx table, and a start
 * routine that calls each image as a C function and writes every r0 to
 * stdout, run under qemu-user. The GNU assembler and linker of the arch
 * build it (`binutils-<triple>` and `qemu-user` on Debian). Tests use it to
 * judge the generated machine code against the interpreter, and the `bpf`
 * bench to time it.
 *
 * @module
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BpfInsn, type BpfJitBackend, fail } from '@execmem/core';
import { type BpfNativeRuntime, bpfConformanceEnv, defaultBpfJitLayout } from './bpfJitTarget';

/** How to build and run a static ELF for one arch under qemu-user. */
export interface BpfQemuHost {
  /** GNU binutils triple: `${triple}-as`, `${triple}-ld`. */
  readonly triple: string;
  /** The qemu-user binary and its flags. */
  readonly qemu: string;
  readonly qemuFlags: readonly string[];
  readonly asFlags: readonly string[];
  /** Assembly calling the code at `code` with the block at `mem` of `len` bytes and storing r0 at `result`. */
  callAndStore(code: bigint, mem: bigint, len: number, result: bigint): string;
  /** Assembly running `body` `count` times, in a callee-saved counter register. */
  loop(count: number, body: string): string;
  /** Assembly writing `bytes` bytes at `buffer` to stdout and exiting 0. */
  writeAndExit(buffer: bigint, bytes: number): string;
}

/** The qemu-user hosts of the built-in arches, by `Arch.name`. */
export const BPF_QEMU_HOSTS: Readonly<Record<string, BpfQemuHost>> = {
  x86_64: {
    triple: 'x86_64-linux-gnu',
    qemu: 'qemu-x86_64',
    qemuFlags: [],
    asFlags: [],
    callAndStore: (code, mem, len, result) =>
      `movabs $${mem}, %rdi\nmov $${len}, %rsi\nmovabs $${code}, %rax\ncall *%rax\nmovabs $${result}, %rcx\nmov %rax, (%rcx)`,
    loop: (count, body) => `mov $${count}, %r15\n1:\n${body}\ndec %r15\njnz 1b`,
    writeAndExit: (buffer, bytes) =>
      `mov $1, %edi\nmovabs $${buffer}, %rsi\nmov $${bytes}, %edx\nmov $1, %eax\nsyscall\nmov $60, %eax\nxor %edi, %edi\nsyscall`,
  },
  arm64: {
    triple: 'aarch64-linux-gnu',
    qemu: 'qemu-aarch64',
    // LSE atomics (ARMv8.1) need a CPU model that has them.
    qemuFlags: ['-cpu', 'max'],
    asFlags: ['-march=armv8.1-a'],
    callAndStore: (code, mem, len, result) =>
      `ldr x0, =${mem}\nldr x1, =${len}\nldr x9, =${code}\nblr x9\nldr x9, =${result}\nstr x0, [x9]`,
    loop: (count, body) => `ldr x28, =${count}\n1:\n${body}\nsubs x28, x28, #1\nb.ne 1b`,
    writeAndExit: (buffer, bytes) =>
      `mov x0, #1\nldr x1, =${buffer}\nldr x2, =${bytes}\nmov x8, #64\nsvc #0\nmov x0, #0\nmov x8, #93\nsvc #0\n.ltorg`,
  },
  riscv64: {
    triple: 'riscv64-linux-gnu',
    qemu: 'qemu-riscv64',
    qemuFlags: [],
    asFlags: ['-march=rv64gc'],
    callAndStore: (code, mem, len, result) =>
      `li a0, ${mem}\nli a1, ${len}\nli t0, ${code}\njalr ra, 0(t0)\nli t0, ${result}\nsd a0, 0(t0)`,
    loop: (count, body) => `li s11, ${count}\n1:\n${body}\naddi s11, s11, -1\nbnez s11, 1b`,
    writeAndExit: (buffer, bytes) =>
      `li a0, 1\nli a1, ${buffer}\nli a2, ${bytes}\nli a7, 64\necall\nli a0, 0\nli a7, 93\necall`,
  },
};

/** One program and its input block. */
export interface BpfQemuCase {
  readonly program: readonly BpfInsn[];
  readonly mem: Uint8Array;
}

/** What {@link runBpfJitUnderQemu} returns. */
export interface BpfQemuRun {
  /** Each program's r0 (from its last run). */
  readonly results: bigint[];
  /** Wall-clock seconds of the qemu-user child process, start to exit. */
  readonly seconds: number;
}

const CODE_STRIDE = 0x4000;
const MEM_STRIDE = 0x1000;
const RESULTS = 0x00b0_0000n;

const bytesDirective = (bytes: Uint8Array): string =>
  bytes.length === 0 ? '' : `.byte ${Array.from(bytes).join(',')}`;

/**
 * Generates every case with `backend` for `runtime`, builds the ELF, runs
 * it under qemu-user with each program called `repeat` times in a row
 * (default 1) and returns the results and the child's time. `E2BIG` when
 * an image or input block does not fit its slot; host tool failures throw
 * as `execFileSync` reports them.
 */
export function runBpfJitUnderQemu(
  host: BpfQemuHost,
  backend: BpfJitBackend,
  runtime: BpfNativeRuntime,
  cases: readonly BpfQemuCase[],
  options: { readonly repeat?: number } = {},
): BpfQemuRun {
  const layout = defaultBpfJitLayout;
  const repeat = options.repeat ?? 1;
  const { helpers, table } = bpfConformanceEnv(runtime, layout, layout.code);
  const jit: string[] = [];
  const data: string[] = [];
  const start: string[] = [];
  cases.forEach((c, k) => {
    const code = layout.code + BigInt(k * CODE_STRIDE);
    const image = backend.generate([...c.program], bpfConformanceEnv(runtime, layout, code).env);
    if (image.code.length >= CODE_STRIDE || c.mem.length > MEM_STRIDE) {
      fail(
        'E2BIG',
        `program ${k}: ${image.code.length} code bytes or ${c.mem.length} input bytes do not fit`,
      );
    }
    jit.push(`.org ${k * CODE_STRIDE}`, bytesDirective(image.code));
    data.push(`.org ${k * MEM_STRIDE}`, bytesDirective(c.mem));
    const mem = c.mem.length > 0 ? layout.mem + BigInt(k * MEM_STRIDE) : 0n;
    const call = host.callAndStore(code, mem, c.mem.length, RESULTS + BigInt(8 * k));
    start.push(repeat > 1 ? host.loop(repeat, call) : call);
  });
  const source = [
    '.text',
    '.globl _start',
    '_start:',
    ...start,
    host.writeAndExit(RESULTS, 8 * cases.length),
    '.section .bpfjit,"ax"',
    ...jit,
    '.section .bpfmem,"aw"',
    ...data,
    '.section .bpfhelpers,"ax"',
    bytesDirective(helpers.code),
    '.section .bpftable,"a"',
    bytesDirective(table),
    '.section .bpfresults,"aw"',
    `.zero ${8 * cases.length}`,
    '',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'execmem-bpfjit-'));
  try {
    writeFileSync(join(dir, 'a.s'), source);
    execFileSync(`${host.triple}-as`, [...host.asFlags, '-o', join(dir, 'a.o'), join(dir, 'a.s')]);
    const at = (section: string, address: bigint) =>
      `--section-start=${section}=0x${address.toString(16)}`;
    execFileSync(`${host.triple}-ld`, [
      '-static',
      '-e',
      '_start',
      '-Ttext=0x10000',
      at('.bpfjit', layout.code),
      at('.bpfmem', layout.mem),
      at('.bpfhelpers', layout.helpers),
      at('.bpftable', layout.helperTable),
      at('.bpfresults', RESULTS),
      '-o',
      join(dir, 'a.elf'),
      join(dir, 'a.o'),
    ]);
    const begin = performance.now();
    const out = execFileSync(host.qemu, [...host.qemuFlags, join(dir, 'a.elf')], {
      maxBuffer: 1 << 24,
    });
    const seconds = (performance.now() - begin) / 1000;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    return { results: cases.map((_, k) => view.getBigUint64(8 * k, true)), seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
