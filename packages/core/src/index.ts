/**
 * `@execmem/core`: the machine model every execmem package builds on.
 *
 * @packageDocumentation
 */
export * from './address';
export * from './addressSpaceLayout';
export * from './arch';
export * from './atomicRmw';
export * from './bpf';
export * from './chooser';
export * from './counters';
export * from './cpu';
export * from './cpuProfile';
export * from './directMap';
export * from './errors';
export * from './execmemInfo';
export * from './explorer';
export * from './fetchRules';
export * from './flatMemory';
export * from './independentMemory';
export * from './instructionViews';
export * from './ipi';
export * from './isa';
export * from './machine';
export * from './mmu';
export * from './pageTableFormat';
export * from './pageTableWalk';
export * from './patchingRules';
export * from './physicalMemory';
export * from './prng';
export * from './ptdump';
export * from './setMemory';
export * from './stateHash';
export * from './storageModel';
export * from './tlb';
export * from './toy/toyArch';
export * from './toy/toyIsa';
export * from './toy/toyPageTable';
export * as word64 from './word64';
export * from './wxAudit';
