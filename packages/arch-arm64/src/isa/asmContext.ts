/**
 * What an instruction encoder in the assembler sees: the statement's
 * position and address, expression evaluation with labels, and the operand
 * checks every encoder shares (register class and width, immediate range).
 *
 * @module
 */
import { bareSymbol } from './expression';
import type { MemOperand, Operand, RegOperand, ShiftOperand } from './sourceText';

/** The assembler's view of one instruction statement. */
export interface AsmContext {
  readonly line: number;
  /** Column of the mnemonic. */
  readonly col: number;
  /** Address of the instruction. */
  readonly pc: bigint;
  /** The mnemonic as written, lower case. */
  readonly mnemonic: string;
  /** Throws `EINVAL` at the operand's column (the mnemonic's when `at` is undefined). */
  error(at: { col: number } | undefined, message: string): never;
  /** Value of an immediate or expression operand, labels resolved to addresses. */
  value(op: Operand): bigint;
}

/** Encodes one instruction statement to its 32-bit word. */
export type InstructionEncoder = (cx: AsmContext, ops: readonly Operand[]) => number;

/** Checks the operand count is within `min..max`. */
export function expectCount(cx: AsmContext, ops: readonly Operand[], min: number, max = min): void {
  if (ops.length < min || ops.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    cx.error(ops[max] ?? undefined, `'${cx.mnemonic}' takes ${want} operands, got ${ops.length}`);
  }
}

/** Register classes of an operand position. */
export interface RegClass {
  /** Register 31 is the stack pointer here (otherwise the zero register). */
  readonly sp?: boolean;
  /** Required width: true = X, false = W, undefined = either. */
  readonly wide?: boolean;
}

/** The register field of a general-register operand, checking its class and width. */
export function gpr(cx: AsmContext, op: Operand | undefined, cls: RegClass = {}): number {
  if (op?.kind !== 'reg') return cx.error(op, `expected a register, got '${op?.text ?? ''}'`);
  const r = op.reg;
  if (r.sp === true && !cls.sp) cx.error(op, `register '${op.text}' not allowed here`);
  if (r.sp === false && cls.sp) cx.error(op, `register '${op.text}' not allowed here`);
  if (cls.wide !== undefined && r.wide !== cls.wide) {
    cx.error(op, `expected a ${cls.wide ? '64-bit (x)' : '32-bit (w)'} register, got '${op.text}'`);
  }
  return r.num;
}

/** True when the operand is a register written `sp`/`wsp`. */
export function isSp(op: Operand | undefined): boolean {
  return op?.kind === 'reg' && op.reg.sp === true;
}

/** The operand as a register operand, or an error. */
export function regOperand(cx: AsmContext, op: Operand | undefined): RegOperand {
  if (op?.kind !== 'reg') return cx.error(op, `expected a register, got '${op?.text ?? ''}'`);
  return op;
}

/** The value of an immediate (`#n` or bare) within `min..max`, for `what`. */
export function immediate(
  cx: AsmContext,
  op: Operand | undefined,
  min: number,
  max: number,
  what = cx.mnemonic,
): number {
  if (!op || (op.kind !== 'imm' && op.kind !== 'expr')) {
    return cx.error(op, `expected an immediate, got '${op?.text ?? ''}'`);
  }
  const v = cx.value(op);
  if (v < BigInt(min) || v > BigInt(max))
    cx.error(op, `immediate ${v} out of range ${min}..${max} for ${what}`);
  return Number(v);
}

/** The amount of a shift/extend operand (0 when absent) within `0..max`. */
export function shiftAmount(cx: AsmContext, op: ShiftOperand, max: number): number {
  if (!op.amount) return 0;
  const v = cx.value({ kind: 'imm', col: op.col, text: op.text, expr: op.amount });
  if (v < 0n || v > BigInt(max))
    cx.error(op, `shift amount ${v} out of range 0..${max} for ${cx.mnemonic}`);
  return Number(v);
}

/** The operand as a memory operand, or an error. */
export function memOperand(cx: AsmContext, op: Operand | undefined): MemOperand {
  if (op?.kind !== 'mem')
    return cx.error(op, `expected an address in brackets, got '${op?.text ?? ''}'`);
  return op;
}

/** The lower-case symbol of a bare-name operand (condition, barrier option, system register …). */
export function symbolOperand(cx: AsmContext, op: Operand | undefined, what: string): string {
  const name = op?.kind === 'expr' ? bareSymbol(op.expr) : undefined;
  if (name === undefined) return cx.error(op, `expected ${what}, got '${op?.text ?? ''}'`);
  return name.toLowerCase();
}

/** A PC-relative byte offset to the operand's address, checked for alignment and a signed `bits`-bit word offset. */
export function branchOffset(
  cx: AsmContext,
  op: Operand | undefined,
  bits: number,
  scale = 4,
): number {
  if (!op || (op.kind !== 'expr' && op.kind !== 'imm'))
    return cx.error(op, `expected a label or address, got '${op?.text ?? ''}'`);
  const delta = cx.value(op) - cx.pc;
  const limit = 1n << BigInt(bits - 1 + Math.log2(scale));
  if (delta % BigInt(scale) !== 0n)
    cx.error(op, `target of ${cx.mnemonic} is misaligned (offset ${delta})`);
  if (delta < -limit || delta >= limit)
    cx.error(op, `target of ${cx.mnemonic} out of range (offset ${delta})`);
  return Number(delta);
}
