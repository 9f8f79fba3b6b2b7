/**
 * The AArch64 eBPF JIT, after the kernel's `arch/arm64/net/bpf_jit_comp.c`.
 *
 * @module
 */
export * from './bpfConformanceRuntime';
export * from './bpfJitComp';
