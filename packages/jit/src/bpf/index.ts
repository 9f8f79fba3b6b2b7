/**
 * The eBPF front end: the bpf_conformance text formats, the verifier, the
 * reference interpreter and the conformance runner.
 *
 * @module
 */
export * from './bpfAssembler';
export * from './bpfConformance';
export * from './bpfDataFile';
export * from './bpfDisassembler';
export { callxRegister, checkBpfEncoding } from './bpfEncodingCheck';
export * from './bpfHelpers';
export * from './bpfInterpreter';
export * from './bpfJitDriver';
export * from './bpfJitTarget';
export * from './bpfLoadEnv';
export * from './bpfQemuRun';
export * from './bpfRawReader';
export * from './bpfVerifier';
