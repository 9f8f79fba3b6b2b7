/**
 * Test support: the machine a litmus test runs on, built from the arch
 * packages as `execmem litmus --simulate` builds it.
 *
 * @module
 */

import { arm64Arch } from '@execmem/arch-arm64';
import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import type { MachineArchFactory } from '../simulateLitmus';

/** AArch64 with the test's `CTR_EL0.IDC`/`DIC`, RISC-V with its fetch model and no RVC, x86-64. */
export const litmusMachineArch: MachineArchFactory = (herdArch, variants) =>
  herdArch === 'AArch64'
    ? arm64Arch({ ctrEl0: { idc: variants.has('IDC'), dic: variants.has('DIC') } })
    : herdArch === 'RISCV'
      ? riscvArch({ ziccid: variants.has('ziccid'), compressed: false })
      : x86Arch();
