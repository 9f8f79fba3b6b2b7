import {
  ExceptionCause,
  FlatMemory,
  type RunStop,
  runToException,
  vaFromBigint,
  word64,
} from '@execmem/core';
import { Command } from 'commander';
import { archOption, findIsa } from '../arches';
import { ExitCode } from '../exitCode';
import { writeJson } from '../io';
import type { CommandFactory } from './index';

/** Where `execmem run` loads the program. */
export const RUN_LOAD_ADDRESS = 0x400000n;
/** The zeroed stack: 64 KiB whose top the stack pointer starts at. */
export const RUN_STACK_TOP = 0x7ff0000n;
/** Size of the stack. */
export const RUN_STACK_SIZE = 0x10000;

const causeNames: Record<number, string> = {
  [ExceptionCause.Breakpoint]: 'breakpoint',
  [ExceptionCause.Undefined]: 'undefined instruction',
  [ExceptionCause.SystemCall]: 'system call',
  [ExceptionCause.DivideError]: 'divide error',
  [ExceptionCause.Protection]: 'protection fault',
  [ExceptionCause.Halt]: 'halt',
};

/** Describes why a run stopped, for people. */
export function describeStop(stop: RunStop): string {
  const at = `at 0x${stop.pc.toString(16)}`;
  if (stop.reason === 'fault')
    return `memory fault ${at}: address 0x${stop.detail.toString(16)} is not mapped`;
  if (stop.reason === 'limit') return `instruction limit reached ${at}`;
  return `${causeNames[stop.reason]} ${at}`;
}

/**
 * `execmem run --arch A FILE.s`: assemble, load at 0x400000 on one CPU with
 * every register 0 but the stack pointer (top of a zeroed 64 KiB stack),
 * run until the arch's trap instruction, print the registers and counters.
 * It runs on core's `FlatMemory`, a one-CPU flat user address space as
 * qemu-user gives a static binary: the multiprocessor `Machine` models
 * kernel address spaces (on arm64 only TTBR1), where 0x400000 is not.
 */
export const runCommand: CommandFactory = (io, result) =>
  new Command('run')
    .description(
      "assemble and run a program on one CPU until the arch's trap instruction; print registers and counters",
    )
    .addOption(archOption())
    .argument('<file>', 'GNU-syntax source file, or - for standard input')
    .option('--max-steps <n>', 'stop after this many instructions', '10000000')
    .option('--json', 'print JSON for machines')
    .action((file: string, opts: { arch: string; maxSteps: string; json?: boolean }) => {
      const isa = findIsa(opts.arch);
      const assembly = isa.assemble(io.readFile(file), { origin: RUN_LOAD_ADDRESS });
      const memory = new FlatMemory();
      memory.write(vaFromBigint(RUN_LOAD_ADDRESS), assembly.bytes);
      const stackTop = vaFromBigint(RUN_STACK_TOP);
      memory.map(stackTop - RUN_STACK_SIZE, RUN_STACK_SIZE);
      const state = isa.createState();
      state.pc = vaFromBigint(RUN_LOAD_ADDRESS);
      word64.setNumber(state.regs, 2 * isa.stackPointer, stackTop);
      const stop = runToException(isa, state, memory, { maxSteps: Number(opts.maxSteps) });
      const registers = isa.registerNames
        .map((name, i) => [name, word64.toBigint(state.regs, 2 * i)] as const)
        .filter(([name]) => name !== 'zero');
      const counters = { instructions: stop.steps, ...memory.counts };
      const ok = stop.reason === ExceptionCause.Breakpoint;
      if (opts.json) {
        writeJson(io.out, {
          stop: describeStop(stop),
          ok,
          registers: Object.fromEntries(registers),
          counters,
        });
      } else {
        if (!ok) io.err.write(`execmem run: ${describeStop(stop)}\n`);
        for (const [name, value] of registers) {
          io.out.write(`${name}=0x${value.toString(16).padStart(16, '0')}\n`);
        }
        for (const [name, value] of Object.entries(counters)) io.out.write(`${name}=${value}\n`);
      }
      result.code = ok ? ExitCode.Ok : ExitCode.CheckFailed;
    });
