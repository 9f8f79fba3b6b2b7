/**
 * Bit fields of the RISC-V base instruction formats (Unprivileged ISA 2.2
 * and 2.3, "Base Instruction Formats" and "Immediate Encoding Variants").
 * Immediates are plain signed numbers; encoders keep only the bits the
 * format has, so callers check ranges first.
 */

/** Destination register, bits 11:7. */
export const rdOf = (w: number): number => (w >>> 7) & 31;
/** First source register, bits 19:15. */
export const rs1Of = (w: number): number => (w >>> 15) & 31;
/** Second source register, bits 24:20. */
export const rs2Of = (w: number): number => (w >>> 20) & 31;

/** I-type immediate, bits 31:20 sign-extended. */
export const iImm = (w: number): number => w >> 20;
/** S-type immediate. */
export const sImm = (w: number): number => ((w >> 25) << 5) | ((w >>> 7) & 31);
/** B-type branch offset. */
export const bImm = (w: number): number =>
  ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 63) << 5) | (((w >>> 8) & 15) << 1);
/** U-type immediate as the 20-bit field value (0..0xfffff). */
export const uField = (w: number): number => w >>> 12;
/** J-type jump offset. */
export const jImm = (w: number): number =>
  ((w >> 31) << 20) |
  (((w >>> 12) & 255) << 12) |
  (((w >>> 20) & 1) << 11) |
  (((w >>> 21) & 1023) << 1);

/** `match` with rd, rs1, rs2 inserted. */
export function encodeR(match: number, rd: number, rs1: number, rs2: number): number {
  return (match | (rd << 7) | (rs1 << 15) | (rs2 << 20)) >>> 0;
}

/** `match` with rd, rs1 and a 12-bit immediate inserted. */
export function encodeI(match: number, rd: number, rs1: number, imm: number): number {
  return (match | (rd << 7) | (rs1 << 15) | ((imm & 0xfff) << 20)) >>> 0;
}

/** `match` with rs1, rs2 and an S-type immediate inserted. */
export function encodeS(match: number, rs1: number, rs2: number, imm: number): number {
  return (match | ((imm & 31) << 7) | (rs1 << 15) | (rs2 << 20) | (((imm >> 5) & 127) << 25)) >>> 0;
}

/** `match` with rs1, rs2 and a B-type offset inserted. */
export function encodeB(match: number, rs1: number, rs2: number, offset: number): number {
  return (
    (match |
      (((offset >> 11) & 1) << 7) |
      (((offset >> 1) & 15) << 8) |
      (rs1 << 15) |
      (rs2 << 20) |
      (((offset >> 5) & 63) << 25) |
      (((offset >> 12) & 1) << 31)) >>>
    0
  );
}

/** `match` with rd and a 20-bit U-type field inserted. */
export function encodeU(match: number, rd: number, field: number): number {
  return (match | (rd << 7) | ((field & 0xfffff) << 12)) >>> 0;
}

/** `match` with rd and a J-type offset inserted. */
export function encodeJ(match: number, rd: number, offset: number): number {
  return (
    (match |
      (rd << 7) |
      (((offset >> 12) & 255) << 12) |
      (((offset >> 11) & 1) << 20) |
      (((offset >> 1) & 1023) << 21) |
      (((offset >> 20) & 1) << 31)) >>>
    0
  );
}

/** True when `value` fits a `bits`-bit two's complement field. */
export function fitsSigned(value: number, bits: number): boolean {
  const half = 2 ** (bits - 1);
  return Number.isInteger(value) && value >= -half && value < half;
}
