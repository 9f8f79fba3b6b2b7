/**
 * `@execmem/jit`: publish and live-patch protocols for executable memory,
 * the eBPF JIT driver and the hazard checker.
 *
 * @packageDocumentation
 */
export * from './bpf';
export * from './hazard/checkProtocol';
export * from './hazard/executorPrograms';
export * from './hazard/shippedScenarios';
export * from './patch/emulateInstruction';
export * from './patch/patchSteps';
export * from './patch/patchText';
export * from './patch/staticKey';
export * from './publish/jitText';
export * from './publish/protocolRun';
export * from './publish/protocolStep';
export * from './publish/publishSteps';
export * from './publish/syncSteps';
