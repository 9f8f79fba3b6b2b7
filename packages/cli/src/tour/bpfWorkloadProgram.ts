import { type BpfInsn, createPrng } from '@execmem/core';
import { assembleBpf, interpretBpf, verifyBpf } from '@execmem/jit';

/** A generated eBPF program and the r0 the reference interpreter returns for it. */
export interface WorkloadProgram {
  /** The verified program. */
  readonly program: readonly BpfInsn[];
  /** r0 of `prog(NULL, 0)` by RFC 9669 semantics, what the JIT'd code must return. */
  readonly expected: bigint;
}

const OPS = ['add', 'xor', 'mul', 'sub', 'or', 'and'] as const;

/**
 * A seeded straight-line eBPF program for an allocation of `size` bytes:
 * about one ALU instruction per 32 bytes (2 to 48 of them), some through
 * the stack, so the JIT'd image grows with the workload's size and runs in
 * a few dozen native instructions. Its expected result comes from the
 * reference interpreter, so every native run can be checked.
 */
export function workloadProgram(seed: number, size: number): WorkloadProgram {
  const prng = createPrng(seed);
  const count = Math.max(2, Math.min(48, Math.floor(size / 32)));
  const lines = [`mov %r0, ${prng.below(1000)}`];
  for (let i = 0; i < count; i++) {
    const imm = 1 + prng.below(255);
    if (i % 8 === 7) lines.push('stxdw [%r10-8], %r0', `ldxdw %r3, [%r10-8]`, `add %r0, %r3`);
    else lines.push(`${OPS[prng.below(OPS.length)]} %r0, ${imm}`);
  }
  lines.push('exit');
  const program = assembleBpf(`${lines.join('\n')}\n`);
  verifyBpf(program);
  return { program, expected: interpretBpf(program) };
}
