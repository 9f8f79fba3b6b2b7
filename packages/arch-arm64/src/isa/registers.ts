/**
 * A64 general-register naming. Register field value 31 means either the
 * stack pointer or the zero register depending on the encoding (Arm ARM
 * C1.2.5); decoded instructions keep the distinction explicit so that the
 * executor needs no per-encoding knowledge.
 *
 * @module
 */

/** Decoded register number of the stack pointer (also its index in `registerNames`). */
export const SP = 31;
/** Decoded register number of the zero register (not a stored register). */
export const ZR = 32;

/** The names of the stored general registers in encoding order: x0 … x30, sp. */
export const arm64RegisterNames: readonly string[] = [
  ...Array.from({ length: 31 }, (_, i) => `x${i}`),
  'sp',
];

/** Maps a register field to its decoded number: 31 becomes {@link SP} or {@link ZR}. */
export function reg(fieldValue: number, spAllowed: boolean): number {
  return fieldValue === 31 && !spAllowed ? ZR : fieldValue;
}

/** The name objdump prints for a decoded register number at width 64 (`x`) or 32 (`w`). */
export function regName(r: number, wide: boolean | number): string {
  if (r === SP) return wide ? 'sp' : 'wsp';
  if (r === ZR) return wide ? 'xzr' : 'wzr';
  return `${wide ? 'x' : 'w'}${r}`;
}

/** A register as written in assembler source. */
export interface ParsedRegister {
  /** Field value 0..31. */
  readonly num: number;
  /** True for `x`/`sp`/`xzr`, false for `w`/`wsp`/`wzr`. */
  readonly wide: boolean;
  /** True when written `sp`/`wsp`, false when `xzr`/`wzr`, undefined for 0..30. */
  readonly sp: boolean | undefined;
}

/** Parses a general-register name (case-insensitive); `undefined` when `text` is not one. */
export function parseRegister(text: string): ParsedRegister | undefined {
  const t = text.toLowerCase();
  switch (t) {
    case 'sp':
      return { num: 31, wide: true, sp: true };
    case 'wsp':
      return { num: 31, wide: false, sp: true };
    case 'xzr':
      return { num: 31, wide: true, sp: false };
    case 'wzr':
      return { num: 31, wide: false, sp: false };
    case 'lr':
      return { num: 30, wide: true, sp: undefined };
    case 'fp':
      return { num: 29, wide: true, sp: undefined };
  }
  const m = /^([xw])([0-9]|[12][0-9]|30)$/.exec(t);
  if (!m) return undefined;
  return { num: Number(m[2]), wide: m[1] === 'x', sp: undefined };
}
