import { riscvIsa } from '@execmem/arch-riscv';
import { x86Isa } from '@execmem/arch-x86';
import type { Isa, MemoryPort } from '@execmem/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { riscvLitmus } from './arch/riscvLitmus';
import { x86Litmus } from './arch/x86Litmus';
import type { LitmusArch } from './litmusArch';
import { runLitmusSource } from './runLitmus';

/** These straight-line programs touch no memory: any port call is a failure. */
const noMemory = new Proxy({} as MemoryPort, {
  get: (_t, name) => () => {
    throw new Error(`unexpected MemoryPort.${String(name)}`);
  },
});

/** Runs `source` on the arch's real executor from `init`, returning the named registers. */
function runIsa(isa: Isa, source: string, init: Record<number, bigint>, regs: number[]): bigint[] {
  const { bytes } = isa.assemble(source);
  const state = isa.createState();
  for (const [r, v] of Object.entries(init)) {
    state.regs[2 * Number(r)] = Number(v & 0xffffffffn);
    state.regs[2 * Number(r) + 1] = Number(v >> 32n);
  }
  for (let pc = 0; pc < bytes.length; ) {
    const d = isa.decode(bytes, pc, bytes.length - pc);
    if (!d) throw new Error(`undecodable at ${pc}`);
    state.pc = pc;
    state.nextPc = pc + d.length;
    isa.execute(d.insn, state, noMemory);
    pc = state.nextPc;
  }
  return regs.map(
    (r) => (BigInt(state.regs[2 * r + 1] as number) << 32n) | BigInt(state.regs[2 * r] as number),
  );
}

/** Runs the same program as a one-thread litmus test, returning the named registers. */
function runChecker(
  arch: LitmusArch,
  source: string,
  init: Record<number, bigint>,
  regs: number[],
): bigint[] {
  const names = (r: number) => `0:${arch.registerName(r)}`;
  const lines = source.split('\n').map((l) => ` ${l} ;`);
  const test = `${arch.herdName} D\n{ ${Object.entries(init)
    .map(([r, v]) => `${names(Number(r))}=0x${v.toString(16)};`)
    .join(' ')} }\n P0 ;\n${lines.join('\n')}\nlocations [${regs.map(names).join('; ')};]\n`;
  const o = runLitmusSource('d.litmus', test);
  if ('error' in o) throw new Error(o.error.message);
  expect(o.result.states).toHaveLength(1);
  return (o.result.states[0]?.cells ?? []).map(([, v]) => BigInt.asUintN(64, BigInt(v)));
}

const word = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('the checker computes what the arch executors compute', () => {
  it('RISC-V arithmetic, moves and branches agree with riscvIsa', () => {
    const program = [
      'add a2,a0,a1',
      'sub a3,a0,a1',
      'xor a4,a0,a1',
      'and a5,a0,a1',
      'or a6,a0,a1',
      'addi a7,a0,5',
      'mv s2,a1',
      'li s3,1234',
      'blt a0,a1,L0',
      'li s4,1',
      'L0: bltu a0,a1,L1',
      'li s5,1',
      'L1: bne a0,a0,L2',
      'li s6,1',
      'L2: nop',
    ].join('\n');
    const out = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
    fc.assert(
      fc.property(word, word, (a, b) => {
        const init = { 10: a, 11: b };
        expect(runChecker(riscvLitmus, program, init, out)).toEqual(
          runIsa(riscvIsa, program, init, out),
        );
      }),
      { numRuns: 40, seed: 8 },
    );
  });

  it('x86-64 arithmetic, moves and conditional jumps agree with x86Isa', () => {
    const program = [
      'movq %rax,%rcx',
      'addq %rbx,%rcx',
      'movq %rax,%rdx',
      'subq %rbx,%rdx',
      'movq %rax,%rsi',
      'xorq %rbx,%rsi',
      'movq %rax,%rdi',
      'andq %rbx,%rdi',
      'movq %rax,%r8',
      'orq %rbx,%r8',
      'movq $77,%r9',
      'cmpq %rbx,%rax',
      'jl L0',
      'movq $1,%r10',
      'L0: cmpq %rbx,%rax',
      'jb L1',
      'movq $1,%r11',
      'L1: cmpq %rax,%rax',
      'jne L2',
      'movq $1,%r12',
      'L2: nop',
    ].join('\n');
    const out = [1, 2, 6, 7, 8, 9, 10, 11, 12];
    fc.assert(
      fc.property(word, word, (a, b) => {
        const init = { 0: a, 3: b };
        expect(runChecker(x86Litmus, program, init, out)).toEqual(
          runIsa(x86Isa, program, init, out),
        );
      }),
      { numRuns: 40, seed: 8 },
    );
  });
});
