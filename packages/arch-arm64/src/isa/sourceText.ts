/**
 * Lexical layer of the A64 assembler: splits GNU-syntax source into
 * statements (`;` and newlines separate, `//` and `/* … *\/` comment) and
 * parses operands into registers, immediates, shifts/extends, memory
 * operands and expressions, keeping the column of each for error messages.
 *
 * @module
 */
import { type Expr, parseExpr } from './expression';
import { type ParsedRegister, parseRegister } from './registers';
import { syntaxError } from './sourceError';

interface OperandBase {
  /** 1-based column of the operand's first character. */
  readonly col: number;
  /** The operand as written. */
  readonly text: string;
}

/** A general register. */
export interface RegOperand extends OperandBase {
  readonly kind: 'reg';
  readonly reg: ParsedRegister;
}

/** `#expr`, or a bare expression that is not a register. */
export interface ExprOperand extends OperandBase {
  readonly kind: 'imm' | 'expr';
  readonly expr: Expr;
}

/** A shift (`lsl #3`) or extend (`uxtw #2`, `sxtx`). */
export interface ShiftOperand extends OperandBase {
  readonly kind: 'shift';
  readonly name: string;
  readonly amount: Expr | undefined;
}

/** A bracketed address `[Xn{, #imm | , Rm{, extend}}]{!}`. */
export interface MemOperand extends OperandBase {
  readonly kind: 'mem';
  readonly base: RegOperand;
  readonly offset: ExprOperand | undefined;
  readonly index: RegOperand | undefined;
  readonly extend: ShiftOperand | undefined;
  readonly writeback: boolean;
}

/** Any parsed operand. */
export type Operand = RegOperand | ExprOperand | ShiftOperand | MemOperand;

/** One statement: optional labels, then a mnemonic or directive with operands. */
export interface Statement {
  readonly line: number;
  readonly labels: readonly { name: string; col: number }[];
  /** Lower-case mnemonic or directive, `''` for a label-only statement. */
  readonly mnemonic: string;
  readonly col: number;
  /** Raw operand texts with their columns (directives parse them themselves). */
  readonly rawOperands: readonly { text: string; col: number }[];
}

const shiftNames = new Set([
  'lsl',
  'lsr',
  'asr',
  'ror',
  'uxtb',
  'uxth',
  'uxtw',
  'uxtx',
  'sxtb',
  'sxth',
  'sxtw',
  'sxtx',
]);

/** Removes comments, keeping columns (comment text becomes spaces). */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => m.replace(/[^\n]/g, ' '));
}

/** Splits `text` at top-level commas (outside brackets), with columns. */
function splitOperands(text: string, col: number): { text: string; col: number }[] {
  const out: { text: string; col: number }[] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    const piece = text.slice(start, end);
    const lead = piece.length - piece.trimStart().length;
    out.push({ text: piece.trim(), col: col + start + lead });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  if (text.trim() !== '') push(text.length);
  return out;
}

/** Splits source into statements. */
export function parseStatements(source: string): Statement[] {
  const statements: Statement[] = [];
  const lines = stripComments(source).split('\n');
  lines.forEach((lineText, i) => {
    const line = i + 1;
    let pos = 0;
    for (const piece of lineText.split(';')) {
      const col0 = pos + 1;
      pos += piece.length + 1;
      let rest = piece;
      let offset = 0;
      const labels: { name: string; col: number }[] = [];
      for (;;) {
        const m = /^(\s*)([A-Za-z_.$][\w.$]*|[0-9]+):/.exec(rest);
        if (!m) break;
        labels.push({ name: m[2], col: col0 + offset + m[1].length });
        offset += m[0].length;
        rest = rest.slice(m[0].length);
      }
      const lead = rest.length - rest.trimStart().length;
      const body = rest.trim();
      if (body === '' && labels.length === 0) continue;
      const m = /^(\S+)\s*(.*)$/.exec(body);
      const mnemonic = m ? m[1].toLowerCase() : '';
      const col = col0 + offset + lead;
      const operandText = m ? m[2] : '';
      const operandCol = col + (m ? body.length - operandText.length : 0);
      statements.push({
        line,
        labels,
        mnemonic,
        col,
        rawOperands: splitOperands(operandText, operandCol),
      });
    }
  });
  return statements;
}

function parseRegOperand(text: string, col: number): RegOperand | undefined {
  const reg = parseRegister(text);
  return reg ? { kind: 'reg', col, text, reg } : undefined;
}

function parseShift(text: string, line: number, col: number): ShiftOperand | undefined {
  const m = /^([a-zA-Z]+)(?:\s+#?(.*))?$/.exec(text);
  if (!m || !shiftNames.has(m[1].toLowerCase())) return undefined;
  const amountText = m[2]?.trim();
  const amount = amountText
    ? parseExpr(amountText, line, col + text.indexOf(amountText))
    : undefined;
  return { kind: 'shift', col, text, name: m[1].toLowerCase(), amount };
}

function parseExprOperand(text: string, line: number, col: number): ExprOperand {
  if (text.startsWith('#')) {
    const body = text.slice(1);
    const lead = body.length - body.trimStart().length;
    return { kind: 'imm', col, text, expr: parseExpr(body.trim(), line, col + 1 + lead) };
  }
  return { kind: 'expr', col, text, expr: parseExpr(text, line, col) };
}

function parseMem(text: string, line: number, col: number): MemOperand {
  const m = /^\[(.*)\](!?)$/.exec(text);
  if (!m) syntaxError(line, col, `bad address '${text}'`);
  const parts = splitOperands(m[1], col + 1);
  const base = parts[0] ? parseRegOperand(parts[0].text, parts[0].col) : undefined;
  if (!base?.reg.wide || base.reg.sp === false) {
    syntaxError(
      line,
      parts[0]?.col ?? col,
      `bad base register '${parts[0]?.text ?? ''}' in '${text}'`,
    );
  }
  let offset: ExprOperand | undefined;
  let index: RegOperand | undefined;
  let extend: ShiftOperand | undefined;
  if (parts[1]) {
    index = parseRegOperand(parts[1].text, parts[1].col);
    if (!index) offset = parseExprOperand(parts[1].text, line, parts[1].col);
  }
  if (parts[2]) {
    extend = parseShift(parts[2].text, line, parts[2].col);
    if (!extend || !index)
      syntaxError(line, parts[2].col, `bad extend '${parts[2].text}' in '${text}'`);
  }
  if (parts.length > 3)
    syntaxError(line, parts[3].col, `unexpected '${parts[3].text}' in '${text}'`);
  return { kind: 'mem', col, text, base, offset, index, extend, writeback: m[2] === '!' };
}

/** Parses one instruction operand. */
export function parseOperand(text: string, line: number, col: number): Operand {
  if (text === '') syntaxError(line, col, 'missing operand');
  if (text.startsWith('[')) return parseMem(text, line, col);
  return (
    parseRegOperand(text, col) ?? parseShift(text, line, col) ?? parseExprOperand(text, line, col)
  );
}
