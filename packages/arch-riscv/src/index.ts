/**
 * `@execmem/arch-riscv`: RV64 for execmem.
 *
 * @packageDocumentation
 */

export * from './bpf';
export * from './execmemArchSetup';
export * from './fenceOrder';
export * from './fetchRules';
export {
  CSR_CYCLE,
  CSR_FCSR,
  CSR_FFLAGS,
  CSR_FRM,
  CSR_INSTRET,
  CSR_SATP,
  CSR_SSTATUS,
  CSR_TIME,
  csrName,
  csrNumber,
} from './isa/csr';
export type { RiscvInsn } from './isa/decoder';
export {
  type RiscvState,
  SFENCE_VMA_ADDRESS,
  SFENCE_VMA_ADDRESS_ASID,
  SFENCE_VMA_ALL,
  SFENCE_VMA_ASID,
} from './isa/executor';
export { FENCE_I, FENCE_O, FENCE_R, FENCE_TSO, FENCE_W } from './isa/fence';
export { Op } from './isa/opcodes';
export { riscvFpRegisterNames, riscvRegisterNames } from './isa/registers';
export { riscvRegisterUse } from './isa/registerUse';
export { createRiscvIsa, type RiscvIsaOptions, riscvIsa } from './isa/riscvIsa';
export { type RiscvIsaSample, riscvIsaSamples } from './isa/samples';
export * from './mm';
export * from './patching';
export * from './riscvArch';
export * from './rvwmoStorage';
