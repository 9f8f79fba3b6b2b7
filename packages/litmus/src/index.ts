/**
 * `@execmem/litmus`: herd7-format litmus tests for instruction fetch and
 * data memory. Parses AArch64, RISCV and X86_64 tests, explores every
 * candidate execution under the arch's model (`aarch64.cat -variant
 * ifetch`, RVWMO + the RISC-V ifetch relations, x86-TSO + the SDM fetch
 * rules) and prints herd-compatible verdicts; runs each test on a simulated
 * machine of its arch and checks that every final state reached is one the
 * checker lists.
 *
 * @packageDocumentation
 */

export { aarch64Litmus } from './arch/aarch64Litmus';
export { riscvLitmus } from './arch/riscvLitmus';
export { x86Litmus } from './arch/x86Litmus';
export {
  type CheckOptions,
  checkLitmus,
  type FinalState,
  formatValue,
  type LitmusResult,
  observedCells,
  stateKey,
  testCondition,
  variantsOf,
} from './checkLitmus';
export {
  type CellReader,
  evaluate,
  type FaultReader,
  faultReader,
  formatCondition,
  formatProposition,
  type LitmusCondition,
  type Proposition,
  propositionCells,
} from './condition';
export {
  formatHerd,
  formatHerdResult,
  formatLitmusJson,
  formatSimulation,
  litmusExitCode,
} from './formatHerd';
export type { InsnContext, LitmusArch, LitmusMachineTraits, LitmusRegister } from './litmusArch';
export { buildLitmusImage, type LitmusImage } from './litmusImage';
export type * from './litmusInsn';
export {
  type CodeColumn,
  type CodeSlot,
  cellName,
  type LitmusTest,
  type ObservedCell,
  type RegisterInit,
  type SourcePos,
} from './litmusTest';
export * from './litmusValue';
export { aarch64Model } from './model/aarch64Model';
export { Derived, type ExecEvent, type Execution, type LitmusModel } from './model/execution';
export { riscvModel } from './model/riscvModel';
export { x86Model } from './model/x86Model';
export { parseLitmus } from './parseLitmus';
export { type EventSet, eventSet, Relation, setComplement, setUnion } from './relation';
export {
  defaultLitmusArches,
  type LitmusFileOutcome,
  litmusFiles,
  type RunLitmusOptions,
  runLitmus,
  runLitmusSource,
  type SimulationOutcome,
} from './runLitmus';
export {
  type LitmusSimulation,
  type MachineArchFactory,
  runSeed,
  type SimulatedState,
  type SimulateOptions,
  simulateLitmus,
} from './simulateLitmus';
export {
  type EventKind,
  FetchDecoder,
  holds,
  initialCode,
  type PossibleValues,
  type Trace,
  type TraceEvent,
  threadTraces,
} from './threadTraces';
