/**
 * The toy ISA core's own tests run on: small but real, with an
 * assembler, a disassembler, a decoder and an executor per the `Isa`
 * contract. Every instruction is 4 bytes, little-endian, 4-byte aligned:
 *
 * | byte 0 | byte 1 | bytes 2–3 |
 * | ------ | ------ | --------- |
 * | opcode | `a << 4 \| b` (two register fields) | imm16 (signed unless noted) |
 *
 * Sixteen 64-bit registers `r0`–`r15` (`r15` is the stack pointer).
 * Branch targets are PC-relative, in instructions. Fields an instruction
 * does not use must be zero; anything else is undefined (decode returns
 * `null`), so every valid word disassembles and reassembles to itself.
 *
 * @module
 */

import { vaFromWords } from '../address';
import { fail } from '../errors';
import {
  AccessKind,
  type AssembledLine,
  type Assembly,
  AtomicOp,
  type CacheOp,
  type Decoded,
  type DisassembledInsn,
  ExceptionCause,
  type Isa,
  type IsaState,
  type MemoryPort,
  RegisterUse,
  RegisterUseFlag,
} from '../isa';
import * as w from '../word64';

/** Operand shapes; the letters name the fields in assembly order. */
type Form =
  | 'none' // nop
  | 'ri' // li rd, imm
  | 'rrr' // add rd, rs, rt   (rt in imm)
  | 'rri' // addi rd, rs, imm
  | 'rm' // ld rd, imm(rs)
  | 'rrb' // beq rs, rt, target
  | 'b' // b target
  | 'r' // br rs
  | 'i' // trap imm
  | 'cm' // cache op, (rs)
  | 'rs' // mrs rd, sysreg
  | 'sr' // msr sysreg, rs
  | 'rra'; // amoadd rd, rt, (rs)   (rt in imm)

/** One toy instruction's definition. */
interface OpDef {
  readonly name: string;
  readonly opcode: number;
  readonly form: Form;
}

/** The toy instruction set, in opcode order. */
const OPS: readonly OpDef[] = [
  { name: 'nop', opcode: 0x00, form: 'none' },
  { name: 'li', opcode: 0x01, form: 'ri' },
  { name: 'lui', opcode: 0x02, form: 'ri' },
  { name: 'add', opcode: 0x03, form: 'rrr' },
  { name: 'addi', opcode: 0x04, form: 'rri' },
  { name: 'sub', opcode: 0x05, form: 'rrr' },
  { name: 'ld', opcode: 0x10, form: 'rm' },
  { name: 'lw', opcode: 0x11, form: 'rm' },
  { name: 'st', opcode: 0x12, form: 'rm' },
  { name: 'sw', opcode: 0x13, form: 'rm' },
  { name: 'amoadd', opcode: 0x14, form: 'rra' },
  { name: 'ldx', opcode: 0x15, form: 'rm' },
  { name: 'stx', opcode: 0x16, form: 'rra' },
  { name: 'beq', opcode: 0x20, form: 'rrb' },
  { name: 'bne', opcode: 0x21, form: 'rrb' },
  { name: 'b', opcode: 0x22, form: 'b' },
  { name: 'br', opcode: 0x23, form: 'r' },
  { name: 'fence', opcode: 0x30, form: 'i' },
  { name: 'sync', opcode: 0x31, form: 'none' },
  { name: 'cache', opcode: 0x32, form: 'cm' },
  { name: 'trap', opcode: 0x40, form: 'i' },
  { name: 'svc', opcode: 0x41, form: 'i' },
  { name: 'eret', opcode: 0x42, form: 'none' },
  { name: 'mrs', opcode: 0x43, form: 'rs' },
  { name: 'msr', opcode: 0x44, form: 'sr' },
  { name: 'halt', opcode: 0x45, form: 'none' },
];

const BY_OPCODE: (OpDef | undefined)[] = [];
const BY_NAME = new Map<string, OpDef>();
for (const op of OPS) {
  BY_OPCODE[op.opcode] = op;
  BY_NAME.set(op.name, op);
}

/** Names of the `cache` operations, indexed by {@link CacheOp} code. */
const CACHE_OP_NAMES = ['dccvau', 'icivau', 'iciallu', 'icialluis', 'fencei'];

/** A decoded toy instruction. */
export interface ToyInsn {
  /** The opcode (byte 0). */
  readonly opcode: number;
  /** Register field `a` (destination, or first source of a branch). */
  readonly a: number;
  /** Register field `b` (base or source). */
  readonly b: number;
  /** The immediate, sign-extended (or the third register / cache op / system register number). */
  readonly imm: number;
}

const REG_NAMES = Array.from({ length: 16 }, (_, i) => `r${i}`);

/** Where an operand token sits, for error messages. */
interface Token {
  readonly text: string;
  readonly column: number;
}

function parseError(line: number, column: number, message: string): never {
  return fail('EINVAL', `${line}:${column}: ${message}`);
}

function reg(t: Token | undefined, line: number, lineColumn: number): number {
  if (!t) parseError(line, lineColumn, 'missing register operand');
  const m = /^r(\d+)$/.exec(t.text);
  const n = m ? Number(m[1]) : -1;
  if (n < 0 || n > 15) parseError(line, t.column, `"${t.text}" is not a register (r0-r15)`);
  return n;
}

function integer(
  t: Token | undefined,
  line: number,
  lineColumn: number,
  min: number,
  max: number,
): number {
  if (!t) parseError(line, lineColumn, 'missing immediate operand');
  const m = /^(-?)(0x[0-9a-f]+|\d+)$/i.exec(t.text);
  const v = m ? (m[1] ? -1 : 1) * Number(m[2]) : Number.NaN;
  if (!Number.isInteger(v) || v < min || v > max) {
    parseError(line, t.column, `"${t.text}" is not an integer in ${min}..${max}`);
  }
  return v;
}

/** Splits operands at commas and around `(`…`)`, remembering columns. */
function operands(text: string, start: number): Token[] {
  const out: Token[] = [];
  const re = /[^\s,()]+/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    out.push({ text: m[0], column: start + m.index + 1 });
  return out;
}

function encode(opcode: number, a: number, b: number, imm: number): number {
  return (opcode | (a << 12) | (b << 8) | ((imm & 0xffff) << 16)) >>> 0;
}

/**
 * Assembles toy source: one instruction, label (`name:`) or `.word`
 * directive per line, `#` or `//` comments. `EINVAL` naming line and
 * column on bad input.
 */
function assemble(source: string, options: { origin?: bigint } = {}): Assembly {
  const origin = options.origin ?? 0n;
  const labels = new Map<string, number>();
  type Pending = { def: OpDef | null; ops: Token[]; line: number; column: number; offset: number };
  const pending: Pending[] = [];
  let offset = 0;
  source.split('\n').forEach((raw, i) => {
    const line = i + 1;
    let text = raw.replace(/(#|\/\/).*$/, '');
    const label = /^\s*([A-Za-z_.][\w.]*):/.exec(text);
    if (label) {
      if (labels.has(label[1]))
        parseError(line, text.indexOf(label[1]) + 1, `label "${label[1]}" is defined twice`);
      labels.set(label[1], offset);
      text = ' '.repeat(label[0].length) + text.slice(label[0].length);
    }
    const m = /^(\s*)(\S+)/.exec(text);
    if (!m) return;
    const column = m[1].length + 1;
    const mnemonic = m[2].toLowerCase();
    const def = mnemonic === '.word' ? null : BY_NAME.get(mnemonic);
    if (def === undefined) parseError(line, column, `unknown instruction "${m[2]}"`);
    pending.push({
      def,
      ops: operands(text.slice(m[0].length), m[0].length),
      line,
      column,
      offset,
    });
    offset += 4;
  });
  const bytes = new Uint8Array(offset);
  const lines: AssembledLine[] = [];
  for (const p of pending) {
    const word = p.def
      ? encodeLine(p, labels, origin)
      : integer(p.ops[0], p.line, p.column, -(2 ** 31), 2 ** 32 - 1) >>> 0;
    if (p.ops.length > (p.def ? operandCount(p.def.form) : 1)) {
      parseError(
        p.line,
        p.ops[p.ops.length - 1].column,
        `unexpected operand "${p.ops[p.ops.length - 1].text}"`,
      );
    }
    const insn = new Uint8Array([
      word & 0xff,
      (word >>> 8) & 0xff,
      (word >>> 16) & 0xff,
      word >>> 24,
    ]);
    bytes.set(insn, p.offset);
    lines.push({ offset: p.offset, bytes: insn, line: p.line });
  }
  return { bytes, lines, labels };
}

function operandCount(form: Form): number {
  return {
    none: 0,
    ri: 2,
    rrr: 3,
    rri: 3,
    rm: 3,
    rrb: 3,
    b: 1,
    r: 1,
    i: 1,
    cm: 2,
    rs: 2,
    sr: 2,
    rra: 3,
  }[form];
}

function encodeLine(
  p: { def: OpDef | null; ops: Token[]; line: number; column: number; offset: number },
  labels: ReadonlyMap<string, number>,
  origin: bigint,
): number {
  const { def, ops, line, column } = p;
  const op = def!.opcode;
  const r = (i: number) => reg(ops[i], line, column);
  const imm = (i: number, min = -32768, max = 32767) => integer(ops[i], line, column, min, max);
  const target = (i: number): number => {
    const t = ops[i];
    if (!t) parseError(line, column, 'missing branch target');
    const at = labels.get(t.text);
    const dest =
      at !== undefined ? at : Number(BigInt(integer(t, line, column, 0, 2 ** 48)) - origin);
    const delta = (dest - p.offset) / 4;
    if (!Number.isInteger(delta) || delta < -32768 || delta > 32767) {
      parseError(
        line,
        t.column,
        `branch target "${t.text}" is not an aligned address within ±128 KiB`,
      );
    }
    return delta;
  };
  switch (def!.form) {
    case 'none':
      return encode(op, 0, 0, 0);
    case 'ri':
      return encode(op, r(0), 0, imm(1));
    case 'rrr':
      return encode(op, r(0), r(1), r(2));
    case 'rri':
      return encode(op, r(0), r(1), imm(2));
    case 'rm':
      // ld rd, imm(rs): tokens are rd, imm, rs.
      return encode(op, r(0), r(2), imm(1));
    case 'rrb':
      return encode(op, r(0), r(1), target(2));
    case 'b':
      return encode(op, 0, 0, target(0));
    case 'r':
      return encode(op, 0, r(0), 0);
    case 'i':
      return encode(op, 0, 0, imm(0, 0, 0xffff));
    case 'cm': {
      const t = ops[0];
      const code = t ? CACHE_OP_NAMES.indexOf(t.text.toLowerCase()) : -1;
      if (code < 0)
        parseError(
          line,
          t?.column ?? column,
          `"${t?.text ?? ''}" is not a cache operation (${CACHE_OP_NAMES.join(', ')})`,
        );
      return encode(op, 0, r(1), code);
    }
    case 'rs':
      return encode(op, r(0), 0, imm(1, 0, 0xffff));
    case 'sr':
      return encode(op, 0, r(1), imm(0, 0, 0xffff));
    case 'rra':
      return encode(op, r(0), r(2), r(1));
  }
}

/** Decodes one word; `null` for an undefined opcode or nonzero unused fields. */
function decodeWord(word: number): ToyInsn | null {
  const def = BY_OPCODE[word & 0xff];
  if (!def) return null;
  const a = (word >>> 12) & 15;
  const b = (word >>> 8) & 15;
  const raw = word >>> 16;
  const simm = (raw << 16) >> 16;
  const unsignedImm = def.form === 'i' || def.form === 'rs' || def.form === 'sr';
  const imm = unsignedImm ? raw : simm;
  const ok = ((): boolean => {
    switch (def.form) {
      case 'none':
        return a === 0 && b === 0 && raw === 0;
      case 'ri':
        return b === 0;
      case 'rrr':
      case 'rra':
        return raw < 16;
      case 'rri':
      case 'rm':
      case 'rrb':
        return true;
      case 'b':
        return a === 0 && b === 0;
      case 'r':
        return a === 0 && raw === 0;
      case 'i':
        return a === 0 && b === 0;
      case 'cm':
        return a === 0 && raw < CACHE_OP_NAMES.length;
      case 'rs':
        return b === 0;
      case 'sr':
        return a === 0;
    }
  })();
  return ok ? { opcode: def.opcode, a, b, imm } : null;
}

function hexImm(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

function format(insn: ToyInsn, pc: bigint): string {
  const def = BY_OPCODE[insn.opcode]!;
  const { a, b, imm } = insn;
  const t = () => `0x${(pc + BigInt(imm * 4)).toString(16)}`;
  switch (def.form) {
    case 'none':
      return def.name;
    case 'ri':
      return `${def.name} r${a}, ${hexImm(imm)}`;
    case 'rrr':
      return `${def.name} r${a}, r${b}, r${imm}`;
    case 'rri':
      return `${def.name} r${a}, r${b}, ${hexImm(imm)}`;
    case 'rm':
      return `${def.name} r${a}, ${hexImm(imm)}(r${b})`;
    case 'rrb':
      return `${def.name} r${a}, r${b}, ${t()}`;
    case 'b':
      return `b ${t()}`;
    case 'r':
      return `br r${b}`;
    case 'i':
      return `${def.name} ${hexImm(imm)}`;
    case 'cm':
      return `cache ${CACHE_OP_NAMES[imm]}, (r${b})`;
    case 'rs':
      return `mrs r${a}, ${hexImm(imm)}`;
    case 'sr':
      return `msr ${hexImm(imm)}, r${b}`;
    case 'rra':
      return `${def.name} r${a}, r${imm}, (r${b})`;
  }
}

function wordAt(bytes: Uint8Array, i: number): number {
  return (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
}

/** Effective address `regs[b] + imm`, or -1 when not canonical. */
function effectiveAddress(regs: Uint32Array, insn: ToyInsn, t: Uint32Array): number {
  w.setInt(t, 0, insn.imm);
  w.add64(t, 0, regs, 2 * insn.b, t, 0);
  return vaFromWords(t[0], t[1]);
}

/** Scratch words for the executor (module-private, reused). */
const tmp = new Uint32Array(4);

function execute(insn: ToyInsn, s: IsaState, port: MemoryPort): void {
  const r = s.regs;
  const d = 2 * insn.a;
  switch (insn.opcode) {
    case 0x00: // nop
      return;
    case 0x01: // li
      w.setInt(r, d, insn.imm);
      return;
    case 0x02: // lui
      w.setInt(r, d, insn.imm * 65536);
      return;
    case 0x03: // add
      w.add64(r, d, r, 2 * insn.b, r, 2 * insn.imm);
      return;
    case 0x04: // addi
      w.setInt(tmp, 0, insn.imm);
      w.add64(r, d, r, 2 * insn.b, tmp, 0);
      return;
    case 0x05: // sub
      w.sub64(r, d, r, 2 * insn.b, r, 2 * insn.imm);
      return;
    case 0x10: // ld
    case 0x11: // lw
    case 0x12: // st
    case 0x13: {
      // sw
      const va = effectiveAddress(r, insn, tmp);
      if (va < 0) {
        port.exception(ExceptionCause.Protection, tmp[0]);
        return;
      }
      const size = insn.opcode & 1 ? 4 : 8;
      if (insn.opcode < 0x12) port.load(va, size, r, d, AccessKind.Plain);
      else port.store(va, size, r, d, AccessKind.Plain);
      return;
    }
    case 0x14: {
      // amoadd rd, rt, (rs): 64-bit fetch-and-add, sequentially consistent.
      const va = vaFromWords(r[2 * insn.b], r[2 * insn.b + 1]);
      if (va < 0) {
        port.exception(ExceptionCause.Protection, r[2 * insn.b]);
        return;
      }
      w.copy64(tmp, 0, r, 2 * insn.imm);
      port.atomic(AtomicOp.Add, va, 8, tmp, 0, r, d, AccessKind.SeqCst);
      return;
    }
    case 0x15: {
      // ldx rd, imm(rs): 64-bit load-exclusive, sets the monitor.
      const va = effectiveAddress(r, insn, tmp);
      if (va < 0) {
        port.exception(ExceptionCause.Protection, tmp[0]);
        return;
      }
      port.load(va, 8, r, d, AccessKind.Exclusive);
      return;
    }
    case 0x16: {
      // stx rd, rt, (rs): 64-bit store-conditional; rd = 0 on success, 1 on failure.
      const va = vaFromWords(r[2 * insn.b], r[2 * insn.b + 1]);
      if (va < 0) {
        port.exception(ExceptionCause.Protection, r[2 * insn.b]);
        return;
      }
      const status = port.storeConditional(va, 8, r, 2 * insn.imm, AccessKind.Exclusive);
      if (status >= 0) w.setInt(r, d, status);
      return;
    }
    case 0x20: // beq
    case 0x21: // bne
      if (w.eq64(r, d, r, 2 * insn.b) === (insn.opcode === 0x20)) s.nextPc = s.pc + insn.imm * 4;
      return;
    case 0x22: // b
      s.nextPc = s.pc + insn.imm * 4;
      return;
    case 0x23: {
      // br
      const va = vaFromWords(r[2 * insn.b], r[2 * insn.b + 1]);
      if (va < 0 || va % 4 !== 0) {
        port.exception(ExceptionCause.Protection, r[2 * insn.b]);
        return;
      }
      s.nextPc = va;
      return;
    }
    case 0x30: // fence
      port.fence(insn.imm);
      return;
    case 0x31: // sync
      port.contextSync();
      return;
    case 0x32: {
      // cache
      const va = vaFromWords(r[2 * insn.b], r[2 * insn.b + 1]);
      if (va < 0) {
        port.exception(ExceptionCause.Protection, r[2 * insn.b]);
        return;
      }
      port.cacheOp(insn.imm as CacheOp, va);
      return;
    }
    case 0x40: // trap
      port.exception(ExceptionCause.Breakpoint, insn.imm);
      return;
    case 0x41: // svc
      port.exception(ExceptionCause.SystemCall, insn.imm);
      return;
    case 0x42: // eret
      port.exceptionReturn();
      return;
    case 0x43: // mrs
      if (!port.readSystemRegister(insn.imm, r, d))
        port.exception(ExceptionCause.Undefined, insn.imm);
      return;
    case 0x44: // msr
      if (!port.writeSystemRegister(insn.imm, r, 2 * insn.b))
        port.exception(ExceptionCause.Undefined, insn.imm);
      return;
    case 0x45: // halt
      port.exception(ExceptionCause.Halt, 0);
      return;
  }
}

/**
 * The data flow of `insn` (see `RegisterUse`): which registers it reads,
 * which form an address, which it writes and which of those get a value
 * from memory. The toy ISA has no flags and no zero register.
 */
function registerUse(insn: ToyInsn, out: Uint32Array): void {
  const a = 1 << insn.a;
  const b = 1 << insn.b;
  // `rrr` and `rra` forms name a third register in the immediate.
  const third = 1 << (insn.imm & 15);
  let src = 0;
  let addr = 0;
  let dst = 0;
  let loaded = 0;
  let flags = 0;
  switch (BY_OPCODE[insn.opcode]!.form) {
    case 'ri':
    case 'rs':
      dst = a;
      break;
    case 'rrr':
      src = b | third;
      dst = a;
      break;
    case 'rri':
      src = b;
      dst = a;
      break;
    case 'rm':
      addr = b;
      // st/sw read the stored register; ld/lw/ldx write the loaded one.
      if (insn.opcode === 0x12 || insn.opcode === 0x13) src = a | b;
      else {
        src = b;
        dst = loaded = a;
      }
      break;
    case 'rra':
      addr = b;
      src = b | third;
      dst = a;
      // amoadd returns the old memory value; stx returns a status.
      if (insn.opcode === 0x14) loaded = a;
      break;
    case 'rrb':
      src = a | b;
      flags = RegisterUseFlag.Branch;
      break;
    case 'r':
      src = b;
      flags = RegisterUseFlag.Branch;
      break;
    case 'cm':
      src = addr = b;
      break;
    case 'sr':
      src = b;
      break;
  }
  out[RegisterUse.Sources] = src;
  out[RegisterUse.Address] = addr;
  out[RegisterUse.Destinations] = dst;
  out[RegisterUse.Loaded] = loaded;
  out[RegisterUse.Flags] = flags;
}

/** The toy ISA. */
export const toyIsa: Isa<ToyInsn> = {
  registerNames: REG_NAMES,
  stackPointer: 15,
  minLength: 4,
  maxLength: 4,
  alignment: 4,
  assemble,
  disassemble(bytes, options = {}) {
    const origin = options.origin ?? 0n;
    const out: DisassembledInsn[] = [];
    for (let i = 0; i < bytes.length; i += 4) {
      const chunk = bytes.slice(i, Math.min(i + 4, bytes.length));
      if (chunk.length < 4) {
        out.push({
          offset: i,
          bytes: chunk,
          text: `.byte ${[...chunk].map((b) => `0x${b.toString(16)}`).join(', ')}`,
        });
        continue;
      }
      const word = wordAt(bytes, i);
      const insn = decodeWord(word);
      out.push({
        offset: i,
        bytes: chunk,
        text: insn
          ? format(insn, origin + BigInt(i))
          : `.word 0x${word.toString(16).padStart(8, '0')}`,
      });
    }
    return out;
  },
  decode(bytes, offset, available): Decoded<ToyInsn> | null {
    if (available < 4) return null;
    const insn = decodeWord(wordAt(bytes, offset));
    return insn && { insn, length: 4 };
  },
  createState() {
    return { regs: new Uint32Array(32), pc: 0, nextPc: 0 };
  },
  registerUse,
  execute,
};
