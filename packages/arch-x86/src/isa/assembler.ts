/**
 * The AT&T-syntax assembler: directives, labels (named and numeric local
 * `1:` / `1f` / `1b`), branch relaxation and alignment exactly as GNU
 * `as --64` lays them out. Branches to labels start in their rel8 form and
 * grow to rel32 until every displacement fits, as `as` relaxes them.
 *
 * @module
 */
import type { AssembledLine, AssembleOptions, Assembly } from '@execmem/core';
import { type EncodedInsn, encodeInstruction } from './encoder';
import { nopPadding } from './nopPadding';
import {
  type Expression,
  type Position,
  parseExpression,
  parseStatements,
  type Statement,
  syntaxError,
} from './sourceParser';

type Item =
  | { readonly kind: 'insn'; readonly enc: EncodedInsn; readonly at: Position; long: boolean }
  | {
      readonly kind: 'data';
      readonly size: number;
      readonly values: readonly { expr: Expression; at: Position }[];
      readonly at: Position;
    }
  | {
      readonly kind: 'align';
      readonly boundary: number;
      readonly fill: number | undefined;
      readonly max: number;
      readonly at: Position;
    };

const dataSizes: Record<string, number> = {
  '.byte': 1,
  '.short': 2,
  '.hword': 2,
  '.2byte': 2,
  '.word': 2,
  '.value': 2,
  '.long': 4,
  '.int': 4,
  '.4byte': 4,
  '.quad': 8,
  '.8byte': 8,
};
const ignored = new Set(['.text', '.globl', '.global', '.type', '.size', '.section', '.code64']);

const localPrefix = '.Llocal.';

/** Renames numeric local labels (`1:`) and references (`1b`, `1f`) to unique names, in source order. */
function renameLocalLabels(statements: Statement[]): Statement[] {
  const counts = new Map<string, number>();
  return statements.map((s) => {
    const labels = s.labels.map((l) => {
      if (!/^\d+$/.test(l.name)) return l;
      const n = (counts.get(l.name) ?? 0) + 1;
      counts.set(l.name, n);
      return { name: `${localPrefix}${l.name}.${n}`, at: l.at };
    });
    const args = s.args.map((a) => ({
      at: a.at,
      text: a.text.replace(
        /(?<![\w.$])(\d+)([bf])(?![\w.$])/g,
        (_m, digits: string, dir: string) => {
          const n = (counts.get(digits) ?? 0) + (dir === 'f' ? 1 : 0);
          return `${localPrefix}${digits}.${n}`;
        },
      ),
    }));
    return { ...s, labels, args };
  });
}

function displayName(symbol: string): string {
  if (!symbol.startsWith(localPrefix)) return symbol;
  const [digits, n] = symbol.slice(localPrefix.length).split('.');
  return `${digits}${n === '0' ? 'b' : 'f'}`;
}

function alignItem(s: Statement): Item {
  const at = s.at;
  if (s.args.length === 0 || s.args.length > 3)
    syntaxError(at, `'${s.name}' takes 1 to 3 arguments`);
  const arg = (i: number): number | undefined => {
    const a = s.args[i];
    if (!a || a.text === '') return undefined;
    const e = parseExpression(a.text, a.at);
    if (e.symbol !== undefined) syntaxError(a.at, `'${a.text}' is not a constant`);
    return Number(e.value);
  };
  const n = arg(0) ?? 0;
  // On x86 ELF targets `.align` takes a byte count, like `.balign` (gas doc, ".align").
  const boundary = s.name === '.p2align' ? 2 ** n : n;
  if (s.name === '.p2align' ? n < 0 || n > 16 : boundary < 1 || (boundary & (boundary - 1)) !== 0) {
    syntaxError(s.args[0].at, `alignment ${n} is not a power of 2 (or too large) for '${s.name}'`);
  }
  const fill = arg(1);
  if (fill !== undefined && (fill < -128 || fill > 255))
    syntaxError(s.args[1].at, `fill value ${fill} out of range for '${s.name}'`);
  return {
    kind: 'align',
    boundary,
    fill: fill === undefined ? undefined : fill & 0xff,
    max: arg(2) ?? Number.MAX_SAFE_INTEGER,
    at,
  };
}

function padding(item: Extract<Item, { kind: 'align' }>, address: bigint): number {
  const pad = Number(
    (BigInt(item.boundary) - (address % BigInt(item.boundary))) % BigInt(item.boundary),
  );
  return pad > item.max ? 0 : pad;
}

function itemLength(item: Item, address: bigint): number {
  switch (item.kind) {
    case 'insn':
      if (item.enc.branch)
        return item.long ? item.enc.branch.long.length + 4 : item.enc.branch.short!.length + 1;
      return item.enc.bytes.length;
    case 'data':
      return item.size * item.values.length;
    default:
      return padding(item, address);
  }
}

/**
 * Branch relaxation as gas's `relax_segment` does it: passes over the
 * items in order, each item moving by the growth so far (`stretch`);
 * a forward target not yet reached in this pass is assumed to move by the
 * same stretch, unless an alignment lies between (another "region"), in
 * which case a positive stretch is ignored. Short branches whose target
 * is out of rel8 reach become rel32; repeat until a pass changes nothing.
 */
function relax(
  items: Item[],
  offsets: number[],
  labelItems: ReadonlyMap<string, number>,
  origin: bigint,
  resolve: (expr: Expression, at: Position) => bigint,
): void {
  const region = new Array<number>(items.length + 1);
  let r = 0;
  for (let i = 0; i <= items.length; i++) {
    region[i] = r;
    if (items[i]?.kind === 'align') r++;
  }
  for (let grew = true; grew; ) {
    grew = false;
    let stretch = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const was = offsets[i];
      offsets[i] = was + stretch;
      let growth = 0;
      if (item.kind === 'align') {
        growth = padding(item, origin + BigInt(offsets[i])) - padding(item, origin + BigInt(was));
      } else if (item.kind === 'insn' && item.enc.branch && !item.long) {
        const { target } = item.enc.branch;
        const short = item.enc.branch.short!;
        const targetItem = target.symbol === undefined ? -1 : (labelItems.get(target.symbol) ?? -1);
        let aim = resolve(target, item.enc.branch.at);
        const address = origin + BigInt(offsets[i] + short.length + 1);
        let skip = false;
        if (targetItem > i && stretch !== 0) {
          if (stretch < 0 || region[targetItem] === region[i]) aim += BigInt(stretch);
          else if (aim < address) skip = true;
        }
        if (!skip && (aim - address < -128n || aim - address > 127n)) {
          item.long = true;
          growth = item.enc.branch.long.length + 3 - short.length;
        }
      }
      if (growth !== 0) {
        stretch += growth;
        grew = true;
      }
    }
    offsets[items.length] += stretch;
  }
}

/** Assembles AT&T x86-64 source; see the module comment. */
export function assembleX86(source: string, options: AssembleOptions = {}): Assembly {
  const origin = options.origin ?? 0n;
  const statements = renameLocalLabels(parseStatements(source));
  const items: Item[] = [];
  const labelItems = new Map<string, number>();
  for (const s of statements) {
    for (const l of s.labels) {
      if (labelItems.has(l.name)) syntaxError(l.at, `symbol '${l.name}' is already defined`);
      labelItems.set(l.name, items.length);
    }
    if (!s.name) continue;
    if (s.name.startsWith('.')) {
      if (ignored.has(s.name)) continue;
      const size = dataSizes[s.name];
      if (size) {
        items.push({
          kind: 'data',
          size,
          values: s.args.map((a) => ({ expr: parseExpression(a.text, a.at), at: a.at })),
          at: s.at,
        });
      } else if (s.name === '.align' || s.name === '.balign' || s.name === '.p2align') {
        items.push(alignItem(s));
      } else {
        syntaxError(s.at, `unknown directive '${s.name}'`);
      }
      continue;
    }
    const enc = encodeInstruction(s);
    // A branch to an absolute address, and CALL, are always rel32.
    const long =
      enc.branch !== undefined && (!enc.branch.short || enc.branch.target.symbol === undefined);
    items.push({ kind: 'insn', enc, at: s.at, long });
  }

  const offsets = new Array<number>(items.length + 1);
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    offsets[i] = at;
    at += itemLength(items[i], origin + BigInt(at));
  }
  offsets[items.length] = at;
  const resolve = (expr: Expression, at: Position): bigint => {
    if (expr.symbol === undefined) return expr.value;
    const index = labelItems.get(expr.symbol);
    if (index === undefined) syntaxError(at, `undefined symbol '${displayName(expr.symbol)}'`);
    return origin + BigInt(offsets[index]) + expr.value;
  };
  relax(items, offsets, labelItems, origin, resolve);
  const image = new Uint8Array(offsets[items.length]);
  const lines: AssembledLine[] = [];
  const put = (at: number, value: bigint, size: number): void => {
    for (let k = 0; k < size; k++) image[at + k] = Number((value >> BigInt(8 * k)) & 0xffn);
  };
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const start = offsets[i];
    const end = offsets[i + 1];
    if (start === end) continue;
    if (item.kind === 'insn') {
      const { branch, fixup } = item.enc;
      if (branch) {
        const opcode = item.long ? branch.long : branch.short!;
        image.set(opcode, start);
        const rel = resolve(branch.target, branch.at) - (origin + BigInt(end));
        if (rel < -(1n << 31n) || rel >= 1n << 31n)
          syntaxError(branch.at, `branch target out of range (displacement ${rel})`);
        put(start + opcode.length, rel, item.long ? 4 : 1);
      } else {
        image.set(item.enc.bytes, start);
        if (fixup) {
          const rel = resolve(fixup.target, fixup.at) - (origin + BigInt(end));
          if (rel < -(1n << 31n) || rel >= 1n << 31n)
            syntaxError(fixup.at, `PC-relative displacement ${rel} out of range`);
          put(start + fixup.offset, rel, 4);
        }
      }
    } else if (item.kind === 'data') {
      item.values.forEach((v, k) => {
        const value = resolve(v.expr, v.at);
        const bits = BigInt(item.size * 8);
        if (value < -(1n << (bits - 1n)) || value >= 1n << bits) {
          syntaxError(v.at, `value ${value} out of range for a ${item.size}-byte datum`);
        }
        put(start + k * item.size, value, item.size);
      });
    } else {
      image.set(
        item.fill === undefined || item.fill === 0x90
          ? nopPadding(end - start)
          : new Uint8Array(end - start).fill(item.fill),
        start,
      );
    }
    lines.push({ offset: start, bytes: image.slice(start, end), line: item.at.line });
  }
  const labels = new Map<string, number>();
  for (const [name, index] of labelItems)
    if (!name.startsWith(localPrefix)) labels.set(name, offsets[index]);
  return { bytes: image, lines, labels };
}
