import { fail } from '@execmem/core';

/**
 * A helper function a program calls with `call N` or `call %rN`. It reads
 * its arguments r1–r5 from `regs` (register n: low half at `2n`, high
 * half at `2n + 1`), writes its result to r0 and returns `true` to stop
 * the program at once with that r0 (an unwind), `false` to continue.
 */
export type BpfHelper = (regs: Uint32Array) => boolean;

/** Helper number → helper. */
export type BpfHelperTable = ReadonlyMap<number, BpfHelper>;

/** The number of the suite's unwind helper. */
export const BPF_HELPER_UNWIND = 5;

/**
 * The suite's helper 5: returns its argument r1, and when that is 0 stops
 * the program, which then returns 0 (bpf_conformance README).
 */
export function unwindHelper(regs: Uint32Array): boolean {
  regs[0] = regs[2];
  regs[1] = regs[3];
  return regs[2] === 0 && regs[3] === 0;
}

/** The helpers the conformance suite expects: only {@link unwindHelper} as number 5. */
export const conformanceHelpers: BpfHelperTable = new Map([[BPF_HELPER_UNWIND, unwindHelper]]);

/**
 * Fails with `ENOSYS` for a `callx` at instruction `pc` whose register
 * holds `value`, neither a helper number nor the address of a function
 * the program took with `code_addr`: the one error every target (the
 * interpreter and each JIT, through its trap) reports for it.
 */
export function failUnknownCallx(pc: number, value: bigint): never {
  // Helper numbers are small: anything larger is shown as the address it most likely is.
  const shown = value < 0x10000n ? `${value}` : `0x${value.toString(16)}`;
  return fail('ENOSYS', `instruction ${pc}: call to unknown helper or function ${shown}`);
}
