/**
 * The lexical layer of the AT&T assembler: statements, labels, operands
 * and constant expressions, each carrying its line and column for error
 * messages.
 *
 * @module
 */
import { fail } from '@execmem/core';
import { lookupRegister, type RegisterInfo } from './registers';

/** A source position (1-based). */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Throws `EINVAL` naming the position. */
export function syntaxError(at: Position, message: string): never {
  fail('EINVAL', `line ${at.line}, column ${at.column}: ${message}`);
}

/** A constant expression: a value plus at most one label added to it. */
export interface Expression {
  readonly value: bigint;
  readonly symbol?: string;
}

/** A parsed operand. */
export type AsmOperand =
  | {
      readonly kind: 'reg';
      readonly at: Position;
      readonly indirect: boolean;
      readonly reg: RegisterInfo;
      readonly text: string;
    }
  | {
      readonly kind: 'imm';
      readonly at: Position;
      readonly indirect: boolean;
      readonly expr: Expression;
      readonly text: string;
    }
  | {
      readonly kind: 'mem';
      readonly at: Position;
      readonly indirect: boolean;
      readonly text: string;
      /** Displacement (or the whole address when there are no registers). */
      readonly disp: Expression;
      readonly base?: RegisterInfo;
      readonly index?: RegisterInfo;
      readonly scale: number;
      readonly rip: boolean;
      /** True when the operand is a bare expression (a branch target or an absolute address). */
      readonly bare: boolean;
    };

/** One statement: labels defined before it, then a mnemonic or directive with its operands. */
export interface Statement {
  readonly at: Position;
  readonly labels: readonly { name: string; at: Position }[];
  /** Mnemonic or directive (lower case), empty for a label-only statement. */
  readonly name: string;
  /** Prefix words before the mnemonic (`lock`, `data16`, `cs`, `{disp8}`, `{disp32}`). */
  readonly prefixes: readonly string[];
  /** Raw operand texts with their positions. */
  readonly args: readonly { text: string; at: Position }[];
}

/** Prefix words, and gas's pseudo-prefixes choosing the displacement size (`{disp8}`, `{disp32}`). */
const prefixWords = new Set(['lock', 'data16', 'cs', '{disp8}', '{disp32}']);
const labelPattern = /^([A-Za-z_.$][\w.$]*|\d+):/;

/** Splits `text` at top-level commas (not inside parentheses or quotes). */
function splitOperands(text: string, at: Position): { text: string; at: Position }[] {
  const out: { text: string; at: Position }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (i === text.length || (ch === ',' && depth === 0)) {
      const raw = text.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      out.push({ text: raw.trim(), at: { line: at.line, column: at.column + start + lead } });
      start = i + 1;
    }
  }
  return out;
}

/** Splits source text into statements (newline and `;` separate them, `#` starts a comment). */
export function parseStatements(source: string): Statement[] {
  const out: Statement[] = [];
  const lines = source.split('\n');
  for (let ln = 0; ln < lines.length; ln++) {
    const full = lines[ln];
    const hash = full.indexOf('#');
    const text = hash >= 0 ? full.slice(0, hash) : full;
    let col = 0;
    for (const piece of text.split(';')) {
      const startCol = col;
      col += piece.length + 1;
      let rest = piece;
      let offset = startCol;
      const labels: { name: string; at: Position }[] = [];
      for (;;) {
        const lead = rest.length - rest.trimStart().length;
        rest = rest.trimStart();
        offset += lead;
        const m = labelPattern.exec(rest);
        if (!m) break;
        labels.push({ name: m[1], at: { line: ln + 1, column: offset + 1 } });
        rest = rest.slice(m[0].length);
        offset += m[0].length;
      }
      const at = { line: ln + 1, column: offset + 1 };
      const prefixes: string[] = [];
      let name = '';
      let argsText = '';
      let argsOffset = offset;
      for (;;) {
        const m = /^(\S+)(\s*)/.exec(rest);
        if (!m) break;
        const word = m[1].toLowerCase();
        if (prefixWords.has(word) && rest.length > m[0].length) {
          prefixes.push(word);
          rest = rest.slice(m[0].length);
          offset += m[0].length;
          continue;
        }
        name = word;
        argsText = rest.slice(m[0].length).trimEnd();
        argsOffset = offset + m[0].length;
        break;
      }
      if (!name && labels.length === 0) continue;
      const args = argsText
        ? splitOperands(argsText, { line: ln + 1, column: argsOffset + 1 })
        : [];
      out.push({
        at,
        labels,
        name,
        prefixes,
        args,
      });
    }
  }
  return out;
}

/** Parses an integer literal the way `as` reads it (decimal, `0x` hex, `0b` binary, leading-`0` octal). */
function parseNumber(text: string): bigint | undefined {
  if (
    /^0[xX][0-9a-fA-F]+$/.test(text) ||
    /^0[bB][01]+$/.test(text) ||
    /^[1-9]\d*$/.test(text) ||
    text === '0'
  ) {
    return BigInt(text);
  }
  if (/^0[0-7]+$/.test(text)) return BigInt(`0o${text.slice(1)}`);
  return undefined;
}

/**
 * Parses a constant expression: terms joined by `+` and `-`, each an
 * optionally negated or complemented integer, or one label added.
 */
export function parseExpression(text: string, at: Position): Expression {
  const tokens = text.replace(/\s+/g, '').match(/[A-Za-z_.$][\w.$]*|\d\w*|[-+~]|./g);
  if (!tokens) syntaxError(at, `missing expression`);
  let value = 0n;
  let symbol: string | undefined;
  let i = 0;
  const term = (): void => {
    let sign = 1n;
    let complement = false;
    while (tokens[i] === '-' || tokens[i] === '+' || tokens[i] === '~') {
      if (tokens[i] === '-') sign = -sign;
      if (tokens[i] === '~') complement = !complement;
      i++;
    }
    const tok = tokens[i++];
    if (tok === undefined) syntaxError(at, `incomplete expression '${text}'`);
    const n = parseNumber(tok);
    if (n !== undefined) {
      value += sign * (complement ? ~n : n);
      return;
    }
    if (/^[A-Za-z_.$][\w.$]*$/.test(tok) || /^\d+[bf]$/.test(tok)) {
      if (symbol !== undefined || sign < 0n || complement)
        syntaxError(at, `unsupported expression '${text}'`);
      symbol = tok;
      return;
    }
    syntaxError(at, `bad expression '${text}'`);
  };
  term();
  while (i < tokens.length) {
    const op = tokens[i++];
    if (op !== '+' && op !== '-') syntaxError(at, `bad expression '${text}'`);
    const before = value;
    term();
    if (op === '-') value = before - (value - before);
  }
  return symbol === undefined ? { value } : { value, symbol };
}

function parseRegister(text: string, at: Position): RegisterInfo {
  const reg = lookupRegister(text.slice(1));
  if (!reg) syntaxError(at, `bad register name '${text}'`);
  return reg;
}

/** Parses one AT&T operand. */
export function parseOperand(text: string, at: Position): AsmOperand {
  if (!text) syntaxError(at, 'missing operand');
  const indirect = text.startsWith('*');
  const body = indirect ? text.slice(1).trim() : text;
  if (body.startsWith('%'))
    return { kind: 'reg', at, indirect, reg: parseRegister(body, at), text };
  if (body.startsWith('$'))
    return { kind: 'imm', at, indirect, expr: parseExpression(body.slice(1), at), text };
  const open = body.indexOf('(');
  if (open < 0) {
    return {
      kind: 'mem',
      at,
      indirect,
      text,
      disp: parseExpression(body, at),
      scale: 1,
      rip: false,
      bare: true,
    };
  }
  if (!body.endsWith(')')) syntaxError(at, `bad memory operand '${text}'`);
  const dispText = body.slice(0, open).trim();
  const disp = dispText ? parseExpression(dispText, at) : { value: 0n };
  const parts = body
    .slice(open + 1, -1)
    .split(',')
    .map((p) => p.trim());
  if (parts.length > 3) syntaxError(at, `bad memory operand '${text}'`);
  let base: RegisterInfo | undefined;
  let rip = false;
  if (parts[0]) {
    if (parts[0].toLowerCase() === '%rip') rip = true;
    else base = parseRegister(parts[0], at);
  }
  let index: RegisterInfo | undefined;
  let scale = 1;
  if (parts.length > 1) {
    if (parts[1]) index = parseRegister(parts[1], at);
    if (parts.length > 2 && parts[2]) {
      scale = Number(parts[2]);
      if (![1, 2, 4, 8].includes(scale))
        syntaxError(at, `scale factor '${parts[2]}' must be 1, 2, 4 or 8`);
    }
  }
  for (const r of [base, index]) {
    if (r && r.size !== 8) syntaxError(at, `'${text}' is not a valid base/index expression`);
  }
  if (index && index.reg === 4) syntaxError(at, `'%rsp' cannot be an index register in '${text}'`);
  if (rip && index) syntaxError(at, `'${text}' is not a valid base/index expression`);
  return { kind: 'mem', at, indirect, text, disp, base, index, scale, rip, bare: false };
}
