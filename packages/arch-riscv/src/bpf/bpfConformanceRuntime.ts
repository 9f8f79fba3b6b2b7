import { assemble as assembleRiscv } from '../isa/assembler';

/**
 * What the eBPF conformance environment needs to call RV64 JIT output as
 * an LP64 C function and to give it its helpers in machine code: the
 * argument and return registers, the link register, the trap that ends a
 * run at the sentinel return address, and the suite's helper 5.
 */
export const riscvBpfRuntime = {
  /** a0 and a1: the first two LP64 arguments (BPF r1, r2). */
  argumentRegisters: ['a0', 'a1'] as const,
  /** a0: the LP64 return register (the JIT moves BPF r0 from a5). */
  returnRegister: 'a0',
  /** JAL and JALR write the return address to ra. */
  linkRegister: 'ra',
  /** EBREAK, the kernel's fill of unused text. */
  trap: assembleRiscv('ebreak', { compressed: false }).bytes,
  /**
   * Helper 5 of bpf_conformance as native code at `address`: returns its
   * argument, already in a0. The JIT'd caller performs the unwind when the
   * result is 0 (`BpfJitEnv.unwindHelper`).
   */
  emitConformanceHelpers(address: bigint): {
    code: Uint8Array;
    entries: ReadonlyMap<number, bigint>;
  } {
    const { bytes, labels } = assembleRiscv('helper5:\n  ret\n', { origin: address });
    return { code: bytes, entries: new Map([[5, address + BigInt(labels.get('helper5')!)]]) };
  },
};
