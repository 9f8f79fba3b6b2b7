/**
 * System registers reachable with MRS/MSR. An id is the 16-bit
 * op0:op1:CRn:CRm:op2 value (instruction bits 20:5 of MRS/MSR, Arm ARM
 * C5.3), the number the executor passes to
 * `MemoryPort.readSystemRegister`/`writeSystemRegister`.
 *
 * @module
 */

/** Builds a system-register id from its op0, op1, CRn, CRm, op2 fields. */
export function systemRegisterId(
  op0: number,
  op1: number,
  crn: number,
  crm: number,
  op2: number,
): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/** Ids of the named system registers (Arm ARM D23). */
export const SystemRegister = {
  /** Cache type register: IminLine, DminLine, IDC (bit 28), DIC (bit 29). */
  CTR_EL0: systemRegisterId(3, 3, 0, 0, 1),
  /** Condition flags, bits 31:28. */
  NZCV: systemRegisterId(3, 3, 4, 2, 0),
  /** User read/write thread id register. */
  TPIDR_EL0: systemRegisterId(3, 3, 13, 0, 2),
  /** User read-only thread id register. */
  TPIDRRO_EL0: systemRegisterId(3, 3, 13, 0, 3),
  /** Virtual count register. */
  CNTVCT_EL0: systemRegisterId(3, 3, 14, 0, 2),
  /** Data cache zero id register. */
  DCZID_EL0: systemRegisterId(3, 3, 0, 0, 7),
  /** Main id register. */
  MIDR_EL1: systemRegisterId(3, 0, 0, 0, 0),
  /** Multiprocessor affinity register. */
  MPIDR_EL1: systemRegisterId(3, 0, 0, 0, 5),
  /** System control register. */
  SCTLR_EL1: systemRegisterId(3, 0, 1, 0, 0),
  /** Translation table base 0. */
  TTBR0_EL1: systemRegisterId(3, 0, 2, 0, 0),
  /** Translation table base 1. */
  TTBR1_EL1: systemRegisterId(3, 0, 2, 0, 1),
  /** Translation control register. */
  TCR_EL1: systemRegisterId(3, 0, 2, 0, 2),
  /** Saved program status at exception entry. */
  SPSR_EL1: systemRegisterId(3, 0, 4, 0, 0),
  /** Exception link register: the return address of ERET. */
  ELR_EL1: systemRegisterId(3, 0, 4, 0, 1),
  /** EL0 stack pointer. */
  SP_EL0: systemRegisterId(3, 0, 4, 1, 0),
  /** Exception syndrome register. */
  ESR_EL1: systemRegisterId(3, 0, 5, 2, 0),
  /** Fault address register. */
  FAR_EL1: systemRegisterId(3, 0, 6, 0, 0),
  /** Memory attribute indirection register. */
  MAIR_EL1: systemRegisterId(3, 0, 10, 2, 0),
  /** Vector base address register. */
  VBAR_EL1: systemRegisterId(3, 0, 12, 0, 0),
  /** Context id register. */
  CONTEXTIDR_EL1: systemRegisterId(3, 0, 13, 0, 1),
  /** EL1 software thread id register. */
  TPIDR_EL1: systemRegisterId(3, 0, 13, 0, 4),
  /** Current exception level. */
  CurrentEL: systemRegisterId(3, 0, 4, 2, 2),
  /** Interrupt mask bits. */
  DAIF: systemRegisterId(3, 3, 4, 2, 1),
  /** Stack pointer select. */
  SPSel: systemRegisterId(3, 0, 4, 2, 0),
  /** Privileged access never (PSTATE.PAN, bit 22). */
  PAN: systemRegisterId(3, 0, 4, 2, 3),
  /** User access override (PSTATE.UAO, bit 23). */
  UAO: systemRegisterId(3, 0, 4, 2, 4),
  /** Floating-point control and status. */
  FPCR: systemRegisterId(3, 3, 4, 4, 0),
  FPSR: systemRegisterId(3, 3, 4, 4, 1),
  /** Revision id. */
  REVIDR_EL1: systemRegisterId(3, 0, 0, 0, 6),
  /** AArch64 feature id registers. */
  ID_AA64PFR0_EL1: systemRegisterId(3, 0, 0, 4, 0),
  ID_AA64ISAR0_EL1: systemRegisterId(3, 0, 0, 6, 0),
  ID_AA64MMFR0_EL1: systemRegisterId(3, 0, 0, 7, 0),
  ID_AA64MMFR1_EL1: systemRegisterId(3, 0, 0, 7, 1),
  /** Cache geometry: level id, size id, size selection. */
  CLIDR_EL1: systemRegisterId(3, 1, 0, 0, 1),
  CCSIDR_EL1: systemRegisterId(3, 1, 0, 0, 0),
  CSSELR_EL1: systemRegisterId(3, 2, 0, 0, 0),
  /** Architectural feature access control (FP/SIMD traps). */
  CPACR_EL1: systemRegisterId(3, 0, 1, 0, 2),
  /** Auxiliary fault status and physical address (AT result). */
  AFSR0_EL1: systemRegisterId(3, 0, 5, 1, 0),
  AFSR1_EL1: systemRegisterId(3, 0, 5, 1, 1),
  PAR_EL1: systemRegisterId(3, 0, 7, 4, 0),
  AMAIR_EL1: systemRegisterId(3, 0, 10, 3, 0),
  /** Generic timer. */
  CNTFRQ_EL0: systemRegisterId(3, 3, 14, 0, 0),
  CNTPCT_EL0: systemRegisterId(3, 3, 14, 0, 1),
  CNTKCTL_EL1: systemRegisterId(3, 0, 14, 1, 0),
  CNTP_CTL_EL0: systemRegisterId(3, 3, 14, 2, 1),
  CNTP_CVAL_EL0: systemRegisterId(3, 3, 14, 2, 2),
  CNTV_CTL_EL0: systemRegisterId(3, 3, 14, 3, 1),
  CNTV_CVAL_EL0: systemRegisterId(3, 3, 14, 3, 2),
  /** EL2 counterparts of the exception registers. */
  SCTLR_EL2: systemRegisterId(3, 4, 1, 0, 0),
  HCR_EL2: systemRegisterId(3, 4, 1, 1, 0),
  SPSR_EL2: systemRegisterId(3, 4, 4, 0, 0),
  ELR_EL2: systemRegisterId(3, 4, 4, 0, 1),
  ESR_EL2: systemRegisterId(3, 4, 5, 2, 0),
  FAR_EL2: systemRegisterId(3, 4, 6, 0, 0),
  VBAR_EL2: systemRegisterId(3, 4, 12, 0, 0),
  TPIDR_EL2: systemRegisterId(3, 4, 13, 0, 2),
} as const;
/** See the constant of the same name. */
export type SystemRegister = (typeof SystemRegister)[keyof typeof SystemRegister];

const nameById = new Map<number, string>(
  Object.entries(SystemRegister).map(([name, id]) => [id, name.toLowerCase()]),
);
const idByName = new Map<string, number>(
  Object.entries(SystemRegister).map(([name, id]) => [name.toLowerCase(), id]),
);

/** The name objdump prints for a system register id (`ctr_el0`, or `s3_0_c15_c0_0` when unnamed). */
export function systemRegisterName(id: number): string {
  const name = nameById.get(id);
  if (name) return name;
  return `s${id >> 14}_${(id >> 11) & 7}_c${(id >> 7) & 15}_c${(id >> 3) & 15}_${id & 7}`;
}

/** Parses a system register name or the generic `sOP0_OP1_cN_cM_OP2` form; `undefined` when unknown. */
export function parseSystemRegister(text: string): number | undefined {
  const t = text.toLowerCase();
  const named = idByName.get(t);
  if (named !== undefined) return named;
  const m = /^s([23])_([0-7])_c([0-9]|1[0-5])_c([0-9]|1[0-5])_([0-7])$/.exec(t);
  if (!m) return undefined;
  return systemRegisterId(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}
