/**
 * x86-64 general registers by operand size, in encoding order (Intel SDM
 * vol. 2, table 3-1 and 2-4: REX.R/X/B extend each field to 4 bits).
 *
 * @module
 */

/** 64-bit register names in encoding order (`registerNames`). */
export const reg64Names: readonly string[] = [
  'rax',
  'rcx',
  'rdx',
  'rbx',
  'rsp',
  'rbp',
  'rsi',
  'rdi',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
];

export const reg32Names: readonly string[] = [
  'eax',
  'ecx',
  'edx',
  'ebx',
  'esp',
  'ebp',
  'esi',
  'edi',
  'r8d',
  'r9d',
  'r10d',
  'r11d',
  'r12d',
  'r13d',
  'r14d',
  'r15d',
];

export const reg16Names: readonly string[] = [
  'ax',
  'cx',
  'dx',
  'bx',
  'sp',
  'bp',
  'si',
  'di',
  'r8w',
  'r9w',
  'r10w',
  'r11w',
  'r12w',
  'r13w',
  'r14w',
  'r15w',
];

/** Byte registers with a REX prefix (SDM 3.7.2.1: SPL, BPL, SIL, DIL replace AH..BH). */
export const reg8Names: readonly string[] = [
  'al',
  'cl',
  'dl',
  'bl',
  'spl',
  'bpl',
  'sil',
  'dil',
  'r8b',
  'r9b',
  'r10b',
  'r11b',
  'r12b',
  'r13b',
  'r14b',
  'r15b',
];

/**
 * The legacy high-byte registers AH, CH, DH, BH: register numbers
 * `HIGH_BYTE + 0..3` stand for bits 15:8 of RAX, RCX, RDX, RBX. They exist
 * only in instructions without a REX prefix.
 */
export const HIGH_BYTE = 16;
const highByteNames: readonly string[] = ['ah', 'ch', 'dh', 'bh'];

/** The name (without `%`) of register `reg` at operand `size` (1, 2, 4 or 8 bytes). */
export function registerName(reg: number, size: number): string {
  if (reg >= HIGH_BYTE) return highByteNames[reg - HIGH_BYTE];
  switch (size) {
    case 1:
      return reg8Names[reg];
    case 2:
      return reg16Names[reg];
    case 4:
      return reg32Names[reg];
    default:
      return reg64Names[reg];
  }
}

/** A register operand as the assembler parsed it. */
export interface RegisterInfo {
  /** Encoding number 0..15, or `HIGH_BYTE + 0..3` for AH..BH. */
  readonly reg: number;
  /** Operand size in bytes. */
  readonly size: 1 | 2 | 4 | 8;
  /** SPL/BPL/SIL/DIL and R8..R15 need a REX prefix. */
  readonly needsRex: boolean;
}

const byName = new Map<string, RegisterInfo>();
for (let r = 0; r < 16; r++) {
  byName.set(reg64Names[r], { reg: r, size: 8, needsRex: r >= 8 });
  byName.set(reg32Names[r], { reg: r, size: 4, needsRex: r >= 8 });
  byName.set(reg16Names[r], { reg: r, size: 2, needsRex: r >= 8 });
  byName.set(reg8Names[r], { reg: r, size: 1, needsRex: r >= 4 });
}
for (let r = 0; r < 4; r++)
  byName.set(highByteNames[r], { reg: HIGH_BYTE + r, size: 1, needsRex: false });

/** Looks up a register name (without `%`, any case); `undefined` when it is not a general register. */
export function lookupRegister(name: string): RegisterInfo | undefined {
  return byName.get(name.toLowerCase());
}
