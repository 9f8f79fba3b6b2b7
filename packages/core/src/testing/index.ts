/**
 * `@execmem/core/testing`: helpers for the test suites of every execmem
 * package and the conformance kit every arch backend must pass.
 *
 * @packageDocumentation
 */

export { type ArchConformanceOptions, describeArchConformance } from './archConformance';
export { type HostToolCheck, hasHostTool, requireHostTools } from './hostTools';
export {
  describePageTableConformance,
  type PageTableConformanceTarget,
} from './pageTableConformance';
export { checkRegisterUse, type RegisterUseOracleOptions } from './registerUseOracle';
export { findSharedDir, sharedPath } from './sharedData';
