/**
 * Assembler expressions as GNU `as` evaluates them: numbers, labels
 * (including local `1f`/`1b`), unary `- ~ +`, and the binary operators
 * with `as`'s precedence — `* / % << >>` above `| & ^` above `+ -` —
 * with parentheses.
 *
 * @module
 */
import { syntaxError } from './sourceError';

/** A parsed expression. */
export type Expr =
  | { readonly kind: 'num'; readonly value: bigint }
  | { readonly kind: 'sym'; readonly name: string; readonly col: number }
  | { readonly kind: 'unary'; readonly op: string; readonly arg: Expr }
  | {
      readonly kind: 'binary';
      readonly op: string;
      readonly left: Expr;
      readonly right: Expr;
      readonly col: number;
    };

const levels: readonly (readonly string[])[] = [
  ['+', '-'],
  ['|', '&', '^'],
  ['*', '/', '%', '<<', '>>'],
];

/** Parses a number literal (decimal, `0x`, `0b`, leading-zero octal); `undefined` if not one. */
function parseNumber(text: string): bigint | undefined {
  if (/^0[xX][0-9a-fA-F]+$|^0[bB][01]+$|^[1-9][0-9]*$|^0$/.test(text)) return BigInt(text);
  if (/^0[0-7]+$/.test(text)) return BigInt(`0o${text.slice(1)}`);
  return undefined;
}

/** Parses `text` (starting at column `col` of line `line`). */
export function parseExpr(text: string, line: number, col: number): Expr {
  const tokens: { text: string; col: number }[] = [];
  const re = /\s*([A-Za-z_.$][\w.$]*|[0-9][0-9a-zA-Z]*|<<|>>|[-+~*/%|&^()])/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) {
      const rest = text.slice(pos);
      if (rest.trim() === '') break;
      syntaxError(
        line,
        col + pos + rest.length - rest.trimStart().length,
        `bad expression '${text}'`,
      );
    }
    tokens.push({ text: m[1], col: col + m.index + m[0].length - m[1].length });
    pos = re.lastIndex;
  }
  let i = 0;
  const peek = () => tokens[i]?.text;
  const primary = (): Expr => {
    const t = tokens[i++];
    if (!t) return syntaxError(line, col + text.length, `missing operand in '${text}'`);
    if (t.text === '(') {
      const e = binary(0);
      if (peek() !== ')')
        syntaxError(line, tokens[i]?.col ?? col + text.length, `missing ')' in '${text}'`);
      i++;
      return e;
    }
    if (t.text === '-' || t.text === '~' || t.text === '+')
      return { kind: 'unary', op: t.text, arg: primary() };
    if (/^[0-9]/.test(t.text)) {
      const value = parseNumber(t.text);
      if (value !== undefined) return { kind: 'num', value };
      if (/^[0-9]+[bf]$/.test(t.text)) return { kind: 'sym', name: t.text, col: t.col };
      return syntaxError(line, t.col, `bad number '${t.text}'`);
    }
    if (/^[A-Za-z_.$]/.test(t.text)) return { kind: 'sym', name: t.text, col: t.col };
    return syntaxError(line, t.col, `unexpected '${t.text}' in '${text}'`);
  };
  const binary = (level: number): Expr => {
    if (level === levels.length) return primary();
    let left = binary(level + 1);
    while (levels[level].includes(peek())) {
      const op = tokens[i++];
      left = { kind: 'binary', op: op.text, left, right: binary(level + 1), col: op.col };
    }
    return left;
  };
  if (tokens.length === 0) syntaxError(line, col, 'missing expression');
  const e = binary(0);
  if (i < tokens.length)
    syntaxError(line, tokens[i].col, `unexpected '${tokens[i].text}' in '${text}'`);
  return e;
}

/**
 * Evaluates `e`; `resolve` gives a symbol's value (or `undefined`, which
 * is reported as an undefined symbol at its column).
 */
export function evaluateExpr(
  e: Expr,
  line: number,
  resolve: (name: string) => bigint | undefined,
): bigint {
  switch (e.kind) {
    case 'num':
      return e.value;
    case 'sym': {
      const v = resolve(e.name);
      if (v === undefined) syntaxError(line, e.col, `undefined symbol '${e.name}'`);
      return v;
    }
    case 'unary': {
      const v = evaluateExpr(e.arg, line, resolve);
      return e.op === '-' ? -v : e.op === '~' ? ~v : v;
    }
    default: {
      const a = evaluateExpr(e.left, line, resolve);
      const b = evaluateExpr(e.right, line, resolve);
      switch (e.op) {
        case '+':
          return a + b;
        case '-':
          return a - b;
        case '*':
          return a * b;
        case '|':
          return a | b;
        case '&':
          return a & b;
        case '^':
          return a ^ b;
        case '<<':
          return BigInt.asIntN(64, a << (b & 63n));
        case '>>':
          return a >> (b & 63n);
        default:
          if (b === 0n) syntaxError(line, e.col, `division by zero in expression`);
          return e.op === '/' ? a / b : a % b;
      }
    }
  }
}

/** The symbol name when `e` is a bare symbol, else `undefined`. */
export function bareSymbol(e: Expr): string | undefined {
  return e.kind === 'sym' ? e.name : undefined;
}
