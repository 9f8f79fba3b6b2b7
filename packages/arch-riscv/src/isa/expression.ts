import { fail } from '@execmem/core';

/**
 * Constant expressions in operands, as GNU as evaluates them: integers
 * (decimal, `0x`, `0b`, leading-zero octal, `'c'`), unary `- ~ +`,
 * binary operators with GNU as precedence, and parentheses. The result is
 * exact (callers check it against the field it goes into); shifts keep
 * 64 bits as GNU as's do. BigInt, since the assembler is not a hot path.
 * Symbols are not constants here: branch targets and relocation operators
 * take labels through the assembler's own target syntax.
 */

// GNU as precedence ("Infix Operators"): * / % << >> bind tightest, then | & ^, then + -.
const binaryPrecedence: Record<string, number> = {
  '*': 3,
  '/': 3,
  '%': 3,
  '<<': 3,
  '>>': 3,
  '|': 2,
  '&': 2,
  '^': 2,
  '+': 1,
  '-': 1,
};

function tokenize(text: string): string[] | null {
  const tokens = text.match(/0[xX][0-9a-fA-F]+|0[bB][01]+|\d+|'\\?.'|[A-Za-z_.$][\w.$]*|<<|>>|\S/g);
  return tokens && tokens.join('') === text.replace(/\s+/g, '') ? tokens : null;
}

function literal(token: string): bigint | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(token)) return BigInt(token);
  if (/^0[bB][01]+$/.test(token)) return BigInt(token);
  if (/^0[0-7]+$/.test(token)) return BigInt(`0o${token.slice(1)}`);
  if (/^\d+$/.test(token)) return BigInt(token);
  if (/^'\\?.'$/.test(token)) {
    const c =
      token.length === 4 ? ({ n: '\n', t: '\t', '0': '\0' }[token[2]] ?? token[2]) : token[1];
    return BigInt(c.charCodeAt(0));
  }
  return undefined;
}

/**
 * Evaluates `text`; throws `EINVAL` naming `where` (line and column) and
 * the text when it is not a valid constant expression.
 */
export function evaluate(text: string, where: string): bigint {
  const tokens = tokenize(text.trim());
  if (!tokens || tokens.length === 0) fail('EINVAL', `${where}: bad expression '${text.trim()}'`);
  let at = 0;
  const bad = (): never => fail('EINVAL', `${where}: bad expression '${text.trim()}'`);
  const primary = (): bigint => {
    const t = tokens[at++];
    if (t === undefined) return bad();
    if (t === '(') {
      const v = binary(0);
      if (tokens[at++] !== ')') bad();
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '~') return ~primary();
    const v = literal(t);
    if (v !== undefined) return v;
    if (/^[A-Za-z_.$]/.test(t)) fail('EINVAL', `${where}: symbol '${t}' is not a constant`);
    return bad();
  };
  const binary = (min: number): bigint => {
    let left = primary();
    for (;;) {
      const op = tokens[at];
      const p = binaryPrecedence[op];
      if (p === undefined || p <= min) return left;
      at++;
      const right = binary(p);
      left = apply(op, left, right, bad);
    }
  };
  const value = binary(0);
  if (at !== tokens.length) bad();
  return value;
}

function apply(op: string, a: bigint, b: bigint, bad: () => never): bigint {
  switch (op) {
    case '*':
      return a * b;
    case '/':
      return b === 0n ? bad() : a / b;
    case '%':
      return b === 0n ? bad() : a % b;
    case '<<':
      return BigInt.asIntN(64, a << (b & 63n));
    case '>>':
      return a >> (b & 63n);
    case '&':
      return a & b;
    case '^':
      return a ^ b;
    case '|':
      return a | b;
    case '+':
      return a + b;
    default:
      return a - b;
  }
}
