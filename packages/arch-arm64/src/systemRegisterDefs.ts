/**
 * The system registers every simulated AArch64 PE has, with reset values.
 *
 * @module
 */

import type { SystemRegisterDef } from '@execmem/core';
import { SystemRegister } from './isa/systemRegisters';

/**
 * The registers a machine provides, `CTR_EL0` with the given value. Reset
 * values follow Arm ARM D23 for a PE running the kernel at EL1: `CurrentEL`
 * = EL1, `DAIF` all masked, `SPSel` = SP_ELx, `SCTLR_EL1` with its RES1
 * bits and the MMU and both caches on; `MIDR_EL1` is a Neoverse N1 r3p1 and
 * `DCZID_EL0` gives 64-byte DC ZVA blocks, matching the default CPU profile.
 * The exception registers (`ELR_EL1`, `SPSR_EL1`, `ESR_EL1`, `FAR_EL1`,
 * `VBAR_EL1`) are what the litmus fault handlers read and write.
 */
export function arm64SystemRegisters(ctrEl0: bigint): SystemRegisterDef[] {
  const rw = (name: keyof typeof SystemRegister, reset = 0n): SystemRegisterDef => ({
    id: SystemRegister[name],
    name,
    reset,
  });
  const ro = (name: keyof typeof SystemRegister, reset: bigint): SystemRegisterDef => ({
    ...rw(name, reset),
    readOnly: true,
  });
  return [
    ro('CTR_EL0', ctrEl0),
    ro('MIDR_EL1', 0x413fd0c1n),
    ro('DCZID_EL0', 4n),
    ro('CurrentEL', 1n << 2n),
    rw('DAIF', 0x3c0n),
    rw('SPSel', 1n),
    rw('PAN'),
    rw('UAO'),
    rw('SCTLR_EL1', 0x30d01805n),
    rw('ELR_EL1'),
    rw('SPSR_EL1'),
    rw('ESR_EL1'),
    rw('FAR_EL1'),
    rw('VBAR_EL1'),
    rw('SP_EL0'),
    rw('TPIDR_EL0'),
    rw('TPIDRRO_EL0'),
    rw('TPIDR_EL1'),
    rw('CONTEXTIDR_EL1'),
  ];
}
