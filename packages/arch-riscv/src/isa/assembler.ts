import { type AssembledLine, type AssembleOptions, type Assembly, fail } from '@execmem/core';
import { compressInstruction, encodeCB, encodeCJ, isCReg } from './compressed';
import { CSR_CYCLE, CSR_INSTRET, CSR_TIME, csrNumber } from './csr';
import { evaluate } from './expression';
import { parseFenceSet } from './fence';
import { encodeB, encodeI, encodeJ, encodeR, encodeS, encodeU, fitsSigned } from './fields';
import { loadConstant } from './loadImmediate';
import { Format, type OpcodeSpec, opcodeByName } from './opcodes';
import { parseIntegerRegister } from './registers';

/**
 * The assembler: GNU `riscv64-linux-gnu-as` syntax for the subset, with
 * the encodings GNU as chooses when it resolves everything itself
 * (`-mno-relax`, as if linked at `origin`): auto-compression under
 * `-march=rv64gc`, branch relaxation (c.beqz/c.j, the full forms, and an
 * inverted branch over a `j` when out of range), `li` sequences,
 * relocation operators (`%hi`, `%lo`, `%pcrel_hi`, `%pcrel_lo`) resolved
 * as the linker would, and `.align` padding with nops. A constant branch
 * target is an absolute address (GNU as leaves those to the linker).
 */

/** An operand's text and 1-based column. */
interface Operand {
  readonly text: string;
  readonly column: number;
}

/** A branch or jump target: a label plus addend, or an absolute address when `symbol` is null. */
interface Target {
  readonly symbol: string | null;
  readonly addend: bigint;
  readonly operand: Operand;
}

type Piece =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'align'; boundary: number; fill: number; max: number }
  | { kind: 'label'; name: string }
  | {
      kind: 'branch';
      match: number;
      rs1: number;
      rs2: number;
      rvc: boolean;
      length: number;
      target: Target;
    }
  | { kind: 'jump'; rd: number; rvc: boolean; length: number; target: Target }
  | { kind: 'pcrel'; rd: number; second: number; rd2: number; target: Target }
  | { kind: 'fixup'; word: number; field: 'I' | 'S' | 'U'; reloc: Reloc; target: Target };

/** The relocation operators GNU as accepts in immediates (`%hi(sym)`, …). */
type Reloc = 'hi' | 'lo' | 'pcrel_hi' | 'pcrel_lo';

/** An immediate operand that names a relocation operator instead of a constant. */
interface RelocOperand {
  readonly reloc: Reloc;
  readonly target: Target;
}

interface Located {
  readonly piece: Piece;
  readonly line: number;
}

const ADDI = opcodeByName('addi')!;
const JALR = opcodeByName('jalr')!;
const NOP = 0x13;
const C_NOP = 0x0001;
const AUIPC = 0x17;
const JAL = 0x6f;

/** Register-form mnemonics GNU as also accepts with an immediate last operand. */
const immediateForms: Record<string, string> = {
  add: 'addi',
  and: 'andi',
  or: 'ori',
  xor: 'xori',
  sll: 'slli',
  srl: 'srli',
  sra: 'srai',
  slt: 'slti',
  sltu: 'sltiu',
  addw: 'addiw',
  sllw: 'slliw',
  srlw: 'srliw',
  sraw: 'sraiw',
  csrrw: 'csrrwi',
  csrrs: 'csrrsi',
  csrrc: 'csrrci',
};

/** Splits `text` at top-level commas, keeping each operand's column. */
function splitOperands(text: string, column: number): Operand[] {
  const out: Operand[] = [];
  if (text.trim() === '') return out;
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    out.push({ text: raw.trim(), column: column + start + lead });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  push(text.length);
  return out;
}

/** Strips a `#` comment and C comments, keeping columns (comments become spaces). */
function stripComments(line: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      out += c;
      if (c === '\\') out += line[++i] ?? '';
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c === "'" && line[i + 2] === "'" ? "'" : c;
      out += c;
    } else if (c === '#') break;
    else if (c === '/' && line[i + 1] === '*') {
      const end = line.indexOf('*/', i + 2);
      const stop = end < 0 ? line.length : end + 2;
      out += ' '.repeat(stop - i);
      i = stop - 1;
    } else out += c;
  }
  return out;
}

class Assembler {
  private readonly pieces: Located[] = [];
  private readonly labelPieces = new Map<string, number>();
  private readonly numericCount = new Map<string, number>();
  private compressed: boolean;
  private readonly optionStack: boolean[] = [];
  private line = 0;
  private mnemonic = '';

  constructor(
    private readonly origin: bigint,
    compressed: boolean,
  ) {
    this.compressed = compressed;
  }

  private at(column: number): string {
    return `line ${this.line}, column ${column}`;
  }

  private error(op: Operand, message: string): never {
    fail('EINVAL', `${this.at(op.column)}: ${message}`);
  }

  private push(piece: Piece): void {
    this.pieces.push({ piece, line: this.line });
  }

  private words(...words: number[]): void {
    this.wordsCompressible(this.compressed, words);
  }

  private wordsCompressible(compressible: boolean, words: number[]): void {
    for (const w of words) {
      const c = compressible ? compressInstruction(w) : -1;
      this.push({ kind: 'bytes', bytes: c === -1 ? le(w, 4) : le(c, 2) });
    }
  }

  // --- operands -------------------------------------------------------

  private reg(op: Operand | undefined, last: Operand): number {
    if (!op) this.error(last, `missing operand for ${this.mnemonic}`);
    const r = parseIntegerRegister(op.text);
    if (r < 0) this.error(op, `bad register '${op.text}' for ${this.mnemonic}`);
    return r;
  }

  private isReg(op: Operand | undefined): boolean {
    return op !== undefined && parseIntegerRegister(op.text) >= 0;
  }

  private imm(op: Operand | undefined, last: Operand, min: number, max: number): number {
    if (!op) this.error(last, `missing operand for ${this.mnemonic}`);
    const v = evaluate(op.text, this.at(op.column));
    if (v < BigInt(min) || v > BigInt(max)) {
      this.error(op, `immediate ${v} out of range for ${this.mnemonic} (${min}..${max})`);
    }
    return Number(v);
  }

  /** `offset(reg)` or `(reg)`. */
  private mem(
    op: Operand | undefined,
    last: Operand,
    zeroOnly = false,
  ): { offset: number; base: number; reloc: RelocOperand | null } {
    if (!op) this.error(last, `missing operand for ${this.mnemonic}`);
    const m = /^(.*)\(\s*([^()]+?)\s*\)$/.exec(op.text);
    if (!m) this.error(op, `bad memory operand '${op.text}' for ${this.mnemonic}`);
    const base = parseIntegerRegister(m[2]);
    if (base < 0) this.error(op, `bad register '${m[2]}' for ${this.mnemonic}`);
    const offsetOp = { text: m[1].trim() || '0', column: op.column };
    const reloc = zeroOnly ? null : this.relocOperand(offsetOp, ['lo', 'pcrel_lo']);
    if (reloc) return { offset: 0, base, reloc };
    const offset = this.imm(offsetOp, op, zeroOnly ? 0 : -2048, zeroOnly ? 0 : 2047);
    return { offset, base, reloc };
  }

  /** `%hi(…)`, `%lo(…)`, `%pcrel_hi(…)` or `%pcrel_lo(label)` when `op` is one of `allowed`. */
  private relocOperand(op: Operand | undefined, allowed: readonly Reloc[]): RelocOperand | null {
    const m = op && /^%(\w+)\s*\((.*)\)$/.exec(op.text);
    if (!op || !m) return null;
    const reloc = m[1] as Reloc;
    if (!allowed.includes(reloc))
      this.error(op, `relocation %${m[1]} not allowed in ${this.mnemonic}`);
    return {
      reloc,
      target: this.target({ text: m[2].trim(), column: op.column + m[1].length + 2 }, op),
    };
  }

  /** A 32-bit instruction whose immediate is a relocation; GNU as never compresses these. */
  private fixup(word: number, field: 'I' | 'S' | 'U', { reloc, target }: RelocOperand): void {
    this.push({ kind: 'fixup', word, field, reloc, target });
  }

  private target(op: Operand | undefined, last: Operand): Target {
    if (!op) this.error(last, `missing operand for ${this.mnemonic}`);
    const local = /^(\d+)([bf])$/.exec(op.text);
    if (local) {
      const seen = this.numericCount.get(local[1]) ?? 0;
      const n = local[2] === 'b' ? seen - 1 : seen;
      if (n < 0) this.error(op, `no earlier local label ${local[1]}: for '${op.text}'`);
      return { symbol: `${local[1]}:${n}`, addend: 0n, operand: op };
    }
    const m = /^([A-Za-z_.$][\w.$]*)\s*(?:([+-])(.+))?$/.exec(op.text);
    if (m && parseIntegerRegister(m[1]) < 0) {
      const addend = m[3] ? evaluate(m[3], this.at(op.column)) : 0n;
      return { symbol: m[1], addend: m[2] === '-' ? -addend : addend, operand: op };
    }
    return { symbol: null, addend: evaluate(op.text, this.at(op.column)), operand: op };
  }

  private count(ops: Operand[], n: number[], statement: Operand): void {
    if (!n.includes(ops.length)) {
      const op = ops[Math.max(...n)] ?? statement;
      this.error(op, `${ops.length} operands for ${this.mnemonic} (expected ${n.join(' or ')})`);
    }
  }

  // --- statements -----------------------------------------------------

  label(line: number, name: string, column: number): void {
    this.line = line;
    if (/^\d+$/.test(name)) {
      const n = this.numericCount.get(name) ?? 0;
      this.numericCount.set(name, n + 1);
      name = `${name}:${n}`;
    } else if (this.labelPieces.has(name)) {
      fail('EINVAL', `${this.at(column)}: symbol '${name}' is already defined`);
    }
    this.labelPieces.set(name, this.pieces.length);
    this.push({ kind: 'label', name });
  }

  statement(line: number, name: string, ops: Operand[], self: Operand): void {
    this.line = line;
    this.mnemonic = name;
    if (name.startsWith('.')) this.directive(name, ops, self);
    else this.instruction(name, ops, self);
  }

  private directive(name: string, ops: Operand[], self: Operand): void {
    const data: Record<string, number> = {
      '.byte': 1,
      '.short': 2,
      '.hword': 2,
      '.half': 2,
      '.2byte': 2,
      '.word': 4,
      '.long': 4,
      '.4byte': 4,
      '.quad': 8,
      '.dword': 8,
      '.8byte': 8,
    };
    const size = data[name];
    if (size) {
      for (const op of ops) {
        const v = evaluate(op.text, this.at(op.column));
        const bits = BigInt(size * 8);
        if (v >= 1n << bits || v < -(1n << (bits - 1n))) {
          this.error(op, `value ${v} out of range for ${name}`);
        }
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i++)
          bytes[i] = Number((BigInt.asUintN(64, v) >> BigInt(8 * i)) & 0xffn);
        this.push({ kind: 'bytes', bytes });
      }
      return;
    }
    switch (name) {
      case '.text':
      case '.globl':
      case '.global':
      case '.type':
      case '.size':
        return;
      case '.option': {
        // relax/norelax only matter to a linker; this assembler resolves everything itself.
        const option = ops[0]?.text ?? '';
        if (option === 'rvc' || option === 'norvc') this.compressed = option === 'rvc';
        else if (option === 'push') this.optionStack.push(this.compressed);
        else if (option === 'pop') {
          const saved = this.optionStack.pop();
          if (saved === undefined) this.error(ops[0], '.option pop without a matching push');
          this.compressed = saved;
        } else if (option !== 'relax' && option !== 'norelax') {
          this.error(ops[0] ?? self, `unsupported .option '${option}'`);
        }
        return;
      }
      case '.zero':
      case '.skip':
      case '.space': {
        const n = this.imm(ops[0], self, 0, 1 << 24);
        const fill = ops[1] ? this.imm(ops[1], self, -128, 255) : 0;
        this.push({ kind: 'bytes', bytes: new Uint8Array(n).fill(fill & 0xff) });
        return;
      }
      case '.align':
      case '.p2align':
      case '.balign': {
        this.count(ops, [1, 2, 3], self);
        const boundary =
          name === '.balign'
            ? this.imm(ops[0], self, 1, 1 << 16)
            : 2 ** this.imm(ops[0], self, 0, 16);
        if (boundary & (boundary - 1))
          this.error(ops[0], `alignment ${boundary} is not a power of 2`);
        const fill = ops[1] && ops[1].text !== '' ? this.imm(ops[1], self, -128, 255) & 0xff : -1;
        const max = ops[2] ? this.imm(ops[2], self, 0, 1 << 16) : boundary;
        this.push({ kind: 'align', boundary, fill, max });
        return;
      }
      default:
        this.error(self, `unknown directive '${name}'`);
    }
  }

  private instruction(name: string, ops: Operand[], self: Operand): void {
    const last = ops[ops.length - 1] ?? self;
    const r = (i: number) => this.reg(ops[i], last);
    switch (name) {
      case 'nop':
        this.count(ops, [0], self);
        this.words(NOP);
        return;
      case 'li': {
        this.count(ops, [2], self);
        const rd = r(0);
        const v = evaluate(ops[1].text, this.at(ops[1].column));
        if (v < -(1n << 63n) || v >= 1n << 64n)
          this.error(ops[1], `immediate ${v} out of range for li`);
        const value = BigInt.asIntN(64, v);
        if (value >= -2048n && value < 2048n) {
          // GNU as's only C alternative for `li` is c.li, which needs rd != x0.
          this.wordsCompressible(this.compressed && rd !== 0, [
            encodeI(ADDI.match, rd, 0, Number(value)),
          ]);
          return;
        }
        const out: number[] = [];
        loadConstant(rd, value, out);
        this.words(...out);
        return;
      }
      case 'la':
      case 'lla':
        this.count(ops, [2], self);
        this.push({
          kind: 'pcrel',
          rd: r(0),
          second: ADDI.match,
          rd2: r(0),
          target: this.target(ops[1], last),
        });
        return;
      case 'call':
      case 'tail': {
        this.count(ops, [1], self);
        const link = name === 'call' ? 1 : 6;
        this.push({
          kind: 'pcrel',
          rd: link,
          second: JALR.match,
          rd2: name === 'call' ? 1 : 0,
          target: this.target(ops[0], last),
        });
        return;
      }
      case 'mv':
        this.count(ops, [2], self);
        // GNU as's only C alternative for `mv` is c.mv, which needs rd and rs != x0.
        this.wordsCompressible(this.compressed && r(0) !== 0 && r(1) !== 0, [
          encodeI(ADDI.match, r(0), r(1), 0),
        ]);
        return;
      case 'not':
        this.count(ops, [2], self);
        this.words(encodeI(0x4013, r(0), r(1), -1));
        return;
      case 'neg':
      case 'negw':
        this.count(ops, [2], self);
        this.words(encodeR(name === 'neg' ? 0x40000033 : 0x4000003b, r(0), 0, r(1)));
        return;
      case 'sext.w':
        this.count(ops, [2], self);
        this.words(encodeI(0x1b, r(0), r(1), 0));
        return;
      case 'zext.b':
        this.count(ops, [2], self);
        this.words(encodeI(0x7013, r(0), r(1), 255));
        return;
      case 'seqz':
        this.count(ops, [2], self);
        this.words(encodeI(0x3013, r(0), r(1), 1));
        return;
      case 'snez':
        this.count(ops, [2], self);
        this.words(encodeR(0x3033, r(0), 0, r(1)));
        return;
      case 'sltz':
        this.count(ops, [2], self);
        this.words(encodeR(0x2033, r(0), r(1), 0));
        return;
      case 'sgtz':
        this.count(ops, [2], self);
        this.words(encodeR(0x2033, r(0), 0, r(1)));
        return;
      case 'beqz':
      case 'bnez':
      case 'bltz':
      case 'bgez':
      case 'blez':
      case 'bgtz': {
        this.count(ops, [2], self);
        const base = {
          beqz: 'beq',
          bnez: 'bne',
          bltz: 'blt',
          bgez: 'bge',
          blez: 'bge',
          bgtz: 'blt',
        }[name];
        const swap = name === 'blez' || name === 'bgtz';
        this.branch(
          opcodeByName(base)!,
          swap ? 0 : r(0),
          swap ? r(0) : 0,
          this.target(ops[1], last),
        );
        return;
      }
      case 'bgt':
      case 'ble':
      case 'bgtu':
      case 'bleu': {
        this.count(ops, [3], self);
        const base = { bgt: 'blt', ble: 'bge', bgtu: 'bltu', bleu: 'bgeu' }[name];
        this.branch(opcodeByName(base)!, r(1), r(0), this.target(ops[2], last));
        return;
      }
      case 'j':
        this.count(ops, [1], self);
        this.push({
          kind: 'jump',
          rd: 0,
          rvc: this.compressed,
          length: this.compressed ? 2 : 4,
          target: this.target(ops[0], last),
        });
        return;
      case 'jr':
        this.count(ops, [1], self);
        this.jalr(0, false, ops[0], undefined, last);
        return;
      case 'ret':
        this.count(ops, [0], self);
        this.words(encodeI(JALR.match, 0, 1, 0));
        return;
      case 'csrr':
        this.count(ops, [2], self);
        this.words(encodeI(0x2073, r(0), 0, 0) | (this.csr(ops[1], last) << 20));
        return;
      case 'csrw':
      case 'csrs':
      case 'csrc':
      case 'csrwi':
      case 'csrsi':
      case 'csrci': {
        this.count(ops, [2], self);
        const base = `csrr${name[3]}${name.length === 5 ? 'i' : ''}`;
        this.csrInstruction(base, [{ text: 'zero', column: self.column }, ...ops], self);
        return;
      }
      case 'rdcycle':
      case 'rdtime':
      case 'rdinstret': {
        this.count(ops, [1], self);
        const csr = { rdcycle: CSR_CYCLE, rdtime: CSR_TIME, rdinstret: CSR_INSTRET }[name];
        this.words(encodeI(0x2073, r(0), 0, 0) | (csr << 20));
        return;
      }
      case 'unimp':
        this.count(ops, [0], self);
        if (this.compressed) {
          this.push({ kind: 'bytes', bytes: le(0, 2) });
          return;
        }
        this.words(0xc0001073);
        return;
      case 'fence.tso':
        this.count(ops, [0], self);
        this.words(0x8330000f);
        return;
    }
    const dot = name.search(/\.(aq|rl|aqrl)$/);
    const spec = opcodeByName(dot > 0 ? name.slice(0, dot) : name);
    if (!spec || (dot > 0 && spec.format !== Format.Amo && spec.format !== Format.Lr)) {
      this.error(self, `unknown instruction '${name}'`);
    }
    const ordering = dot > 0 ? { '.aq': 2, '.rl': 1, '.aqrl': 3 }[name.slice(dot)]! << 25 : 0;
    this.base(spec, ops, self, ordering);
  }

  private csr(op: Operand | undefined, last: Operand): number {
    if (!op) this.error(last, `missing operand for ${this.mnemonic}`);
    const n = csrNumber(op.text);
    if (n >= 0) return n;
    if (/^[A-Za-z_]/.test(op.text)) this.error(op, `unknown CSR '${op.text}'`);
    return this.imm(op, last, 0, 4095);
  }

  private csrInstruction(name: string, ops: Operand[], self: Operand): void {
    const last = ops[ops.length - 1] ?? self;
    this.count(ops, [3], self);
    let spec = opcodeByName(name)!;
    if (spec.format === Format.Csr && !this.isReg(ops[2]))
      spec = opcodeByName(immediateForms[name])!;
    const rd = this.reg(ops[0], last);
    const csr = this.csr(ops[1], last);
    const src = spec.format === Format.Csr ? this.reg(ops[2], last) : this.imm(ops[2], last, 0, 31);
    this.words(encodeI(spec.match, rd, src, 0) | (csr << 20));
  }

  private jalr(
    rd: number,
    explicitRd: boolean,
    a: Operand | undefined,
    b: Operand | undefined,
    last: Operand,
  ): void {
    // Forms: `rs`, `imm(rs)`, and (with rd given) `rd, rs, imm`.
    if (!a) this.error(last, `missing operand for ${this.mnemonic}`);
    // Only the one-register forms (`jr rs`, `jalr rs`) have C alternatives in GNU as.
    const single = explicitRd === false && b === undefined;
    if (this.isReg(a)) {
      const offset = b ? this.imm(b, last, -2048, 2047) : 0;
      const word = encodeI(JALR.match, rd, this.reg(a, last), offset);
      this.wordsCompressible(this.compressed && single, [word]);
      return;
    }
    const { offset, base, reloc } = this.mem(a, last);
    if (reloc) this.fixup(encodeI(JALR.match, rd, base, 0), 'I', reloc);
    else this.wordsCompressible(false, [encodeI(JALR.match, rd, base, offset)]);
  }

  private branch(spec: OpcodeSpec, rs1: number, rs2: number, target: Target): void {
    const rvc =
      this.compressed && rs2 === 0 && isCReg(rs1) && (spec.name === 'beq' || spec.name === 'bne');
    this.push({ kind: 'branch', match: spec.match, rs1, rs2, rvc, length: rvc ? 2 : 4, target });
  }

  private base(spec: OpcodeSpec, ops: Operand[], self: Operand, ordering: number): void {
    const last = ops[ops.length - 1] ?? self;
    const r = (i: number) => this.reg(ops[i], last);
    switch (spec.format) {
      case Format.R: {
        this.count(ops, [3], self);
        const alias = immediateForms[spec.name];
        if (alias && !this.isReg(ops[2])) {
          this.base(opcodeByName(alias)!, ops, self, 0);
          return;
        }
        this.words(encodeR(spec.match, r(0), r(1), r(2)));
        return;
      }
      case Format.I: {
        this.count(ops, [3], self);
        const reloc = this.relocOperand(ops[2], ['lo', 'pcrel_lo']);
        if (reloc) this.fixup(encodeI(spec.match, r(0), r(1), 0), 'I', reloc);
        else this.words(encodeI(spec.match, r(0), r(1), this.imm(ops[2], last, -2048, 2047)));
        return;
      }
      case Format.Shift:
      case Format.ShiftW: {
        this.count(ops, [3], self);
        const shamt = this.imm(ops[2], last, 0, spec.format === Format.Shift ? 63 : 31);
        this.words(encodeI(spec.match, r(0), r(1), shamt));
        return;
      }
      case Format.Load: {
        this.count(ops, [2], self);
        const { offset, base, reloc } = this.mem(ops[1], last);
        if (reloc) this.fixup(encodeI(spec.match, r(0), base, 0), 'I', reloc);
        else this.words(encodeI(spec.match, r(0), base, offset));
        return;
      }
      case Format.Store: {
        this.count(ops, [2], self);
        const { offset, base, reloc } = this.mem(ops[1], last);
        if (reloc) this.fixup(encodeS(spec.match, base, r(0), 0), 'S', reloc);
        else this.words(encodeS(spec.match, base, r(0), offset));
        return;
      }
      case Format.Branch:
        this.count(ops, [3], self);
        this.branch(spec, r(0), r(1), this.target(ops[2], last));
        return;
      case Format.Upper: {
        this.count(ops, [2], self);
        const reloc = this.relocOperand(ops[1], ['hi', 'pcrel_hi']);
        if (reloc) this.fixup(encodeU(spec.match, r(0), 0), 'U', reloc);
        else this.words(encodeU(spec.match, r(0), this.imm(ops[1], last, 0, 0xfffff)));
        return;
      }
      case Format.Jal:
        this.count(ops, [1, 2], self);
        this.push({
          kind: 'jump',
          rd: ops.length === 1 ? 1 : r(0),
          rvc: false,
          length: 4,
          target: this.target(ops[ops.length - 1], last),
        });
        return;
      case Format.Jalr:
        this.count(ops, [1, 2, 3], self);
        if (ops.length === 1) {
          this.jalr(1, false, ops[0], undefined, last);
          return;
        }
        this.jalr(r(0), true, ops[1], ops[2], last);
        return;
      case Format.Csr:
      case Format.CsrImm:
        this.csrInstruction(spec.name, ops, self);
        return;
      case Format.Amo: {
        this.count(ops, [3], self);
        const { base } = this.mem(ops[2], last, true);
        this.words(encodeR(spec.match, r(0), base, r(1)) | ordering);
        return;
      }
      case Format.Lr: {
        this.count(ops, [2], self);
        const { base } = this.mem(ops[1], last, true);
        this.words(encodeR(spec.match, r(0), base, 0) | ordering);
        return;
      }
      case Format.Fence: {
        this.count(ops, [0, 2], self);
        if (ops.length === 0) {
          this.words(0x0ff0000f);
          return;
        }
        const [pred, succ] = ops.map((op) => {
          const set = parseFenceSet(op.text);
          if (set < 0) this.error(op, `bad fence set '${op.text}'`);
          return set;
        });
        this.words((spec.match | (pred << 24) | (succ << 20)) >>> 0);
        return;
      }
      case Format.SfenceVma:
        this.count(ops, [0, 1, 2], self);
        this.words(encodeR(spec.match, 0, ops[0] ? r(0) : 0, ops[1] ? r(1) : 0));
        return;
      case Format.None:
        this.count(ops, [0], self);
        this.words(spec.match);
        return;
      default:
        this.error(self, `unknown instruction '${spec.name}'`);
    }
  }

  // --- layout ---------------------------------------------------------

  private resolve(target: Target, offsets: number[]): number {
    if (target.symbol === null) return Number(target.addend - this.origin);
    const index = this.labelPieces.get(target.symbol);
    if (index === undefined) {
      const shown = target.symbol.replace(/:\d+$/, '');
      this.line =
        this.pieces.find((p) => 'target' in p.piece && p.piece.target === target)?.line ?? 0;
      this.error(target.operand, `undefined label '${shown}'`);
    }
    return offsets[index] + Number(target.addend);
  }

  private alignPad(piece: { boundary: number; max: number }, offset: number): number {
    const address = Number((this.origin + BigInt(offset)) % BigInt(piece.boundary));
    const pad = (piece.boundary - address) % piece.boundary;
    return pad > piece.max ? 0 : pad;
  }

  private size(piece: Piece, offset: number): number {
    switch (piece.kind) {
      case 'bytes':
        return piece.bytes.length;
      case 'align':
        return this.alignPad(piece, offset);
      case 'label':
        return 0;
      case 'pcrel':
        return 8;
      case 'fixup':
        return 4;
      default:
        return piece.length;
    }
  }

  private layout(): number[] {
    const offsets = new Array<number>(this.pieces.length + 1);
    for (let pass = 0; ; pass++) {
      let offset = 0;
      this.pieces.forEach(({ piece }, i) => {
        offsets[i] = offset;
        offset += this.size(piece, offset);
      });
      offsets[this.pieces.length] = offset;
      let changed = false;
      this.pieces.forEach(({ piece, line }, i) => {
        if (piece.kind !== 'branch' && piece.kind !== 'jump') return;
        this.line = line;
        const delta = this.resolve(piece.target, offsets) - offsets[i];
        const length = relaxedLength(
          piece.kind === 'jump',
          piece.rvc,
          piece.kind === 'jump' && !piece.rvc ? 4 : 0,
          delta,
        );
        if (length !== piece.length) {
          piece.length = length;
          changed = true;
        }
      });
      if (!changed || pass > 100) return offsets;
    }
  }

  finish(): Assembly {
    const offsets = this.layout();
    const image = new Uint8Array(offsets[this.pieces.length]);
    const lines: AssembledLine[] = [];
    const labels = new Map<string, number>();
    this.pieces.forEach(({ piece, line }, i) => {
      this.line = line;
      const offset = offsets[i];
      let bytes: Uint8Array;
      switch (piece.kind) {
        case 'label':
          if (!piece.name.includes(':')) labels.set(piece.name, offset);
          return;
        case 'bytes':
          bytes = piece.bytes;
          break;
        case 'align':
          bytes = alignFill(this.alignPad(piece, offset), piece.fill);
          if (bytes.length === 0) return;
          break;
        case 'pcrel': {
          const delta = this.resolve(piece.target, offsets) - offset;
          if (!fitsSigned(delta + 0x800, 32))
            this.error(piece.target.operand, `target out of range for auipc (offset ${delta})`);
          const hi = (delta + 0x800) >> 12;
          const lo = delta - hi * 4096;
          bytes = concat(
            le(encodeU(AUIPC, piece.rd, hi), 4),
            le(encodeI(piece.second, piece.rd2, piece.rd, lo), 4),
          );
          break;
        }
        case 'fixup':
          bytes = le(this.encodeFixup(piece, offset, offsets), 4);
          break;
        default:
          bytes = this.encodeRelaxed(piece, this.resolve(piece.target, offsets) - offset);
      }
      image.set(bytes, offset);
      lines.push({ offset, bytes, line });
    });
    return { bytes: image, lines, labels };
  }

  /** The value of a relocation operator (RISC-V psABI, "Relocations": HI20/LO12, PCREL_HI20/PCREL_LO12). */
  private encodeFixup(
    piece: Extract<Piece, { kind: 'fixup' }>,
    offset: number,
    offsets: number[],
  ): number {
    const address = (target: Target) => {
      const at = this.resolve(target, offsets);
      return target.symbol === null ? target.addend : this.origin + BigInt(at);
    };
    let value: bigint;
    switch (piece.reloc) {
      case 'hi':
      case 'lo':
        value = BigInt.asIntN(64, address(piece.target));
        break;
      case 'pcrel_hi':
        value = address(piece.target) - (this.origin + BigInt(offset));
        break;
      default: {
        // %pcrel_lo(label) names the AUIPC whose %pcrel_hi it completes.
        const index =
          piece.target.symbol === null ? undefined : this.labelPieces.get(piece.target.symbol);
        let hi = index;
        while (
          hi !== undefined &&
          hi < this.pieces.length &&
          this.pieces[hi].piece.kind === 'label'
        )
          hi++;
        const auipc = hi === undefined ? undefined : this.pieces[hi]?.piece;
        if (auipc?.kind !== 'fixup' || auipc.reloc !== 'pcrel_hi') {
          this.error(
            piece.target.operand,
            `%pcrel_lo(${piece.target.operand.text}) does not name an auipc with %pcrel_hi`,
          );
        }
        value = address(auipc.target) - (this.origin + BigInt(offsets[hi!]));
      }
    }
    if (value < -(1n << 31n) - 0x800n || value >= (1n << 31n) - 0x800n) {
      this.error(
        piece.target.operand,
        `relocation value ${value} out of range for %${piece.reloc}`,
      );
    }
    const v = Number(value);
    const lo = ((v & 0xfff) << 20) >> 20;
    switch (piece.field) {
      case 'U':
        return (piece.word | ((((v - lo) / 4096) & 0xfffff) << 12)) >>> 0;
      case 'I':
        return (piece.word | ((lo & 0xfff) << 20)) >>> 0;
      default:
        return (piece.word | ((lo & 31) << 7) | (((lo >> 5) & 127) << 25)) >>> 0;
    }
  }

  private encodeRelaxed(
    piece: Extract<Piece, { kind: 'branch' | 'jump' }>,
    delta: number,
  ): Uint8Array {
    const jal = (offset: number, rd: number): Uint8Array => {
      if (!fitsSigned(offset, 21))
        this.error(piece.target.operand, `branch target out of range (offset ${offset})`);
      return le(encodeJ(JAL, rd, offset), 4);
    };
    if (delta % 2 !== 0)
      this.error(piece.target.operand, `misaligned branch target (offset ${delta})`);
    if (piece.kind === 'jump')
      return piece.length === 2 ? le(encodeCJ(delta), 2) : jal(delta, piece.rd);
    const bnez = (piece.match & 0x1000) !== 0;
    switch (piece.length) {
      case 2:
        return le(encodeCB(bnez, piece.rs1, delta), 2);
      case 4:
        return le(encodeB(piece.match, piece.rs1, piece.rs2, delta), 4);
      case 6:
        return concat(le(encodeCB(!bnez, piece.rs1, 6), 2), jal(delta - 2, 0));
      default:
        return concat(
          le(encodeB(piece.match ^ 0x1000, piece.rs1, piece.rs2, 8), 4),
          jal(delta - 4, 0),
        );
    }
  }
}

/**
 * GNU as's branch relaxation (`relaxed_branch_length`): a compressible
 * branch or jump in reach of its short form takes 2 bytes, a branch in
 * reach of B-type takes 4, otherwise a conditional branch becomes an
 * inverted branch over a `j` (6 bytes with c.beqz/c.bnez, else 8).
 */
function relaxedLength(jump: boolean, rvc: boolean, fixed: number, delta: number): number {
  if (fixed) return fixed;
  if (rvc && delta >= (jump ? -2048 : -256) && delta < (jump ? 2048 : 256)) return 2;
  if (jump || (delta >= -4096 && delta < 4096)) return 4;
  return rvc ? 6 : 8;
}

/**
 * Code alignment padding as GNU as writes it without linker relaxation
 * (`riscv_handle_align` / `riscv_make_nops`): an odd byte of zero, one
 * c.nop for a 2-byte remainder (even without the C extension), then
 * 4-byte nops.
 */
function alignFill(pad: number, fill: number): Uint8Array {
  const out = new Uint8Array(pad);
  if (fill >= 0) return out.fill(fill);
  let at = pad % 2;
  if ((pad - at) % 4 === 2) {
    out.set(le(C_NOP, 2), at);
    at += 2;
  }
  for (; at + 4 <= pad; at += 4) out.set(le(NOP, 4), at);
  return out;
}

function le(value: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (value >>> (8 * i)) & 0xff;
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Assembles GNU-syntax RV64GC source. Throws `ExecmemError('EINVAL')`
 * naming the line, column and bad token on invalid input.
 */
export function assemble(source: string, options: AssembleOptions = {}): Assembly {
  const asm = new Assembler(options.origin ?? 0n, options.compressed ?? true);
  source.split('\n').forEach((raw, index) => {
    const text = stripComments(raw);
    let column = 1;
    for (const stmt of text.split(';')) {
      let rest = stmt;
      let col = column;
      for (;;) {
        const m = /^(\s*)([A-Za-z_.$][\w.$]*|\d+):/.exec(rest);
        if (!m) break;
        asm.label(index + 1, m[2], col + m[1].length);
        col += m[0].length;
        rest = rest.slice(m[0].length);
      }
      const m = /^(\s*)(\S+)(\s*)(.*)$/.exec(rest);
      if (m) {
        const self = { text: m[2], column: col + m[1].length };
        const opsColumn = col + m[1].length + m[2].length + m[3].length;
        asm.statement(index + 1, m[2].toLowerCase(), splitOperands(m[4], opsColumn), self);
      }
      column += stmt.length + 1;
    }
  });
  return asm.finish();
}
