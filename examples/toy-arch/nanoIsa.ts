/**
 * The nano64 instruction set: a made-up 64-bit RISC written from
 * `docs/guides/writing-an-arch-backend.md`. Every instruction is one
 * little-endian 32-bit word, 4-byte aligned:
 *
 * | bits 7:0 | bits 11:8 | bits 15:12 | bits 31:16 |
 * | -------- | --------- | ---------- | ---------- |
 * | opcode   | `rd`      | `rs`       | imm16 (signed; `rt` in bits 19:16 for `add`/`sub`) |
 *
 * Sixteen registers `r0`–`r15` (`r15` is the stack pointer). The all-zero
 * word is `trap`, so zeroed memory traps. Fields an instruction does not
 * use must be zero, otherwise the word is undefined: every valid word
 * disassembles and reassembles to itself.
 *
 * @module
 */

import {
  AccessKind,
  type AssembledLine,
  type Assembly,
  CacheOp,
  type Decoded,
  type DisassembledInsn,
  ExceptionCause,
  fail,
  type Isa,
  type IsaState,
  type MemoryPort,
  vaFromWords,
  vaWrap,
  word64,
} from '@execmem/core';

/** Operand shapes, in assembly order. */
type Form = 'none' | 'ri' | 'rri' | 'rrr' | 'mem' | 'branch' | 'rbranch' | 'imm';

/** Opcode and operand shape of each mnemonic. */
const OPCODES = {
  trap: [0x00, 'none'],
  nop: [0x01, 'none'],
  halt: [0x02, 'none'],
  li: [0x10, 'ri'],
  addi: [0x11, 'rri'],
  add: [0x12, 'rrr'],
  sub: [0x13, 'rrr'],
  ld: [0x20, 'mem'],
  st: [0x21, 'mem'],
  b: [0x30, 'branch'],
  bnez: [0x31, 'rbranch'],
  fence: [0x40, 'imm'],
  isync: [0x41, 'none'],
  fencei: [0x42, 'none'],
} as const satisfies Record<string, readonly [number, Form]>;

type Mnemonic = keyof typeof OPCODES;
const MNEMONIC_OF = new Map<number, Mnemonic>(
  (Object.keys(OPCODES) as Mnemonic[]).map((m) => [OPCODES[m][0], m]),
);

/** A decoded nano64 instruction. */
export interface NanoInsn {
  /** The opcode byte. */
  readonly opcode: number;
  /** Destination (or stored) register. */
  readonly rd: number;
  /** Source or base register. */
  readonly rs: number;
  /** The sign-extended immediate (the third register for `add`/`sub`). */
  readonly imm: number;
}

/** The nano64 opcode bytes, for patching rules and tests. */
export const NANO_OPCODE = {
  trap: OPCODES.trap[0],
  nop: OPCODES.nop[0],
  b: OPCODES.b[0],
} as const;

const REG_NAMES = Array.from({ length: 16 }, (_, i) => `r${i}`);

/** Which fields a form uses: [rd, rs, imm]; unused ones must be zero. */
const USES: Record<Form, readonly [boolean, boolean, boolean]> = {
  none: [false, false, false],
  ri: [true, false, true],
  rri: [true, true, true],
  rrr: [true, true, true],
  mem: [true, true, true],
  branch: [false, false, true],
  rbranch: [false, true, true],
  imm: [false, false, true],
};

function decodeWord(word: number): NanoInsn | null {
  const opcode = word & 0xff;
  const mnemonic = MNEMONIC_OF.get(opcode);
  if (mnemonic === undefined) return null;
  const form: Form = OPCODES[mnemonic][1];
  const rd = (word >>> 8) & 15;
  const rs = (word >>> 12) & 15;
  const imm = word >> 16;
  const [useRd, useRs, useImm] = USES[form];
  if ((!useRd && rd) || (!useRs && rs) || (!useImm && imm)) return null;
  // Registers in the immediate field: only its low 4 bits; fence: only FenceOrder bits.
  if (form === 'rrr' && (imm & ~15) !== 0) return null;
  if (form === 'imm' && (imm & ~31) !== 0) return null;
  return { opcode, rd, rs, imm };
}

function wordAt(bytes: Uint8Array, i: number): number {
  return (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0;
}

function hexOf(value: bigint): string {
  return `0x${BigInt.asUintN(64, value).toString(16)}`;
}

function format(insn: NanoInsn, address: bigint): string {
  const m = MNEMONIC_OF.get(insn.opcode)!;
  const r = (i: number) => REG_NAMES[i];
  switch (OPCODES[m][1]) {
    case 'none':
      return m;
    case 'ri':
      return `${m} ${r(insn.rd)}, ${insn.imm}`;
    case 'rri':
      return `${m} ${r(insn.rd)}, ${r(insn.rs)}, ${insn.imm}`;
    case 'rrr':
      return `${m} ${r(insn.rd)}, ${r(insn.rs)}, ${r(insn.imm)}`;
    case 'mem':
      return `${m} ${r(insn.rd)}, ${insn.imm}(${r(insn.rs)})`;
    case 'branch':
      return `${m} ${hexOf(address + BigInt(insn.imm * 4))}`;
    case 'rbranch':
      return `${m} ${r(insn.rs)}, ${hexOf(address + BigInt(insn.imm * 4))}`;
    case 'imm':
      return `${m} ${insn.imm}`;
  }
}

/** A source position for error messages. */
interface Token {
  readonly text: string;
  readonly column: number;
}

function syntaxError(line: number, column: number, message: string): never {
  return fail('EINVAL', `${line}:${column}: ${message}`);
}

/** Splits `text` (starting at 1-based `column`) at commas into trimmed tokens with their columns. */
function operands(text: string, column: number): Token[] {
  if (text.trim() === '') return [];
  const out: Token[] = [];
  let start = 0;
  for (const part of text.split(',')) {
    const lead = part.length - part.trimStart().length;
    out.push({ text: part.trim(), column: column + start + lead });
    start += part.length + 1;
  }
  return out;
}

function register(line: number, t: Token): number {
  const m = /^r(\d+)$/.exec(t.text);
  const n = m ? Number(m[1]) : -1;
  if (n < 0 || n > 15) syntaxError(line, t.column, `"${t.text}" is not a register r0..r15`);
  return n;
}

function integer(line: number, t: Token, min: number, max: number): number {
  const m = /^(-?)(0x[0-9a-f]+|\d+)$/i.exec(t.text);
  const v = m ? Number(m[1] === '-' ? -BigInt(m[2]) : BigInt(m[2])) : Number.NaN;
  if (!(v >= min && v <= max)) {
    syntaxError(line, t.column, `"${t.text}" is not an integer in ${min}..${max}`);
  }
  return v;
}

const LABEL = /^[A-Za-z_.][\w.]*$/;

/** Assembles nano64 source: one instruction or `label:` per line, `#` comments. */
function assemble(source: string, options: { origin?: bigint } = {}): Assembly {
  const origin = options.origin ?? 0n;
  type Pending = { line: number; mnemonic: Mnemonic; ops: Token[]; offset: number };
  const pending: Pending[] = [];
  const labels = new Map<string, number>();
  source.split('\n').forEach((raw, i) => {
    const line = i + 1;
    let text = raw.replace(/#.*/, '');
    let column = 1;
    const label = /^\s*([^\s:]+):/.exec(text);
    if (label) {
      const name = label[1];
      const at = text.indexOf(name) + 1;
      if (!LABEL.test(name)) syntaxError(line, at, `"${name}" is not a label name`);
      if (labels.has(name)) syntaxError(line, at, `label "${name}" is defined twice`);
      labels.set(name, pending.length * 4);
      column += label[0].length;
      text = text.slice(label[0].length);
    }
    const m = /^(\s*)(\S+)(.*)$/.exec(text);
    if (!m) return;
    const name = m[2].toLowerCase();
    const at = column + m[1].length;
    if (!Object.hasOwn(OPCODES, name)) syntaxError(line, at, `unknown instruction "${m[2]}"`);
    pending.push({
      line,
      mnemonic: name as Mnemonic,
      ops: operands(m[3], at + m[2].length),
      offset: pending.length * 4,
    });
  });

  const lines: AssembledLine[] = [];
  const bytes = new Uint8Array(pending.length * 4);
  const view = new DataView(bytes.buffer);
  for (const p of pending) {
    const [opcode, form] = OPCODES[p.mnemonic];
    const { line, ops } = p;
    const want = { none: 0, ri: 2, rri: 3, rrr: 3, mem: 2, branch: 1, rbranch: 2, imm: 1 }[form];
    if (ops.length !== want) {
      syntaxError(
        line,
        ops[0]?.column ?? 1,
        `${p.mnemonic} takes ${want} operand(s), not ${ops.length}`,
      );
    }
    const target = (t: Token): number => {
      const here = origin + BigInt(p.offset);
      const address = labels.has(t.text)
        ? origin + BigInt(labels.get(t.text)!)
        : BigInt(integer(line, t, 0, Number.MAX_SAFE_INTEGER));
      const delta = address - here;
      if (delta % 4n !== 0n || delta < -0x20000n || delta > 0x1fffcn) {
        syntaxError(line, t.column, `branch target "${t.text}" is not a reachable aligned address`);
      }
      return Number(delta / 4n);
    };
    let rd = 0;
    let rs = 0;
    let imm = 0;
    switch (form) {
      case 'ri':
        rd = register(line, ops[0]);
        imm = integer(line, ops[1], -32768, 32767);
        break;
      case 'rri':
        rd = register(line, ops[0]);
        rs = register(line, ops[1]);
        imm = integer(line, ops[2], -32768, 32767);
        break;
      case 'rrr':
        rd = register(line, ops[0]);
        rs = register(line, ops[1]);
        imm = register(line, ops[2]);
        break;
      case 'mem': {
        rd = register(line, ops[0]);
        const mm = /^(.*)\(\s*(\w+)\s*\)$/.exec(ops[1].text);
        if (!mm) syntaxError(line, ops[1].column, `"${ops[1].text}" is not imm(register)`);
        imm = integer(line, { text: mm[1].trim() || '0', column: ops[1].column }, -32768, 32767);
        rs = register(line, { text: mm[2], column: ops[1].column + mm[1].length + 1 });
        break;
      }
      case 'branch':
        imm = target(ops[0]);
        break;
      case 'rbranch':
        rs = register(line, ops[0]);
        imm = target(ops[1]);
        break;
      case 'imm':
        imm = integer(line, ops[0], 0, 31);
        break;
    }
    view.setUint32(p.offset, (opcode | (rd << 8) | (rs << 12) | (imm << 16)) >>> 0, true);
    lines.push({ offset: p.offset, bytes: bytes.slice(p.offset, p.offset + 4), line });
  }
  return { bytes, lines, labels };
}

/** Scratch for address and immediate arithmetic: executing allocates nothing. */
const scratch = new Uint32Array(4);

/** Loads the sign-extended `imm` into `scratch[2..3]`. */
function immediate(imm: number): void {
  scratch[2] = imm >>> 0;
  scratch[3] = imm < 0 ? 0xffffffff : 0;
}

/** `rs + imm` as an engine address, or -1 (after raising the fault) when not canonical. */
function effectiveAddress(state: IsaState, insn: NanoInsn, port: MemoryPort): number {
  immediate(insn.imm);
  word64.add64(scratch, 0, state.regs, 2 * insn.rs, scratch, 2);
  const va = vaFromWords(scratch[0], scratch[1]);
  if (va < 0) port.exception(ExceptionCause.Protection, scratch[0]);
  return va;
}

function execute(insn: NanoInsn, state: IsaState, port: MemoryPort): void {
  const r = state.regs;
  const d = 2 * insn.rd;
  switch (insn.opcode) {
    case 0x00:
      port.exception(ExceptionCause.Breakpoint, 0);
      return;
    case 0x01:
      return;
    case 0x02:
      port.exception(ExceptionCause.Halt, 0);
      return;
    case 0x10:
      immediate(insn.imm);
      word64.copy64(r, d, scratch, 2);
      return;
    case 0x11:
      immediate(insn.imm);
      word64.add64(r, d, r, 2 * insn.rs, scratch, 2);
      return;
    case 0x12:
      word64.add64(r, d, r, 2 * insn.rs, r, 2 * insn.imm);
      return;
    case 0x13:
      word64.sub64(r, d, r, 2 * insn.rs, r, 2 * insn.imm);
      return;
    case 0x20: {
      const va = effectiveAddress(state, insn, port);
      if (va >= 0) port.load(va, 8, r, d, AccessKind.Plain);
      return;
    }
    case 0x21: {
      const va = effectiveAddress(state, insn, port);
      if (va >= 0) port.store(va, 8, r, d, AccessKind.Plain);
      return;
    }
    case 0x30:
      state.nextPc = vaWrap(state.pc + insn.imm * 4);
      return;
    case 0x31:
      if (!word64.isZero64(r, 2 * insn.rs)) state.nextPc = vaWrap(state.pc + insn.imm * 4);
      return;
    case 0x40:
      // The immediate is a FenceOrder bit set (see nanoArch's fenceOrder).
      port.fence(insn.imm);
      return;
    case 0x41:
      port.contextSync();
      return;
    case 0x42:
      // Like RISC-V FENCE.I: later fetches of this CPU see its earlier stores.
      port.cacheOp(CacheOp.FenceI, state.pc);
      return;
  }
}

/** The nano64 ISA. */
export const nanoIsa: Isa<NanoInsn> = {
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
  decode(bytes, offset, available): Decoded<NanoInsn> | null {
    if (available < 4) return null;
    const insn = decodeWord(wordAt(bytes, offset));
    return insn && { insn, length: 4 };
  },
  createState: () => ({ regs: new Uint32Array(32), pc: 0, nextPc: 0 }),
  execute,
};
