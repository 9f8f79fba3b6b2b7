import { assembleX86 } from '../isa/assembler';

/**
 * What the eBPF conformance environment needs to call x86-64 JIT output
 * as a SysV C function and to give it its helpers in machine code: the
 * argument and return registers, the trap instruction that ends a run
 * at the sentinel return address, and the suite's helper 5.
 */
export const x86BpfRuntime = {
  /** rdi and rsi: the first two SysV integer arguments (BPF r1, r2). */
  argumentRegisters: ['rdi', 'rsi'] as const,
  /** rax: the SysV return register (BPF r0). */
  returnRegister: 'rax',
  /** CALL pushes the return address on the stack: there is no link register. */
  linkRegister: undefined,
  /** INT3, the byte the kernel fills unused text with. */
  trap: Uint8Array.of(0xcc),
  /**
   * Helper 5 of bpf_conformance as native code at `address`: returns its
   * argument. The JIT'd caller performs the unwind when the result is 0
   * (`BpfJitEnv.unwindHelper`).
   */
  emitConformanceHelpers(address: bigint): {
    code: Uint8Array;
    entries: ReadonlyMap<number, bigint>;
  } {
    const { bytes, labels } = assembleX86('helper5:\n  mov %rdi, %rax\n  ret\n', {
      origin: address,
    });
    return { code: bytes, entries: new Map([[5, address + BigInt(labels.get('helper5')!)]]) };
  },
};
