/**
 * The A64 assembler: GNU `as` syntax for the subset, two passes (layout
 * and labels, then encoding), with the data, space and alignment directives.
 * Alignment in code pads as `as` does in `.text`: zero bytes up to a
 * word boundary, then NOPs.
 *
 * @module
 */
import type { AssembledLine, AssembleOptions, Assembly } from '@execmem/core';
import type { AsmContext, InstructionEncoder } from './asmContext';
import { controlEncoders } from './assembleControl';
import { dataProcessingEncoders } from './assembleDataProcessing';
import { loadStoreEncoders } from './assembleLoadStore';
import { type Expr, evaluateExpr, parseExpr } from './expression';
import { syntaxError } from './sourceError';
import { type Operand, parseOperand, parseStatements, type Statement } from './sourceText';
import { NOP } from './system';

const encoders: Readonly<Record<string, InstructionEncoder>> = {
  ...dataProcessingEncoders,
  ...loadStoreEncoders,
  ...controlEncoders,
};

const dataSizes: Readonly<Record<string, number>> = {
  '.byte': 1,
  '.short': 2,
  '.hword': 2,
  '.2byte': 2,
  '.word': 4,
  '.long': 4,
  '.4byte': 4,
  '.quad': 8,
  '.8byte': 8,
  '.inst': 4,
};

const ignored = new Set(['.text', '.globl', '.global']);

/** Bytes of padding to reach a multiple of `alignment` from `offset`, with an optional fill byte. */
function padding(offset: number, alignment: number, fill: number | undefined): Uint8Array {
  const out = new Uint8Array((alignment - (offset % alignment)) % alignment);
  if (fill !== undefined) return out.fill(fill);
  // GNU as pads code with zero bytes to a word boundary, then NOPs.
  let i = (4 - (offset % 4)) % 4;
  for (; i + 4 <= out.length; i += 4) {
    out[i] = NOP & 0xff;
    out[i + 1] = (NOP >>> 8) & 0xff;
    out[i + 2] = (NOP >>> 16) & 0xff;
    out[i + 3] = NOP >>> 24;
  }
  return out;
}

interface Layout {
  readonly statement: Statement;
  readonly offset: number;
  readonly size: number;
}

/** Assembles GNU-syntax A64 source (see the package docs for the subset). */
export function assembleArm64(source: string, options: AssembleOptions = {}): Assembly {
  const origin = options.origin ?? 0n;
  const statements = parseStatements(source);
  const labels = new Map<string, number>();
  const numeric = new Map<string, { index: number; offset: number }[]>();
  const layout: Layout[] = [];

  // Directive sizes and alignments are absolute: labels are not known during layout.
  const number = (s: Statement, raw: { text: string; col: number }): bigint =>
    evaluateExpr(parseExpr(raw.text.replace(/^#/, ''), s.line, raw.col), s.line, () => undefined);

  const alignment = (s: Statement): [number, number | undefined] => {
    const [first, second] = s.rawOperands;
    if (!first) syntaxError(s.line, s.col, `${s.mnemonic} needs an alignment`);
    const n = number(s, first);
    const fill = second ? Number(BigInt.asUintN(8, number(s, second))) : undefined;
    if (s.mnemonic === '.balign') {
      if (n < 1n || n > 1n << 16n || (n & (n - 1n)) !== 0n)
        syntaxError(s.line, first.col, `alignment ${n} is not a power of 2`);
      return [Number(n), fill];
    }
    if (n < 0n || n > 16n) syntaxError(s.line, first.col, `alignment ${n} out of range 0..16`);
    return [2 ** Number(n), fill];
  };

  const space = (s: Statement): [number, number] => {
    const [first, second] = s.rawOperands;
    if (!first) syntaxError(s.line, s.col, `${s.mnemonic} needs a size`);
    const n = number(s, first);
    if (n < 0n || n > 1n << 24n)
      syntaxError(s.line, first.col, `size ${n} out of range for ${s.mnemonic}`);
    return [Number(n), second ? Number(BigInt.asUintN(8, number(s, second))) : 0];
  };

  // Pass 1: layout and labels.
  let offset = 0;
  statements.forEach((s, index) => {
    for (const label of s.labels) {
      if (/^[0-9]+$/.test(label.name)) {
        const defs = numeric.get(label.name) ?? [];
        defs.push({ index, offset });
        numeric.set(label.name, defs);
      } else {
        if (labels.has(label.name))
          syntaxError(s.line, label.col, `label '${label.name}' already defined`);
        labels.set(label.name, offset);
      }
    }
    let size = 0;
    if (s.mnemonic === '') size = 0;
    else if (dataSizes[s.mnemonic]) size = dataSizes[s.mnemonic] * s.rawOperands.length;
    else if (s.mnemonic === '.space' || s.mnemonic === '.zero') size = space(s)[0];
    else if (s.mnemonic === '.align' || s.mnemonic === '.p2align' || s.mnemonic === '.balign') {
      size = padding(offset, alignment(s)[0], 0).length;
    } else if (ignored.has(s.mnemonic)) size = 0;
    else if (s.mnemonic.startsWith('.'))
      syntaxError(s.line, s.col, `unknown directive '${s.mnemonic}'`);
    else {
      if (!encoders[s.mnemonic]) syntaxError(s.line, s.col, `unknown mnemonic '${s.mnemonic}'`);
      // GNU as aligns an instruction after data to a word boundary with zero bytes.
      offset += (4 - (offset % 4)) % 4;
      size = 4;
    }
    layout.push({ statement: s, offset, size });
    offset += size;
  });

  // Pass 2: encoding.
  const image = new Uint8Array(offset);
  const lines: AssembledLine[] = [];
  layout.forEach(({ statement: s, offset: at, size }, index) => {
    if (size === 0 || s.mnemonic === '') return;
    const symbol = (name: string): bigint | undefined => {
      const local = /^([0-9]+)([bf])$/.exec(name);
      if (!local) return labels.has(name) ? origin + BigInt(labels.get(name)!) : undefined;
      const defs = numeric.get(local[1]) ?? [];
      const def =
        local[2] === 'b'
          ? defs.filter((d) => d.index <= index).pop()
          : defs.find((d) => d.index > index);
      return def && origin + BigInt(def.offset);
    };
    const resolve = (expr: Expr): bigint => evaluateExpr(expr, s.line, symbol);
    let bytes: Uint8Array;
    if (dataSizes[s.mnemonic]) {
      const width = dataSizes[s.mnemonic];
      bytes = new Uint8Array(size);
      s.rawOperands.forEach((raw, i) => {
        const v = resolve(parseExpr(raw.text, s.line, raw.col));
        const bits = BigInt(width * 8);
        if (v < -(1n << (bits - 1n)) || v >= 1n << bits) {
          syntaxError(s.line, raw.col, `value ${v} out of range for ${s.mnemonic}`);
        }
        const u = BigInt.asUintN(width * 8, v);
        for (let b = 0; b < width; b++) bytes[i * width + b] = Number((u >> BigInt(8 * b)) & 0xffn);
      });
    } else if (s.mnemonic === '.space' || s.mnemonic === '.zero') {
      bytes = new Uint8Array(size).fill(space(s)[1]);
    } else if (s.mnemonic.startsWith('.')) {
      const [n, fill] = alignment(s);
      bytes = padding(at, n, fill);
    } else {
      const ops: Operand[] = s.rawOperands.map((raw) => parseOperand(raw.text, s.line, raw.col));
      const cx: AsmContext = {
        line: s.line,
        col: s.col,
        pc: origin + BigInt(at),
        mnemonic: s.mnemonic,
        error: (where, message) => syntaxError(s.line, where?.col ?? s.col, message),
        value: (op) => {
          if (op.kind !== 'imm' && op.kind !== 'expr')
            return syntaxError(s.line, op.col, `expected an expression, got '${op.text}'`);
          return resolve(op.expr);
        },
      };
      const word = encoders[s.mnemonic](cx, ops);
      bytes = new Uint8Array([word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24]);
    }
    image.set(bytes, at);
    lines.push({ offset: at, bytes, line: s.line });
  });
  return { bytes: image, lines, labels };
}
