/**
 * Shared helpers for the arch front ends: splitting an instruction line
 * into mnemonic and operands and canonicalizing its spelling.
 *
 * @module
 */

import type { InsnContext, LitmusRegister } from '../litmusArch';
import type { LitmusOperand } from '../litmusInsn';
import { codeAddress } from '../litmusValue';

/** Mnemonic and comma-separated operands (commas inside `[]` or `()` do not split). */
export function splitInstruction(text: string): { mnemonic: string; operands: string[] } {
  const t = text.trim();
  const space = t.search(/\s/);
  const mnemonic = space < 0 ? t : t.slice(0, space);
  const rest = space < 0 ? '' : t.slice(space).trim();
  const operands: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of rest) {
    if (c === '[' || c === '(') depth++;
    if (c === ']' || c === ')') depth--;
    if (c === ',' && depth === 0) {
      operands.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (rest !== '') operands.push(cur.trim());
  return { mnemonic, operands };
}

/** `mnemonic op1,op2` with single spaces, the mnemonic in `mnemonicCase`. */
export function canonicalText(text: string, mnemonicCase: 'upper' | 'lower'): string {
  const { mnemonic, operands } = splitInstruction(text.replace(/\s+/g, ' '));
  const m = mnemonicCase === 'upper' ? mnemonic.toUpperCase() : mnemonic.toLowerCase();
  return operands.length === 0 ? m : `${m} ${operands.map((o) => o.replace(/\s+/g, '')).join(',')}`;
}

/** Checks the operand count, failing with what the instruction expects. */
export function expectOperands(
  ctx: InsnContext,
  operands: readonly string[],
  counts: readonly number[],
  form: string,
): void {
  if (!counts.includes(operands.length)) ctx.fail(`expected operands ${form}`);
}

/** Resolves a register operand or fails naming it. */
export function registerOperand(
  ctx: InsnContext,
  lookup: (name: string) => LitmusRegister | undefined,
  text: string | undefined,
): LitmusRegister {
  const r = text === undefined ? undefined : lookup(text);
  if (!r) return ctx.fail(`expected a register, found '${text ?? ''}'`);
  return r;
}

/** A register or an immediate operand (`imm` is the immediate's text without its prefix). */
export function sourceOperand(
  ctx: InsnContext,
  lookup: (name: string) => LitmusRegister | undefined,
  text: string | undefined,
  immPrefix: RegExp,
): LitmusOperand {
  if (text !== undefined && immPrefix.test(text)) {
    const n = text.replace(immPrefix, '');
    if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(n)) ctx.fail(`expected an immediate, found '${text}'`);
    return { imm: BigInt.asUintN(64, BigInt(n)) };
  }
  const r = registerOperand(ctx, lookup, text);
  return { reg: r.reg, bits: r.bits };
}

/** A branch target: a label, or `.+N` / `.-N` bytes from this slot when instructions have a fixed size. */
export function branchTarget(
  ctx: InsnContext,
  text: string | undefined,
  insnBytes: number | undefined,
): string {
  if (text === undefined) return ctx.fail('expected a branch target');
  const rel = text.match(/^\.\s*([+-])\s*(\d+)$/);
  if (rel) {
    if (insnBytes === undefined)
      return ctx.fail(`relative target ${text} needs fixed-size instructions; use a label`);
    const bytes = Number(rel[2]) * (rel[1] === '-' ? -1 : 1);
    if (bytes % insnBytes !== 0)
      ctx.fail(`branch offset ${text} is not a multiple of ${insnBytes}`);
    return codeAddress(ctx.column, ctx.slot + bytes / insnBytes);
  }
  return ctx.label(text);
}
