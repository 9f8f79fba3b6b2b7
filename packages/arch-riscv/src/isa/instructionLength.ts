/**
 * Length in bytes of the instruction whose first parcel is `p`, by the
 * ISA's variable-length encoding rule (Unprivileged ISA 1.5), as binutils'
 * `riscv_insn_length` computes it (reserved ≥192-bit forms count as 2).
 */
export function instructionLength(p: number): number {
  if ((p & 3) !== 3) return 2;
  if ((p & 0x1f) !== 0x1f) return 4;
  if ((p & 0x3f) === 0x1f) return 6;
  if ((p & 0x7f) === 0x3f) return 8;
  if ((p & 0x7f) === 0x7f && (p & 0x7000) !== 0x7000) return 10 + ((p >>> 11) & 0xe);
  return 2;
}
