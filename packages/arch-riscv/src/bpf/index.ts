/**
 * The RV64 eBPF JIT, after the kernel's `arch/riscv/net/bpf_jit_comp64.c`.
 *
 * @module
 */
export * from './bpfConformanceRuntime';
export * from './bpfJitComp';
