/**
 * Assembles the same loop (the sum 1 + 2 + … + 10) for every arch,
 * including the nano64 toy arch, and runs it on a one-CPU machine of
 * that arch until it reaches its breakpoint instruction.
 *
 * Run it with `npx tsx --conditions=source examples/assemble-and-run.ts`.
 *
 * @module
 */

import { pathToFileURL } from 'node:url';
import { arm64Arch } from '@execmem/arch-arm64';
import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import {
  type Arch,
  createMachine,
  ExceptionCause,
  findRegion,
  type IsaState,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  word64,
} from '@execmem/core';
import { nanoArch } from './toy-arch';

/** One arch's version of the program. */
export interface LoopProgram {
  /** The arch. */
  readonly arch: Arch<unknown, IsaState>;
  /** The source in the arch's assembler syntax; it ends in a breakpoint. */
  readonly source: string;
  /** The register holding the sum at the breakpoint. */
  readonly result: string;
}

/** The loop for each arch. */
export const loopPrograms: readonly LoopProgram[] = [
  {
    arch: x86Arch() as Arch<unknown, IsaState>,
    source: 'mov $10, %rcx\nxor %eax, %eax\nloop:\nadd %rcx, %rax\ndec %rcx\njnz loop\nint3',
    result: 'rax',
  },
  {
    arch: arm64Arch() as Arch<unknown, IsaState>,
    source: 'mov x1, #10\nmov x0, #0\nloop:\nadd x0, x0, x1\nsubs x1, x1, #1\nb.ne loop\nbrk #0',
    result: 'x0',
  },
  {
    arch: riscvArch() as Arch<unknown, IsaState>,
    source: 'li a1, 10\nli a0, 0\nloop:\nadd a0, a0, a1\naddi a1, a1, -1\nbnez a1, loop\nebreak',
    result: 'a0',
  },
  {
    arch: nanoArch() as Arch<unknown, IsaState>,
    source:
      'li r1, 10\nli r2, 1\nli r0, 0\nloop:\nadd r0, r0, r1\nsub r1, r1, r2\nbnez r1, loop\ntrap',
    result: 'r0',
  },
];

/** What {@link assembleAndRun} reports. */
export interface LoopRun {
  /** The arch's name. */
  readonly arch: string;
  /** The program as the arch's disassembler prints it. */
  readonly listing: readonly string[];
  /** The result register's value at the breakpoint. */
  readonly result: bigint;
  /** Instructions the CPU retired (the machine's `instructions` counter). */
  readonly instructions: number;
}

/**
 * Assembles `program` at the start of the arch's module region, maps it
 * read-only and executable, runs CPU 0 until it stops, and reads the
 * result register. Throws when the CPU stops for any reason but the
 * breakpoint.
 */
export function assembleAndRun(program: LoopProgram): LoopRun {
  const { arch } = program;
  const origin = findRegion(arch.layout, 'modules').start;
  const { bytes } = arch.isa.assemble(program.source, { origin });
  const machine = createMachine({ arch, cpus: 1, memory: 16 * 2 ** 20 });
  machine.mapNew(origin, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
  machine.load(origin, bytes);
  machine.start(0, origin);
  machine.run({ maxSteps: 10_000 });
  const cpu = machine.cpus[0];
  if (cpu.stopEvent?.cause !== ExceptionCause.Breakpoint) {
    throw new Error(
      `${arch.name}: stopped with ${JSON.stringify(cpu.stopEvent?.cause)}, not at the breakpoint`,
    );
  }
  const r = arch.isa.registerNames.indexOf(program.result);
  return {
    arch: arch.name,
    listing: arch.isa.disassemble(bytes, { origin }).map((d) => d.text),
    result: word64.toBigint(cpu.state.regs, 2 * r),
    instructions: machine.counters.get('instructions'),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const program of loopPrograms) {
    const run = assembleAndRun(program);
    console.log(
      `${run.arch}: ${program.result} = ${run.result} after ${run.instructions} instructions`,
    );
    for (const line of run.listing) console.log(`    ${line}`);
  }
}
