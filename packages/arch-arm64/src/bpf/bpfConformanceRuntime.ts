import { assembleArm64 } from '../isa/assembler';

/**
 * What the eBPF conformance environment needs to call AArch64 JIT output
 * as an AAPCS64 C function and to give it its helpers in machine code:
 * the argument and return registers, the link register, the trap that
 * ends a run at the sentinel return address, and the suite's helper 5.
 */
export const arm64BpfRuntime = {
  /** x0 and x1: the first two AAPCS64 arguments (BPF r1, r2). */
  argumentRegisters: ['x0', 'x1'] as const,
  /** x0: the AAPCS64 return register (the JIT moves BPF r0 from x7). */
  returnRegister: 'x0',
  /** BL and BLR put the return address in x30. */
  linkRegister: 'x30',
  /** `brk #0x100`, the kernel's AARCH64_BREAK_FAULT (FAULT_BRK_IMM) fill of unused text. */
  trap: assembleArm64('brk #0x100').bytes,
  /**
   * Helper 5 of bpf_conformance as native code at `address`: returns its
   * argument, already in x0. The JIT'd caller performs the unwind when the
   * result is 0 (`BpfJitEnv.unwindHelper`).
   */
  emitConformanceHelpers(address: bigint): {
    code: Uint8Array;
    entries: ReadonlyMap<number, bigint>;
  } {
    const { bytes, labels } = assembleArm64('helper5:\n  ret\n', { origin: address });
    return { code: bytes, entries: new Map([[5, address + BigInt(labels.get('helper5')!)]]) };
  },
};
