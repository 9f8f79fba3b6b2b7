/**
 * Concurrent modification and execution of instructions (CMODX, Arm ARM
 * B2.2.5): which A64 instructions one PE may overwrite while another may
 * be executing them.
 *
 * @module
 */

/** One instruction class of the CMODX list: its name and its encoding as mask/match. */
export interface CmodxClass {
  readonly name: string;
  readonly mask: number;
  readonly match: number;
}

/**
 * Arm ARM B2.2.5: "the architecture limits the set of instructions that can
 * be executed by one thread of execution as they are being modified by
 * another ... to B, B.cond, BL, BRK, CBNZ, CBZ, HVC, ISB, NOP, SMC, SVC,
 * TBNZ, TBZ"; for any other old or new instruction the behaviour is
 * CONSTRAINED UNPREDICTABLE.
 */
export const CMODX_SAFE: readonly CmodxClass[] = [
  { name: 'B', mask: 0xfc000000, match: 0x14000000 },
  { name: 'BL', mask: 0xfc000000, match: 0x94000000 },
  { name: 'B.cond', mask: 0xff000010, match: 0x54000000 },
  { name: 'CBZ/CBNZ', mask: 0x7e000000, match: 0x34000000 },
  { name: 'TBZ/TBNZ', mask: 0x7e000000, match: 0x36000000 },
  { name: 'NOP', mask: 0xffffffff, match: 0xd503201f },
  // ISB with any option: only SY is named, the others are reserved and behave as SY.
  { name: 'ISB', mask: 0xfffff0ff, match: 0xd50330df },
  { name: 'BRK', mask: 0xffe0001f, match: 0xd4200000 },
  { name: 'SVC', mask: 0xffe0001f, match: 0xd4000001 },
  { name: 'HVC', mask: 0xffe0001f, match: 0xd4000002 },
  { name: 'SMC', mask: 0xffe0001f, match: 0xd4000003 },
];

/** The CMODX class of an instruction word, or `undefined` when it is not on the list. */
export function cmodxClass(word: number): CmodxClass | undefined {
  for (const c of CMODX_SAFE) if ((word & c.mask) >>> 0 === c.match) return c;
  return undefined;
}

/** The little-endian instruction word at `bytes[offset..offset+4)`, or -1 when fewer than 4 bytes remain. */
export function insnWord(bytes: Uint8Array, offset = 0): number {
  if (offset < 0 || offset + 4 > bytes.length) return -1;
  return (
    (bytes[offset] |
      (bytes[offset + 1] << 8) |
      (bytes[offset + 2] << 16) |
      (bytes[offset + 3] << 24)) >>>
    0
  );
}

/**
 * True when replacing `oldWord` by `newWord` while another PE may execute
 * it is a hazard: the fetch is defined (old or new, never anything else)
 * only when both are on the {@link CMODX_SAFE} list.
 */
export function cmodxHazard(oldWord: number, newWord: number): boolean {
  return cmodxClass(oldWord) === undefined || cmodxClass(newWord) === undefined;
}
