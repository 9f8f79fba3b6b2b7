import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExceptionCause, FlatMemory, runToException, word64 } from '@execmem/core';
import { requireHostTools } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { reg64Names } from './registers';
import { STATUS_FLAGS } from './rflags';
import { createX86State } from './state';
import { AREA_SIZE, DATA_BASE, executionProgram } from './testing/executionPrograms';
import { hostPackages } from './testing/hostBinutils';
import { createRandom } from './testing/random';
import { x86Isa } from './x86Isa';

const check = requireHostTools(
  [
    'x86_64-linux-gnu-as',
    'x86_64-linux-gnu-ld',
    'x86_64-linux-gnu-objcopy',
    'x86_64-linux-gnu-nm',
    'qemu-x86_64',
  ],
  hostPackages,
);
if (check.skip) console.warn(check.reason);

const PROGRAMS = 240;
const TEXT_BASE = 0x401000;
/** 16 registers and RFLAGS per program. */
const DUMP_WORDS = 17;

/**
 * One static ELF that runs every program in turn; after each body an
 * epilogue stores RAX..R15 and RFLAGS at absolute addresses, and at the end
 * one `write` syscall prints every data area and dump.
 */
function harness(bodies: string[][], data: Uint8Array[]): string {
  const out: string[] = ['.text', '.globl _start', '_start:'];
  bodies.forEach((body, n) => {
    out.push(`prog_${n}:`, ...body, `prog_${n}_end:`);
    const dump = `dumps+${n * DUMP_WORDS * 8}`;
    for (const [i, r] of reg64Names.entries()) out.push(`mov %${r},${dump}+${i * 8}`);
    out.push('mov $harness_stack_top,%rsp', 'pushfq', 'pop %rax', `mov %rax,${dump}+128`);
  });
  out.push(
    'mov $1,%eax',
    'mov $1,%edi',
    'mov $areas,%esi',
    `mov $${PROGRAMS * (AREA_SIZE + DUMP_WORDS * 8)},%edx`,
    'syscall',
  );
  out.push('mov $60,%eax', 'xor %edi,%edi', 'syscall');
  out.push('.data', 'areas:');
  for (const d of data) out.push(`.byte ${Array.from(d).join(',')}`);
  out.push(
    'dumps:',
    `.fill ${PROGRAMS * DUMP_WORDS * 8},1,0`,
    '.fill 256,1,0',
    'harness_stack_top:',
  );
  return `${out.join('\n')}\n`;
}

describe.skipIf(check.skip)('x86-64 execution vs qemu-x86_64', () => {
  const g = createRandom(0x5eed);
  const programs = Array.from({ length: PROGRAMS }, (_, n) => executionProgram(g, n));

  it(`runs ${PROGRAMS} generated programs to the registers, flags and memory qemu produces`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'execmem-x86-run-'));
    let stdout: Buffer;
    let text: Uint8Array;
    const symbols = new Map<string, number>();
    try {
      writeFileSync(
        join(dir, 'p.s'),
        harness(
          programs.map((p) => p.body),
          programs.map((p) => p.data),
        ),
      );
      execFileSync('x86_64-linux-gnu-as', ['--64', '-o', join(dir, 'p.o'), join(dir, 'p.s')], {
        stdio: 'pipe',
      });
      execFileSync('x86_64-linux-gnu-ld', [
        '-static',
        `-Ttext=0x${TEXT_BASE.toString(16)}`,
        `-Tdata=0x${DATA_BASE.toString(16)}`,
        '-o',
        join(dir, 'p'),
        join(dir, 'p.o'),
      ]);
      execFileSync('x86_64-linux-gnu-objcopy', [
        '-O',
        'binary',
        '-j',
        '.text',
        join(dir, 'p'),
        join(dir, 'p.text'),
      ]);
      text = new Uint8Array(readFileSync(join(dir, 'p.text')));
      for (const line of execFileSync('x86_64-linux-gnu-nm', [join(dir, 'p')], {
        encoding: 'utf8',
      }).split('\n')) {
        const [addr, , name] = line.split(' ');
        if (name) symbols.set(name, Number.parseInt(addr, 16));
      }
      stdout = execFileSync('qemu-x86_64', [join(dir, 'p')], {
        maxBuffer: 1 << 26,
        timeout: 30_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(stdout.length).toBe(PROGRAMS * (AREA_SIZE + DUMP_WORDS * 8));
    const mismatches: string[] = [];
    let steps = 0;
    programs.forEach((p, n) => {
      const memory = new FlatMemory();
      memory.write(TEXT_BASE, text);
      const start = symbols.get(`prog_${n}`)!;
      const end = symbols.get(`prog_${n}_end`)!;
      memory.write(end, new Uint8Array([0xcc])); // stop at the epilogue
      const area = DATA_BASE + n * AREA_SIZE;
      memory.write(area, p.data);
      const state = createX86State();
      state.pc = start;
      const stop = runToException(x86Isa, state, memory, { maxSteps: 100_000 });
      steps += stop.steps;
      const problems: string[] = [];
      if (stop.reason !== ExceptionCause.Breakpoint || stop.pc !== end) {
        problems.push(`stopped with ${String(stop.reason)} at 0x${stop.pc.toString(16)}`);
      }
      const dump = stdout.subarray(PROGRAMS * AREA_SIZE + n * DUMP_WORDS * 8);
      reg64Names.forEach((r, i) => {
        const theirs = dump.readBigUInt64LE(i * 8);
        const ours = word64.toBigint(state.regs, 2 * i);
        if (theirs !== ours)
          problems.push(`%${r} qemu 0x${theirs.toString(16)} ours 0x${ours.toString(16)}`);
      });
      const flags = Number(dump.readBigUInt64LE(128)) & STATUS_FLAGS;
      if (flags !== (state.rflags & STATUS_FLAGS))
        problems.push(
          `rflags qemu 0x${flags.toString(16)} ours 0x${(state.rflags & STATUS_FLAGS).toString(16)}`,
        );
      const theirArea = stdout.subarray(n * AREA_SIZE, (n + 1) * AREA_SIZE);
      const ourArea = memory.read(area, AREA_SIZE);
      const firstDiff = theirArea.findIndex((b, i) => b !== ourArea[i]);
      if (firstDiff >= 0) problems.push(`memory differs at +${firstDiff}`);
      if (problems.length)
        mismatches.push(`program ${n}: ${problems.join('; ')}\n${p.body.join('; ')}`);
    });
    expect(steps).toBeGreaterThan(PROGRAMS * 20);
    expect(mismatches.slice(0, 3)).toEqual([]);
  });
});
