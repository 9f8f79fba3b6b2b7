/**
 * Mnemonic tables shared by the test generators (instances for the
 * encoding tests, programs for the execution tests).
 *
 * @module
 */

/** Register-register ALU operations of RV64IM, with the W forms. */
export const rOps = [
  'add',
  'sub',
  'sll',
  'slt',
  'sltu',
  'xor',
  'srl',
  'sra',
  'or',
  'and',
  'addw',
  'subw',
  'sllw',
  'srlw',
  'sraw',
  'mul',
  'mulh',
  'mulhsu',
  'mulhu',
  'div',
  'divu',
  'rem',
  'remu',
  'mulw',
  'divw',
  'divuw',
  'remw',
  'remuw',
];
/** Register-immediate ALU operations. */
export const iOps = ['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'addiw'];
/** Loads with their access size. */
export const loads: readonly [string, number][] = [
  ['lb', 1],
  ['lh', 2],
  ['lw', 4],
  ['ld', 8],
  ['lbu', 1],
  ['lhu', 2],
  ['lwu', 4],
];
/** Stores with their access size. */
export const stores: readonly [string, number][] = [
  ['sb', 1],
  ['sh', 2],
  ['sw', 4],
  ['sd', 8],
];
/** AMO operations, without size or ordering suffix. */
export const amos = [
  'amoswap',
  'amoadd',
  'amoxor',
  'amoand',
  'amoor',
  'amomin',
  'amomax',
  'amominu',
  'amomaxu',
];
