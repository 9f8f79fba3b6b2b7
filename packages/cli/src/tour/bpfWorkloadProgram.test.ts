import { runBpfJit } from '@execmem/jit';
import { describe, expect, it } from 'vitest';
import { knownArches } from '../arches';
import { workloadProgram } from './bpfWorkloadProgram';

describe('workloadProgram', () => {
  it('is a function of its seed and grows with the allocation size', () => {
    expect(workloadProgram(7, 900)).toEqual(workloadProgram(7, 900));
    expect(workloadProgram(7, 900).expected).not.toBe(workloadProgram(8, 900).expected);
    expect(workloadProgram(1, 64).program.length).toBeLessThan(
      workloadProgram(1, 4096).program.length,
    );
  });

  it.each(knownArches.map((a) => a.name))(
    'returns on %s, JIT-compiled, what the interpreter returns',
    (name) => {
      const arch = knownArches.find((a) => a.name === name)!;
      for (let seed = 0; seed < 20; seed++) {
        const { program, expected } = workloadProgram(seed, 64 + 97 * seed);
        const { isa } = arch.arch({});
        const { r0 } = runBpfJit(
          program,
          new Uint8Array(),
          arch.bpf.backend,
          isa,
          arch.bpf.runtime,
        );
        expect(r0).toBe(expected);
      }
    },
  );
});
