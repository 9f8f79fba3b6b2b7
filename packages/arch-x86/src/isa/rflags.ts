/**
 * The RFLAGS status flags (SDM vol. 1, 3.4.3.1) and the condition codes of
 * Jcc (SDM vol. 2, appendix B.1.4.7).
 *
 * @module
 */

/** Status flag bits of RFLAGS. */
export const Rflags = {
  CF: 0x1,
  PF: 0x4,
  AF: 0x10,
  ZF: 0x40,
  SF: 0x80,
  OF: 0x800,
} as const;

/** The six status flags arithmetic instructions define. */
export const STATUS_FLAGS = 0x8d5;

/** PF is set when the low byte of a result has an even number of one bits. */
export function parityFlag(lo: number): number {
  let b = lo & 0xff;
  b ^= b >>> 4;
  b ^= b >>> 2;
  b ^= b >>> 1;
  return b & 1 ? 0 : Rflags.PF;
}

/** True when condition `cond` (0..15) holds for `rflags`. */
export function conditionHolds(cond: number, rflags: number): boolean {
  let r: boolean;
  switch (cond >> 1) {
    case 0:
      r = (rflags & Rflags.OF) !== 0;
      break;
    case 1:
      r = (rflags & Rflags.CF) !== 0;
      break;
    case 2:
      r = (rflags & Rflags.ZF) !== 0;
      break;
    case 3:
      r = (rflags & (Rflags.CF | Rflags.ZF)) !== 0;
      break;
    case 4:
      r = (rflags & Rflags.SF) !== 0;
      break;
    case 5:
      r = (rflags & Rflags.PF) !== 0;
      break;
    case 6:
      r = ((rflags & Rflags.SF) !== 0) !== ((rflags & Rflags.OF) !== 0);
      break;
    default:
      r =
        (rflags & Rflags.ZF) !== 0 || ((rflags & Rflags.SF) !== 0) !== ((rflags & Rflags.OF) !== 0);
  }
  // Odd condition codes are the negations of the even ones.
  return cond & 1 ? !r : r;
}
