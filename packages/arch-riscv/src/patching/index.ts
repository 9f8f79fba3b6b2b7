/**
 * riscv text patching (arch/riscv/kernel/patch.c, arch/riscv/mm/cacheflush.c)
 * on a simulated machine.
 *
 * @module
 */

export { FixTextPoke, fixToVirt } from './fixmap';
export { flushIcacheAll, localFlushIcacheAll } from './flushIcacheAll';
export { checkText, patchInsnWrite } from './patchInsnWrite';
export { riscvPatchingRules } from './patchingRules';
export {
  bpfArchTextInvalidate,
  patchText,
  patchTextNosync,
  patchTextSetNosync,
  type StopMachinePatch,
} from './patchText';
