export * from './arm64Arch';
export * from './bpf';
export * from './execmemArchSetup';
export * from './fetchRules';
export { arm64Isa } from './isa/arm64Isa';
export { assembleArm64 } from './isa/assembler';
export { BarrierOption, dmbCode, dsbCode, FENCE_DSB } from './isa/barriers';
export {
  type BitMasks,
  type BitmaskFields,
  decodeBitMasks,
  encodeBitmaskImmediate,
} from './isa/bitmaskImmediate';
export {
  encodeBranch,
  encodeBranchCond,
  encodeBranchRegister,
  encodeCompareBranch,
  encodeTestBranch,
} from './isa/branches';
export { conditionHolds, conditionNames } from './isa/conditions';
export {
  encodeAddSubImmediate,
  encodeAdr,
  encodeBitfield,
  encodeExtract,
  encodeLogicalImmediate,
  encodeMoveWide,
} from './isa/dataProcessingImmediate';
export {
  encodeAddSubCarry,
  encodeAddSubExtended,
  encodeAddSubShifted,
  encodeCondCompare,
  encodeCondSelect,
  encodeDataProc1,
  encodeDataProc2,
  encodeDataProc3,
  encodeLogicalShifted,
} from './isa/dataProcessingRegister';
export { decodeArm64, decodeWord } from './isa/decoder';
export { disassembleArm64, disassembleWord } from './isa/disassembler';
export { executeArm64 } from './isa/executor';
export { AddressMode, type Arm64Insn, Op, ShiftType } from './isa/insn';
export {
  encodeAtomic,
  encodeExclusive,
  encodeLoadLiteral,
  encodeLoadStoreImm9,
  encodeLoadStorePair,
  encodeLoadStoreRegister,
  encodeLoadStoreUnsigned,
} from './isa/loadStore';
export { arm64RegisterNames, SP, ZR } from './isa/registers';
export { arm64RegisterUse } from './isa/registerUse';
export { type Arm64IsaSample, arm64IsaSamples } from './isa/samples';
export { type Arm64State, createArm64State } from './isa/state';
export {
  ERET,
  encodeBarrier,
  encodeException,
  encodeHint,
  encodeMsrImmediate,
  encodeSys,
  encodeSystemRegister,
  ISB,
  NOP,
  type PstateField,
  pstateFields,
  type SysOperation,
  sysOperations,
  TlbiOp,
} from './isa/system';
export {
  parseSystemRegister,
  SystemRegister,
  systemRegisterId,
  systemRegisterName,
} from './isa/systemRegisters';
export * from './memoryModel';
export * from './mm';
export * from './patching';
export * from './systemRegisterDefs';
