/**
 * The x86-64 eBPF JIT, after the kernel's `arch/x86/net/bpf_jit_comp.c`.
 *
 * @module
 */
export * from './bpfConformanceRuntime';
export * from './bpfJitComp';
