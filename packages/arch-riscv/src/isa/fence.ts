/**
 * FENCE predecessor/successor sets (Unprivileged ISA 2.7, "Memory Ordering
 * Instructions"). The executor passes `pred << 4 | succ`, plus
 * {@link FENCE_TSO} for FENCE.TSO, to `MemoryPort.fence`.
 */

/** Device input. */
export const FENCE_I = 8;
/** Device output. */
export const FENCE_O = 4;
/** Memory reads. */
export const FENCE_R = 2;
/** Memory writes. */
export const FENCE_W = 1;
/** Set in the fence kind for FENCE.TSO (fm = 1000): orders R→RW and W→W but not W→R. */
export const FENCE_TSO = 0x100;

const letters = 'iorw';

/** The `iorw` text of a 4-bit set, as objdump prints it (`unknown` for the empty set). */
export function fenceSetText(set: number): string {
  let text = '';
  for (let i = 0; i < 4; i++) if (set & (8 >> i)) text += letters[i];
  return text || 'unknown';
}

/** The 4-bit set named by `text` (letters from `iorw` in that order), or -1. */
export function parseFenceSet(text: string): number {
  let set = 0;
  let at = 0;
  for (const c of text) {
    const i = letters.indexOf(c, at);
    if (i < 0) return -1;
    set |= 8 >> i;
    at = i + 1;
  }
  return text.length === 0 ? -1 : set;
}
