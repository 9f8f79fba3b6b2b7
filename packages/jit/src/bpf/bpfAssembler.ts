import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LD,
  BPF_LDDW,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_REG_FP,
  BPF_ST,
  BPF_STX,
  BPF_TO_BE,
  BPF_TO_LE,
  BPF_W,
  BPF_X,
  type BpfInsn,
  fail,
  makeBpfInsn,
} from '@execmem/core';
import {
  ALU_OPS,
  ATOMIC_FETCH_OPS,
  ATOMIC_OPS,
  JMP_OPS,
  SIGNED_ALU_OPS,
  SIZES,
} from './bpfMnemonics';

/** Options for {@link assembleBpf}. */
export interface BpfAssembleOptions {
  /** Line number of the first source line in error messages (a data file's `-- asm` body); default 1. */
  readonly firstLine?: number;
}

/** One operand with the 1-based column it starts at. */
interface Operand {
  readonly text: string;
  readonly col: number;
}

/** One instruction line after the first pass. */
interface Statement {
  readonly line: number;
  readonly col: number;
  readonly mnemonic: string;
  readonly operands: readonly Operand[];
  /** Slot index of its first instruction. */
  readonly slot: number;
}

/** Label syntax: `name:` at the start of a line. */
const LABEL = /^([A-Za-z_.][\w.]*)\s*:/;
const INTEGER = /^[+-]?(0x[0-9a-f]+|\d+)$/i;
const REGISTER = /^%r(\d+)$/;
const MEMORY = /^\[\s*%r(\d+)\s*(?:([+-])\s*(0x[0-9a-f]+|\d+)\s*)?\]$/i;

/**
 * Assembles eBPF source text in the bpf_conformance syntax (one
 * instruction per line, `name:` labels, `#` comments; see the suite's
 * README) into one {@link BpfInsn} per 8-byte slot. A jump to the
 * undefined label `exit` goes to the next `exit` instruction, as the
 * suite's files expect. Beyond the suite's mnemonics it takes the legacy
 * packet loads `ldabs{b,h,w,dw} imm` and `ldind{b,h,w,dw} %rN, imm` and
 * the `lddw` pseudo sources written as RFC 9669 §5.4 pseudocode:
 * `map_by_fd(3)`, `map_val(map_by_fd(3)) + 8`, `var_addr(1)`,
 * `code_addr(label)` (or `+N`, counted like `call local`),
 * `map_by_idx(0)`, `map_val(map_by_idx(0)) + 8`.
 * Throws `EINVAL` with `line:column` and the offending text for anything
 * it cannot encode.
 */
export function assembleBpf(source: string, options: BpfAssembleOptions = {}): BpfInsn[] {
  const firstLine = options.firstLine ?? 1;
  const statements: Statement[] = [];
  const labels = new Map<string, number>();
  const exits: number[] = [];
  let slot = 0;
  source.split('\n').forEach((raw, index) => {
    const line = firstLine + index;
    const hash = raw.indexOf('#');
    let text = hash >= 0 ? raw.slice(0, hash) : raw;
    let offset = 0;
    const label = LABEL.exec(text.trimStart());
    if (label) {
      const name = label[1];
      const col = text.indexOf(name) + 1;
      if (labels.has(name)) fail('EINVAL', `line ${line}:${col}: label '${name}' defined twice`);
      labels.set(name, slot);
      offset = text.indexOf(':') + 1;
      text = text.slice(offset);
    }
    const lead = text.length - text.trimStart().length;
    const body = text.trim();
    if (body === '') return;
    const statement = splitStatement(body, line, offset + lead + 1, slot);
    statements.push(statement);
    if (statement.mnemonic === 'exit') exits.push(slot);
    slot += statement.mnemonic === 'lddw' ? 2 : 1;
  });
  const program: BpfInsn[] = [];
  for (const s of statements) {
    const target = (operand: Operand): number => resolveTarget(operand, s, labels, exits);
    for (const insn of encodeStatement(s, target)) program.push(insn);
  }
  return program;
}

/** Splits `lock fetch add32 [%r1+2], %r3` into its mnemonic words and comma-separated operands. */
function splitStatement(body: string, line: number, col: number, slot: number): Statement {
  const words: string[] = [];
  let rest = body;
  let restCol = col;
  const take = (): string | undefined => {
    const m = /^([a-z][a-z0-9]*)(?:\s+|$)/i.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    restCol += m[0].length;
    words.push(m[1].toLowerCase());
    return words[words.length - 1];
  };
  const peek = (): string => /^[a-z]+/i.exec(rest)?.[0].toLowerCase() ?? '';
  // Multi-word mnemonics: `lock [fetch] op`, `call local`.
  const first = take();
  if (first === 'lock') {
    if (take() === 'fetch') take();
  } else if (first === 'call' && peek() === 'local') {
    take();
  }
  if (words.length === 0)
    fail('EINVAL', `line ${line}:${col}: expected a mnemonic, found '${body}'`);
  const operands: Operand[] = [];
  if (rest.trim() !== '') {
    let start = 0;
    for (const part of rest.split(',')) {
      const lead = part.length - part.trimStart().length;
      operands.push({ text: part.trim(), col: restCol + start + lead });
      start += part.length + 1;
    }
  }
  return { line, col, mnemonic: words.join(' '), operands, slot };
}

function err(s: Statement, col: number, message: string): never {
  fail('EINVAL', `line ${s.line}:${col}: ${message}`);
}

function expectOperands(s: Statement, count: number): void {
  if (s.operands.length !== count) {
    err(s, s.col, `'${s.mnemonic}' takes ${count} operand(s), found ${s.operands.length}`);
  }
}

function parseInteger(s: Statement, o: Operand, min: bigint, max: bigint, what: string): bigint {
  if (!INTEGER.test(o.text)) err(s, o.col, `expected ${what}, found '${o.text}'`);
  const negative = o.text.startsWith('-');
  const magnitude = BigInt(o.text.replace(/^[+-]/, ''));
  const value = negative ? -magnitude : magnitude;
  if (value < min || value > max) err(s, o.col, `${what} ${o.text} is out of range`);
  return value;
}

/** A 32-bit immediate, written signed or as its unsigned bit pattern. */
function imm32(s: Statement, o: Operand): number {
  return Number(BigInt.asIntN(32, parseInteger(s, o, -(1n << 31n), (1n << 32n) - 1n, 'immediate')));
}

function register(s: Statement, o: Operand): number {
  const m = REGISTER.exec(o.text);
  if (!m || Number(m[1]) > BPF_REG_FP)
    err(s, o.col, `expected a register %r0..%r10, found '${o.text}'`);
  return Number(m[1]);
}

function isRegister(o: Operand): boolean {
  return REGISTER.test(o.text);
}

/** `[%rN+off]` → base register and offset. */
function memory(s: Statement, o: Operand): { reg: number; off: number } {
  const m = MEMORY.exec(o.text);
  if (!m) err(s, o.col, `expected a memory operand [%rN+off], found '${o.text}'`);
  const reg = Number(m[1]);
  if (reg > BPF_REG_FP) err(s, o.col, `register %r${reg} does not exist`);
  const magnitude = m[3] === undefined ? 0 : Number(m[3]);
  const off = m[2] === '-' ? -magnitude : magnitude;
  if (off < -0x8000 || off > 0x7fff) err(s, o.col, `offset ${off} does not fit 16 bits`);
  return { reg, off };
}

/** A jump or call target: `+N`/`-N` (slots after the next one) or a label. */
function resolveTarget(
  o: Operand,
  s: Statement,
  labels: ReadonlyMap<string, number>,
  exits: readonly number[],
): number {
  if (INTEGER.test(o.text))
    return Number(parseInteger(s, o, -(1n << 31n), (1n << 31n) - 1n, 'offset'));
  let slot = labels.get(o.text);
  if (slot === undefined && o.text === 'exit') slot = exits.find((e) => e > s.slot);
  if (slot === undefined) err(s, o.col, `undefined label '${o.text}'`);
  return slot - (s.slot + 1);
}

function jumpOffset(s: Statement, o: Operand, off: number): number {
  if (off < -0x8000 || off > 0x7fff) err(s, o.col, `jump offset ${off} does not fit 16 bits`);
  return off;
}

/**
 * The RFC 9669 §5.4 pseudocode of the `lddw` forms with src 1–6, used as
 * their operand: `map_by_fd(3)`, `map_val(map_by_fd(3)) + 8`,
 * `var_addr(1)`, `code_addr(label)`, `map_by_idx(0)`,
 * `map_val(map_by_idx(0)) + 8`.
 */
const PSEUDO_LOAD =
  /^(?:(map_by_fd|map_by_idx|var_addr|code_addr)\(\s*([^()]*?)\s*\)|map_val\(\s*(map_by_fd|map_by_idx)\(\s*([^()]*?)\s*\)\s*\)(?:\s*\+\s*(\S+))?)$/;

const PSEUDO_SOURCES: ReadonlyMap<string, number> = new Map([
  ['map_by_fd', BPF_PSEUDO_MAP_FD],
  ['var_addr', BPF_PSEUDO_BTF_ID],
  ['code_addr', BPF_PSEUDO_FUNC],
  ['map_by_idx', BPF_PSEUDO_MAP_IDX],
  ['map_val(map_by_fd)', BPF_PSEUDO_MAP_VALUE],
  ['map_val(map_by_idx)', BPF_PSEUDO_MAP_IDX_VALUE],
]);

function encodePseudoLoad(
  s: Statement,
  dst: number,
  m: RegExpExecArray,
  target: (o: Operand) => number,
): BpfInsn[] {
  const o = s.operands[1];
  const isValue = m[3] !== undefined;
  const form = isValue ? `map_val(${m[3]})` : m[1];
  const argText = isValue ? m[4] : m[2];
  const arg: Operand = { text: argText, col: o.col + o.text.indexOf(argText) };
  const imm = form === 'code_addr' ? target(arg) : imm32(s, arg);
  let next = 0;
  if (m[5] !== undefined) {
    const offText: Operand = { text: m[5], col: o.col + o.text.lastIndexOf(m[5]) };
    next = Number(parseInteger(s, offText, 0n, (1n << 32n) - 1n, 'map value offset'));
  }
  return [
    makeBpfInsn({ opcode: BPF_LDDW, dst, src: PSEUDO_SOURCES.get(form)!, imm, imm64Hi: next }),
    makeBpfInsn({ opcode: 0, imm: next | 0 }),
  ];
}

/** Encodes one statement (two slots for `lddw`). */
function encodeStatement(s: Statement, target: (o: Operand) => number): BpfInsn[] {
  const m = s.mnemonic;
  const ops = s.operands;
  if (m === 'exit') {
    expectOperands(s, 0);
    return [makeBpfInsn({ opcode: BPF_JMP | BPF_EXIT })];
  }
  if (m === 'call' || m === 'call local') return [encodeCall(s, target)];
  if (m === 'lddw') {
    expectOperands(s, 2);
    const dst = register(s, ops[0]);
    const pseudo = PSEUDO_LOAD.exec(ops[1].text);
    if (pseudo) return encodePseudoLoad(s, dst, pseudo, target);
    const value = BigInt.asUintN(
      64,
      parseInteger(s, ops[1], -(1n << 63n), (1n << 64n) - 1n, 'immediate'),
    );
    const lo = Number(value & 0xffffffffn);
    const hi = Number(value >> 32n);
    return [
      makeBpfInsn({ opcode: BPF_LDDW, dst, imm: lo | 0, imm64Hi: hi }),
      makeBpfInsn({ opcode: 0 }),
    ];
  }
  if (m.startsWith('lock ')) return [encodeAtomic(s)];
  const legacy = /^ld(abs|ind)(b|h|w|dw)$/.exec(m);
  if (legacy) {
    // RFC 9669 §5.5: `ldabsw imm` and `ldindw %rN, imm` (ubpf's syntax); the result goes to r0.
    const indirect = legacy[1] === 'ind';
    expectOperands(s, indirect ? 2 : 1);
    const mode = indirect ? BPF_IND : BPF_ABS;
    return [
      makeBpfInsn({
        opcode: BPF_LD | mode | SIZES.get(legacy[2])!,
        src: indirect ? register(s, ops[0]) : 0,
        imm: imm32(s, ops[indirect ? 1 : 0]),
      }),
    ];
  }
  let match = /^ldx(s?)(b|h|w|dw)$/.exec(m);
  if (match) {
    if (match[1] && match[2] === 'dw') err(s, s.col, `unknown mnemonic '${m}'`);
    expectOperands(s, 2);
    const dst = register(s, ops[0]);
    const { reg, off } = memory(s, ops[1]);
    const mode = match[1] ? BPF_MEMSX : BPF_MEM;
    return [makeBpfInsn({ opcode: BPF_LDX | mode | SIZES.get(match[2])!, dst, src: reg, off })];
  }
  match = /^(stx?)(b|h|w|dw)$/.exec(m);
  if (match) {
    expectOperands(s, 2);
    const { reg, off } = memory(s, ops[0]);
    const size = SIZES.get(match[2])!;
    if (match[1] === 'stx') {
      return [
        makeBpfInsn({ opcode: BPF_STX | BPF_MEM | size, dst: reg, src: register(s, ops[1]), off }),
      ];
    }
    return [makeBpfInsn({ opcode: BPF_ST | BPF_MEM | size, dst: reg, off, imm: imm32(s, ops[1]) })];
  }
  match = /^(be|le|bswap|swap)(16|32|64)$/.exec(m);
  if (match) {
    expectOperands(s, 1);
    const dst = register(s, ops[0]);
    const width = Number(match[2]);
    const opcode =
      match[1] === 'be'
        ? BPF_ALU | BPF_END | BPF_TO_BE
        : match[1] === 'le'
          ? BPF_ALU | BPF_END | BPF_TO_LE
          : BPF_ALU64 | BPF_END | BPF_TO_LE;
    return [makeBpfInsn({ opcode, dst, imm: width })];
  }
  match = /^movsx(8|16|32)(32|64)$/.exec(m);
  if (match && !(match[1] === '32' && match[2] === '32')) {
    expectOperands(s, 2);
    const cls = match[2] === '32' ? BPF_ALU : BPF_ALU64;
    const dst = register(s, ops[0]);
    const src = register(s, ops[1]);
    return [makeBpfInsn({ opcode: cls | BPF_MOV | BPF_X, dst, src, off: Number(match[1]) })];
  }
  // `32` selects ALU/JMP32; `64` is accepted as the explicit spelling of the default.
  match = /^([a-z]+?)(32|64)?$/.exec(m);
  const base = match?.[1] ?? '';
  const wide = match?.[2] !== '32';
  const aluOp = ALU_OPS.get(base) ?? SIGNED_ALU_OPS.get(base);
  if (aluOp !== undefined)
    return [encodeAlu(s, aluOp, wide ? BPF_ALU64 : BPF_ALU, SIGNED_ALU_OPS.has(base) ? 1 : 0)];
  const jmpOp = JMP_OPS.get(base);
  if (jmpOp !== undefined) return [encodeJump(s, jmpOp, wide ? BPF_JMP : BPF_JMP32, target)];
  err(s, s.col, `unknown mnemonic '${m}'`);
}

function encodeAlu(s: Statement, op: number, cls: number, off: number): BpfInsn {
  const ops = s.operands;
  if (op === BPF_NEG) {
    expectOperands(s, 1);
    return makeBpfInsn({ opcode: cls | op | BPF_K, dst: register(s, ops[0]) });
  }
  expectOperands(s, 2);
  const dst = register(s, ops[0]);
  if (isRegister(ops[1]))
    return makeBpfInsn({ opcode: cls | op | BPF_X, dst, src: register(s, ops[1]), off });
  return makeBpfInsn({ opcode: cls | op | BPF_K, dst, off, imm: imm32(s, ops[1]) });
}

function encodeJump(
  s: Statement,
  op: number,
  cls: number,
  target: (o: Operand) => number,
): BpfInsn {
  const ops = s.operands;
  if (op === BPF_JA) {
    expectOperands(s, 1);
    // RFC 9669 §4.3.1: JMP32 | JA ("gotol") takes its offset from imm.
    if (cls === BPF_JMP32) return makeBpfInsn({ opcode: cls | BPF_JA, imm: target(ops[0]) });
    return makeBpfInsn({ opcode: cls | BPF_JA, off: jumpOffset(s, ops[0], target(ops[0])) });
  }
  expectOperands(s, 3);
  const dst = register(s, ops[0]);
  const off = jumpOffset(s, ops[2], target(ops[2]));
  if (isRegister(ops[1]))
    return makeBpfInsn({ opcode: cls | op | BPF_X, dst, src: register(s, ops[1]), off });
  return makeBpfInsn({ opcode: cls | op | BPF_K, dst, off, imm: imm32(s, ops[1]) });
}

function encodeCall(s: Statement, target: (o: Operand) => number): BpfInsn {
  expectOperands(s, 1);
  const o = s.operands[0];
  if (s.mnemonic === 'call local') {
    return makeBpfInsn({ opcode: BPF_JMP | BPF_CALL, src: BPF_PSEUDO_CALL, imm: target(o) });
  }
  // callx: the register holding the helper number goes in dst.
  if (isRegister(o))
    return makeBpfInsn({ opcode: BPF_JMP | BPF_CALL | BPF_X, dst: register(s, o) });
  return makeBpfInsn({ opcode: BPF_JMP | BPF_CALL, imm: imm32(s, o) });
}

function encodeAtomic(s: Statement): BpfInsn {
  const words = s.mnemonic.split(' ');
  const fetch = words[1] === 'fetch';
  const name = words[fetch ? 2 : 1] ?? '';
  const m = /^([a-z]+?)(32)?$/.exec(name);
  const base = m?.[1] ?? '';
  const op = fetch ? ATOMIC_OPS.get(base) : (ATOMIC_OPS.get(base) ?? ATOMIC_FETCH_OPS.get(base));
  if (op === undefined || words.length !== (fetch ? 3 : 2)) {
    err(s, s.col, `unknown atomic operation '${s.mnemonic}'`);
  }
  expectOperands(s, 2);
  const { reg, off } = memory(s, s.operands[0]);
  const src = register(s, s.operands[1]);
  const size = m?.[2] ? BPF_W : BPF_DW;
  return makeBpfInsn({
    opcode: BPF_STX | BPF_ATOMIC | size,
    dst: reg,
    src,
    off,
    imm: fetch ? op | BPF_FETCH : op,
  });
}
