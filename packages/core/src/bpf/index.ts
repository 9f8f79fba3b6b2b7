/**
 * The eBPF (RFC 9669) instruction set as data: opcode fields, the decoded
 * instruction, the byte codec and the per-arch code-generator contract.
 *
 * @module
 */

export * from './bpfInsn';
export type * from './bpfJitBackend';
export * from './bpfJitSupport';
export * from './bpfOpcodes';
