/**
 * Parser for herd7 litmus files (AArch64, RISCV, X86_64): header, `Key=Value`
 * lines, the init block, the code columns (fault handlers `P1.F` included),
 * `locations […]` and the final condition. Errors are `EINVAL` naming
 * `file:line:column` and what was expected.
 *
 * @module
 */

import { fail } from '@execmem/core';
import type { LitmusCondition, Proposition } from './condition';
import type { InsnContext, LitmusArch } from './litmusArch';
import type {
  CodeColumn,
  CodeSlot,
  LitmusTest,
  ObservedCell,
  RegisterInit,
  SourcePos,
} from './litmusTest';
import { codeAddress, instrValue, type LitmusValue } from './litmusValue';

/** Replaces `(* … *)` comments (nested, as OCaml) by spaces, keeping line and column positions. */
function stripComments(text: string, file: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  let line = 1;
  let col = 1;
  let openLine = 0;
  let openCol = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (depth === 0 && c === '"') inString = !inString;
    if (!inString && c === '(' && text[i + 1] === '*') {
      if (depth === 0) {
        openLine = line;
        openCol = col;
      }
      depth++;
      out += '  ';
      i++;
      col += 2;
      continue;
    }
    if (!inString && depth > 0 && c === '*' && text[i + 1] === ')') {
      depth--;
      out += '  ';
      i++;
      col += 2;
      continue;
    }
    out += depth > 0 && c !== '\n' ? ' ' : c;
    if (c === '\n') {
      line++;
      col = 1;
      if (depth === 0) inString = false;
    } else col++;
  }
  if (depth > 0)
    fail('EINVAL', `${file}:${openLine}:${openCol}: unterminated comment, expected '*)'`);
  return out;
}

/** A cursor over the comment-free text that knows line and column. */
class Cursor {
  pos = 0;
  constructor(
    readonly text: string,
    readonly file: string,
  ) {}

  where(at = this.pos): SourcePos {
    let line = 1;
    let last = -1;
    for (let i = 0; i < at && i < this.text.length; i++)
      if (this.text.charCodeAt(i) === 10) {
        line++;
        last = i;
      }
    return { line, column: at - last };
  }

  error(what: string, at = this.pos): never {
    const p = this.where(at);
    const found = this.text.slice(at).match(/^\S{1,20}/)?.[0];
    fail(
      'EINVAL',
      `${this.file}:${p.line}:${p.column}: expected ${what}${found ? `, found '${found}'` : ', found end of file'}`,
    );
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  peek(re: RegExp): RegExpMatchArray | null {
    this.skipSpace();
    const m = this.text.slice(this.pos).match(re);
    return m && m.index === 0 ? m : null;
  }

  take(re: RegExp, what: string): RegExpMatchArray {
    const m = this.peek(re);
    if (!m) this.error(what);
    this.pos += m[0].length;
    return m;
  }

  eat(re: RegExp): RegExpMatchArray | null {
    const m = this.peek(re);
    if (m) this.pos += m[0].length;
    return m;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  /** The rest of the current line, and moves past it. */
  restOfLine(): string {
    const end = this.text.indexOf('\n', this.pos);
    const s = this.text.slice(this.pos, end < 0 ? this.text.length : end);
    this.pos = end < 0 ? this.text.length : end + 1;
    return s;
  }
}

const IDENT = /^[A-Za-z_][\w.]*/;
const THREAD_REG = /^(\d+):([A-Za-z_%][\w.]*)/;
const LABEL_VALUE = /^P(\d+):([A-Za-z_.][\w.]*)/;
const NUMBER = /^-?(0x[0-9a-fA-F]+|\d+)/;

interface PendingLabel {
  readonly column: string;
  readonly label: string;
  readonly at: number;
}

/** Parses state values: numbers, locations, labels, `instr:"…"`, `label:"P1:L0"`, instruction words. */
class ValueParser {
  readonly labelRefs: PendingLabel[] = [];
  constructor(
    readonly cur: Cursor,
    readonly arch: LitmusArch,
  ) {}

  value(): LitmusValue {
    const c = this.cur;
    const instr = c.eat(/^instr:"([^"]*)"/);
    if (instr) return instrValue(this.arch.canonicalInstruction(instr[1] as string));
    const quotedLabel = c.eat(/^label:"P(\d+):([^"]+)"/);
    if (quotedLabel) return this.label(`P${quotedLabel[1]}`, quotedLabel[2] as string);
    const label = c.eat(LABEL_VALUE);
    if (label)
      return this.label(`P${label[1]}`, label[2] as string, c.pos - (label[0] as string).length);
    const num = c.eat(NUMBER);
    if (num) return BigInt.asUintN(64, BigInt(num[0]));
    const word = c.take(IDENT, 'a value (number, location, label P1:L0 or instr:"…")')[0];
    return this.arch.isInstructionWord(word)
      ? instrValue(this.arch.canonicalInstruction(word))
      : word;
  }

  /** Records a reference to `label` of `column` (checked once the code is parsed) and returns its placeholder. */
  label(column: string, label: string, at = this.cur.pos): LitmusValue {
    this.labelRefs.push({ column, label, at });
    return `label:${column}:${label}`;
  }
}

/** One cell of a code row, with where it starts. */
interface Cell {
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Parses one litmus file. `arches` are the front ends available; the
 * header's arch name selects one.
 */
export function parseLitmus(
  source: string,
  file: string,
  arches: readonly LitmusArch[],
): LitmusTest {
  const cur: Cursor = new Cursor(stripComments(source, file), file);
  const archName = cur.take(IDENT, 'the arch name (AArch64, RISCV, X86_64)')[0];
  const arch = arches.find((a) => a.herdName.toLowerCase() === archName.toLowerCase());
  if (!arch)
    cur.error(
      `one of the supported arches (${arches.map((a) => a.herdName).join(', ')})`,
      cur.pos - archName.length,
    );
  const name = cur.restOfLine().trim();
  if (name === '') cur.error('the test name after the arch name');
  const info = new Map<string, string>();
  while (!cur.peek(/^\{/)) {
    if (cur.atEnd()) cur.error("the init block '{'");
    if (cur.eat(/^"[^"]*"/)) continue;
    const kv = cur.peek(/^([A-Za-z][\w-]*)\s*=\s*([^\n]*)/);
    if (!kv) cur.error("a Key=Value line or the init block '{'");
    cur.restOfLine();
    info.set(kv[1] as string, (kv[2] as string).trim());
  }
  const values = new ValueParser(cur, arch);
  const { registers, memory } = parseInit(cur, values, arch);
  const code = parseCode(cur, arch);
  resolveLabels(values.labelRefs, code, cur);
  const fixLabel = (v: LitmusValue): LitmusValue => resolveLabelValue(v, code);
  const regs = registers.map((r) => ({ ...r, value: fixLabel(r.value) }));
  const mem = new Map([...memory].map(([k, v]) => [k, fixLabel(v)] as const));
  const observed: ObservedCell[] = [];
  let condition: LitmusCondition | undefined;
  for (;;) {
    if (cur.atEnd()) break;
    if (cur.eat(/^locations\b/)) {
      cur.take(/^\[/, "'[' after locations");
      while (!cur.eat(/^\]/)) {
        observed.push(parseCell(cur, arch));
        cur.eat(/^;/);
      }
      continue;
    }
    const q = cur.eat(/^(~\s*exists|exists|forall)\b/);
    if (q) {
      const quantifier = (q[1] as string).startsWith('~')
        ? '~exists'
        : (q[1] as 'exists' | 'forall');
      const prop = parseProposition(cur, values, arch);
      resolveLabels(values.labelRefs, code, cur);
      condition = { quantifier, prop: mapAtoms(prop, fixLabel) };
      if (!cur.atEnd()) cur.error('end of file after the condition');
      break;
    }
    cur.error("'locations', 'exists', '~exists', 'forall' or end of file");
  }
  const locations = new Set<string>(mem.keys());
  const noteLocation = (v: LitmusValue) => {
    if (typeof v === 'string' && !v.includes(':')) locations.add(v);
  };
  for (const r of regs) noteLocation(r.value);
  for (const v of mem.values()) noteLocation(v);
  for (const c of observed) if (c.kind === 'mem') locations.add(c.loc);
  for (const col of code.values())
    for (const { insn } of col.slots)
      if ('base' in insn && insn.base && 'imm' in insn.base) noteLocation(insn.base.imm);
  return {
    arch: arch.herdName,
    name,
    info,
    registers: regs,
    memory: mem,
    locations: [...locations],
    threads: Math.max(...[...code.values()].map((c) => c.thread)) + 1,
    code,
    observed,
    ...(condition ? { condition } : {}),
  };
}

function parseInit(
  cur: Cursor,
  values: ValueParser,
  arch: LitmusArch,
): { registers: RegisterInit[]; memory: Map<string, LitmusValue> } {
  cur.take(/^\{/, "'{'");
  const registers: RegisterInit[] = [];
  const memory = new Map<string, LitmusValue>();
  while (!cur.eat(/^\}/)) {
    if (cur.atEnd()) cur.error("'}' closing the init block");
    if (cur.eat(/^;/)) continue;
    // A typed declaration: `ins_t *1:X9`, `void *1:X1`, `uint64_t x`, `int 0:X1=2`.
    const typed = cur.peek(/^([A-Za-z_]\w*)\s*(\*\s*)?(?=\d+:|[A-Za-z_[])/);
    if (typed && !cur.peek(/^[A-Za-z_][\w.]*\s*=/) && !cur.peek(/^\[/)) {
      cur.pos += (typed[0] as string).length;
    }
    const reg = cur.eat(THREAD_REG);
    if (reg) {
      const thread = Number(reg[1]);
      const r = arch.register(reg[2] as string);
      if (!r) cur.error(`a ${arch.herdName} register name`, cur.pos - (reg[2] as string).length);
      if (cur.eat(/^=/)) registers.push({ thread, reg: r.reg, value: values.value() });
      continue;
    }
    const bracket = cur.eat(/^\[\s*([A-Za-z_]\w*)\s*\]/);
    const loc = bracket
      ? (bracket[1] as string)
      : cur.take(IDENT, 'a register (0:X1), a location or a type')[0];
    if (cur.eat(/^=/)) memory.set(loc, values.value());
    else if (!memory.has(loc)) memory.set(loc, 0n);
  }
  return { registers, memory };
}

function parseCode(cur: Cursor, arch: LitmusArch): Map<string, CodeColumn> {
  cur.skipSpace();
  const headerAt = cur.pos;
  const header = cur.take(/^[^;]*;/, "the thread header 'P0 | P1 ;'")[0];
  const names = header
    .slice(0, -1)
    .split('|')
    .map((s) => s.trim());
  names.forEach((n, i) => {
    if (!/^P\d+(\.F)?$/.test(n))
      cur.error('a thread name P0, P1, … or a fault handler P1.F', headerAt + header.indexOf(n));
    if (i > 0 && n === names[0]) cur.error('distinct thread names', headerAt);
  });
  const cells: Cell[][] = names.map(() => []);
  for (;;) {
    cur.skipSpace();
    if (cur.atEnd() || cur.peek(/^(locations|exists|~|forall|filter)\b|^~/)) break;
    const rowAt = cur.pos;
    const end = cur.text.indexOf(';', rowAt);
    const nl = cur.text.indexOf('\n', rowAt);
    if (end < 0 || (nl >= 0 && nl < end && !/\|/.test(cur.text.slice(rowAt, nl))))
      cur.error("a code row ending with ';'", rowAt);
    const row = cur.text.slice(rowAt, end);
    const parts = row.split('|');
    if (parts.length > names.length) cur.error(`at most ${names.length} columns`, rowAt);
    let offset = rowAt;
    parts.forEach((p, i) => {
      const lead = p.length - p.trimStart().length;
      const pos = cur.where(offset + lead);
      cells[i]?.push({ text: p.trim(), line: pos.line, column: pos.column });
      offset += p.length + 1;
    });
    cur.pos = end + 1;
  }
  // Labels first (an instruction may jump forwards), then instructions.
  const layout = names.map((n, i) => {
    const labels = new Map<string, number>();
    const insns: Cell[] = [];
    for (const cell of cells[i] as Cell[]) {
      let text = cell.text;
      let column = cell.column;
      for (;;) {
        const m = text.match(/^([A-Za-z_.][\w.]*)\s*:(?!\S*:)\s*/);
        if (!m || /^\d/.test(text)) break;
        if (labels.has(m[1] as string))
          fail(
            'EINVAL',
            `${cur.file}:${cell.line}:${column}: label '${m[1]}' defined twice in ${n}`,
          );
        labels.set(m[1] as string, insns.length);
        text = text.slice(m[0].length);
        column += m[0].length;
      }
      if (text !== '') insns.push({ text, line: cell.line, column });
    }
    return { name: n, labels, insns };
  });
  const byName = new Map(layout.map((c) => [c.name, c]));
  const code = new Map<string, CodeColumn>();
  for (const col of layout) {
    const thread = Number(col.name.slice(1).replace('.F', ''));
    const slots: CodeSlot[] = col.insns.map((cell, slot) => {
      const ctx: InsnContext = {
        column: col.name,
        slot,
        label(name: string): string {
          const own = col.labels.get(name);
          if (own !== undefined) return codeAddress(col.name, own);
          // A fault handler may name its thread's labels (`ADR X9,l1` in P1.F).
          const main = byName.get(`P${thread}`);
          const there = main?.labels.get(name);
          if (there !== undefined) return codeAddress(`P${thread}`, there);
          return fail(
            'EINVAL',
            `${cur.file}:${cell.line}:${cell.column}: unknown label '${name}' in ${col.name}`,
          );
        },
        fail(what: string): never {
          return fail(
            'EINVAL',
            `${cur.file}:${cell.line}:${cell.column}: ${what} in '${cell.text}'`,
          );
        },
      };
      return {
        text: arch.canonicalInstruction(cell.text),
        insn: arch.parseInstruction(cell.text, ctx),
        pos: { line: cell.line, column: cell.column },
      };
    });
    code.set(col.name, { name: col.name, thread, slots, labels: col.labels });
  }
  return code;
}

function resolveLabels(refs: PendingLabel[], code: Map<string, CodeColumn>, cur: Cursor): void {
  for (const r of refs.splice(0)) {
    const col = code.get(r.column);
    if (!col) cur.error(`a thread of this test (no ${r.column})`, r.at);
    if (!col.labels.has(r.label)) cur.error(`a label of ${r.column} (no '${r.label}')`, r.at);
  }
}

/** Replaces a parse-time `label:P1:L0` by the code address it names. */
function resolveLabelValue(v: LitmusValue, code: Map<string, CodeColumn>): LitmusValue {
  if (typeof v !== 'string' || !v.startsWith('label:')) return v;
  const rest = v.slice(6);
  const colon = rest.indexOf(':');
  const column = rest.slice(0, colon);
  return codeAddress(column, code.get(column)?.labels.get(rest.slice(colon + 1)) as number);
}

function parseCell(cur: Cursor, arch: LitmusArch): ObservedCell {
  const reg = cur.eat(THREAD_REG);
  if (reg) {
    const r = arch.register(reg[2] as string);
    if (!r) cur.error(`a ${arch.herdName} register name`, cur.pos - (reg[2] as string).length);
    return { kind: 'reg', thread: Number(reg[1]), reg: r.reg, name: arch.registerName(r.reg) };
  }
  const bracket = cur.eat(/^\[\s*([A-Za-z_]\w*)\s*\]/);
  if (bracket) return { kind: 'mem', loc: bracket[1] as string };
  return { kind: 'mem', loc: cur.take(IDENT, 'a register (1:X0) or a location')[0] };
}

function parseProposition(cur: Cursor, values: ValueParser, arch: LitmusArch): Proposition {
  const primary = (): Proposition => {
    if (cur.eat(/^\(/)) {
      const p = disjunction();
      cur.take(/^\)/, "')'");
      return p;
    }
    if (cur.eat(/^(~|not\b)/)) return { kind: 'not', arg: primary() };
    if (cur.eat(/^true\b/)) return { kind: 'const', value: true };
    if (cur.eat(/^false\b/)) return { kind: 'const', value: false };
    const fault = cur.eat(/^fault\s*\(\s*P(\d+)\s*(?:,\s*([A-Za-z_.][\w.]*)\s*)?\)/);
    if (fault) {
      const thread = Number(fault[1]);
      const text = `fault(P${thread}${fault[2] ? `,${fault[2]}` : ''})`;
      if (!fault[2]) return { kind: 'fault', thread, text };
      return {
        kind: 'fault',
        thread,
        at: values.label(`P${thread}`, fault[2], cur.pos) as string,
        text,
      };
    }
    cur.skipSpace();
    const start = cur.pos;
    const cell = parseCell(cur, arch);
    cur.take(/^=/, "'=' after the register or location");
    const value = values.value();
    const text = `${cell.kind === 'reg' ? `${cell.thread}:${cell.name}` : cell.loc}=${cur.text
      .slice(start, cur.pos)
      .replace(/^[^=]*=\s*/, '')
      .trim()}`;
    return { kind: 'atom', cell, value, text };
  };
  const conjunction = (): Proposition => {
    let p = primary();
    while (cur.eat(/^\/\\/)) p = { kind: 'and', args: [p, primary()] };
    return p;
  };
  const disjunction = (): Proposition => {
    let p = conjunction();
    while (cur.eat(/^\\\//)) p = { kind: 'or', args: [p, conjunction()] };
    return p;
  };
  return disjunction();
}

function mapAtoms(p: Proposition, f: (v: LitmusValue) => LitmusValue): Proposition {
  switch (p.kind) {
    case 'atom':
      return { ...p, value: f(p.value) };
    case 'fault':
      return p.at === undefined ? p : { ...p, at: f(p.at) as string };
    case 'not':
      return { kind: 'not', arg: mapAtoms(p.arg, f) };
    case 'and':
    case 'or':
      return { kind: p.kind, args: [mapAtoms(p.args[0], f), mapAtoms(p.args[1], f)] };
    case 'const':
      return p;
  }
}
