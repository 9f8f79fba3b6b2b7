/**
 * A64 condition codes (Arm ARM C1.2.4) and their evaluation on NZCV.
 *
 * @module
 */

/** Condition mnemonics in encoding order. */
export const conditionNames: readonly string[] = [
  'eq',
  'ne',
  'cs',
  'cc',
  'mi',
  'pl',
  'vs',
  'vc',
  'hi',
  'ls',
  'ge',
  'lt',
  'gt',
  'le',
  'al',
  'nv',
];

const aliases: Readonly<Record<string, number>> = { hs: 2, lo: 3 };

/** Parses a condition mnemonic (`eq`, `hs`, …); `undefined` when unknown. */
export function parseCondition(text: string): number | undefined {
  const t = text.toLowerCase();
  const i = conditionNames.indexOf(t);
  return i >= 0 ? i : aliases[t];
}

/** NZCV flag bits as the executor keeps them (N=8, Z=4, C=2, V=1). */
export const FLAG_N = 8;
/** Zero flag bit. */
export const FLAG_Z = 4;
/** Carry flag bit. */
export const FLAG_C = 2;
/** Overflow flag bit. */
export const FLAG_V = 1;

/** ConditionHolds (Arm ARM J1.1.3 shared/functions/system/ConditionHolds). */
export function conditionHolds(cond: number, nzcv: number): boolean {
  let r: boolean;
  switch (cond >> 1) {
    case 0:
      r = (nzcv & FLAG_Z) !== 0;
      break;
    case 1:
      r = (nzcv & FLAG_C) !== 0;
      break;
    case 2:
      r = (nzcv & FLAG_N) !== 0;
      break;
    case 3:
      r = (nzcv & FLAG_V) !== 0;
      break;
    case 4:
      r = (nzcv & FLAG_C) !== 0 && (nzcv & FLAG_Z) === 0;
      break;
    case 5:
      r = ((nzcv & FLAG_N) !== 0) === ((nzcv & FLAG_V) !== 0);
      break;
    case 6:
      r = ((nzcv & FLAG_N) !== 0) === ((nzcv & FLAG_V) !== 0) && (nzcv & FLAG_Z) === 0;
      break;
    default:
      return true;
  }
  return cond & 1 ? !r : r;
}
