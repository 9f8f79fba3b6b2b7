/**
 * `@execmem/jit`: publish and live-patch protocols for executable memory,
 * the eBPF JIT driver and the hazard checker.
 *
 * @packageDocumentation
 */
export * from './bpf';
