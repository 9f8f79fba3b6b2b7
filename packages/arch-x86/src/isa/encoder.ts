/**
 * Instruction encoding for the AT&T assembler: mnemonic and suffix
 * resolution, operand-size inference, and the same encoding choices GNU
 * `as` makes without `-O` (accumulator short forms, sign-extended imm8,
 * the D0/D1 shift-by-one forms, B8+r only for immediates that do not fit
 * a sign-extended imm32, 90+r for XCHG with the accumulator).
 *
 * @module
 */
import { conditionAliases } from './insn';
import type { RegisterInfo } from './registers';
import {
  type AsmOperand,
  type Expression,
  type Position,
  parseOperand,
  type Statement,
  syntaxError,
} from './sourceParser';

type Size = 1 | 2 | 4 | 8;
type Mem = Extract<AsmOperand, { kind: 'mem' }>;

/** The encoding of one instruction, possibly with a part resolved at layout. */
export interface EncodedInsn {
  /** The bytes (a PC-relative field is zero until patched). */
  readonly bytes: number[];
  /** A 32-bit PC-relative field at `offset`: `target - end of instruction`. */
  readonly fixup?: { readonly offset: number; readonly target: Expression; readonly at: Position };
  /** A branch to a label: `short` (rel8, absent for CALL) is used while the target is in range. */
  readonly branch?: {
    readonly short?: number[];
    readonly long: number[];
    readonly target: Expression;
    readonly at: Position;
  };
}

const sizeSuffix: Record<string, Size> = { b: 1, w: 2, l: 4, q: 8 };

/** Base mnemonics and the suffixes `as` accepts on them. */
const suffixable: Record<string, string> = {
  mov: 'bwlq',
  add: 'bwlq',
  or: 'bwlq',
  and: 'bwlq',
  sub: 'bwlq',
  xor: 'bwlq',
  cmp: 'bwlq',
  test: 'bwlq',
  inc: 'bwlq',
  dec: 'bwlq',
  neg: 'bwlq',
  not: 'bwlq',
  mul: 'bwlq',
  imul: 'bwlq',
  div: 'bwlq',
  idiv: 'bwlq',
  shl: 'bwlq',
  sal: 'bwlq',
  shr: 'bwlq',
  sar: 'bwlq',
  rol: 'bwlq',
  ror: 'bwlq',
  lea: 'wlq',
  push: 'wq',
  pop: 'wq',
  call: 'q',
  jmp: 'q',
  ret: 'q',
  xchg: 'bwlq',
  xadd: 'bwlq',
  cmpxchg: 'bwlq',
  nop: 'wlq',
  bswap: 'lq',
  movabs: 'bwlq',
};

/** Fixed-encoding instructions without operands. */
const bare: Record<string, number[]> = {
  cqto: [0x48, 0x99],
  cqo: [0x48, 0x99],
  cltd: [0x99],
  cdq: [0x99],
  cwtd: [0x66, 0x99],
  cwd: [0x66, 0x99],
  cltq: [0x48, 0x98],
  cdqe: [0x48, 0x98],
  cwtl: [0x98],
  cwde: [0x98],
  cbtw: [0x66, 0x98],
  cbw: [0x66, 0x98],
  int3: [0xcc],
  ud2: [0x0f, 0x0b],
  cpuid: [0x0f, 0xa2],
  serialize: [0x0f, 0x01, 0xe8],
  mfence: [0x0f, 0xae, 0xf0],
  lfence: [0x0f, 0xae, 0xe8],
  sfence: [0x0f, 0xae, 0xf8],
  hlt: [0xf4],
  pause: [0xf3, 0x90],
  iretq: [0x48, 0xcf],
  // A prefix written as a statement of its own (`lock; incl (%rax)`) is emitted alone.
  lock: [0xf0],
  data16: [0x66],
  cs: [0x2e],
};

/** MOVZX/MOVSX spellings: [signed, source size, destination size] (0 = from the operands). */
const extensions: Record<string, [boolean, number, number]> = {
  movzbw: [false, 1, 2],
  movzbl: [false, 1, 4],
  movzbq: [false, 1, 8],
  movzwl: [false, 2, 4],
  movzwq: [false, 2, 8],
  movsbw: [true, 1, 2],
  movsbl: [true, 1, 4],
  movsbq: [true, 1, 8],
  movswl: [true, 2, 4],
  movswq: [true, 2, 8],
  movslq: [true, 4, 8],
  movzb: [false, 1, 0],
  movzw: [false, 2, 0],
  movsb: [true, 1, 0],
  movsw: [true, 2, 0],
  movsl: [true, 4, 0],
  movzx: [false, 0, 0],
  movsx: [true, 0, 0],
  movsxd: [true, 4, 0],
};

const aluIndex: Record<string, number> = { add: 0, or: 1, and: 4, sub: 5, xor: 6, cmp: 7 };
const shiftIndex: Record<string, number> = { rol: 0, ror: 1, shl: 4, sal: 4, shr: 5, sar: 7 };
const group3Index: Record<string, number> = { not: 2, neg: 3, mul: 4, imul: 5, div: 6, idiv: 7 };
const lockable = new Set([
  'add',
  'or',
  'and',
  'sub',
  'xor',
  'inc',
  'dec',
  'neg',
  'not',
  'xchg',
  'xadd',
  'cmpxchg',
]);

/** Resolves a mnemonic to its base name and explicit size. */
function resolveMnemonic(name: string, at: Position): { base: string; size?: Size } {
  if (suffixable[name] || bare[name] || extensions[name]) return { base: name };
  if (name.startsWith('j') && conditionAliases.has(name.slice(1))) return { base: name };
  const base = name.slice(0, -1);
  const suffix = name.slice(-1);
  if (suffixable[base]?.includes(suffix)) return { base, size: sizeSuffix[suffix] };
  syntaxError(at, `no such instruction: '${name}'`);
}

/** Builds the bytes of one instruction: prefixes, REX, opcode, ModRM/SIB/displacement, immediate. */
class Builder {
  /** Prefix words written in the source (`data16`, `cs`). */
  readonly prefixes: number[] = [];
  /** Operand-size prefix 66 and LOCK, emitted in that order as `as` does. */
  opsize16 = false;
  lock = false;
  /** Displacement size forced by `{disp8}` / `{disp32}` (0: the shortest). */
  dispBits: 0 | 8 | 32 = 0;
  rex = 0;
  /** REX needed for SPL/BPL/SIL/DIL even without other REX bits. */
  forceRex = false;
  highByte: RegisterInfo | undefined;
  opcode: number[] = [];
  tail: number[] = [];
  fixupAt = -1;
  fixupTarget: Expression | undefined;

  constructor(readonly at: Position) {}

  useReg(r: RegisterInfo): number {
    if (r.size === 1 && r.reg >= 4 && r.reg < 8) this.forceRex = true;
    if (r.reg >= 16) this.highByte = r;
    return r.reg >= 16 ? r.reg - 12 : r.reg;
  }

  /** ModRM with `regField` and the r/m operand (register or memory). */
  modrm(regField: number, rm: AsmOperand): void {
    if (regField >= 8) this.rex |= 4;
    const reg = regField & 7;
    if (rm.kind === 'reg') {
      const n = this.useReg(rm.reg);
      if (n >= 8) this.rex |= 1;
      this.tail.push(0xc0 | (reg << 3) | (n & 7));
      return;
    }
    if (rm.kind !== 'mem') syntaxError(rm.at, `operand type mismatch for '${rm.text}'`);
    this.memory(reg, rm);
  }

  private memory(reg: number, m: Mem): void {
    const disp = m.disp;
    if (m.rip) {
      this.tail.push((reg << 3) | 5);
      if (disp.symbol !== undefined) {
        this.fixupAt = this.tail.length;
        this.fixupTarget = disp;
        this.tail.push(0, 0, 0, 0);
      } else {
        this.push32(checkDisp(disp, m));
      }
      return;
    }
    if (disp.symbol !== undefined)
      syntaxError(
        m.at,
        `symbol '${disp.symbol}' is only supported PC-relative, as '${disp.symbol}(%rip)'`,
      );
    const value = checkDisp(disp, m);
    const index = m.index ? m.index.reg : 4;
    if (index >= 8) this.rex |= 2;
    if (!m.base) {
      // No base: SIB with base 101 and mod 00 means disp32 only (SDM table 2-3).
      this.tail.push((reg << 3) | 4, (scaleBits(m.scale) << 6) | ((index & 7) << 3) | 5);
      this.push32(value);
      return;
    }
    const base = m.base.reg;
    if (base >= 8) this.rex |= 1;
    const fits8 = value >= -128 && value <= 127;
    const mod =
      this.dispBits === 32
        ? 2
        : value === 0 && (base & 7) !== 5 && this.dispBits !== 8
          ? 0
          : fits8
            ? 1
            : 2;
    if (m.index || (base & 7) === 4) {
      this.tail.push(
        (mod << 6) | (reg << 3) | 4,
        (scaleBits(m.scale) << 6) | ((index & 7) << 3) | (base & 7),
      );
    } else {
      this.tail.push((mod << 6) | (reg << 3) | (base & 7));
    }
    if (mod === 1) this.tail.push(value & 0xff);
    else if (mod === 2) this.push32(value);
  }

  private push32(value: number): void {
    this.tail.push(
      value & 0xff,
      (value >>> 8) & 0xff,
      (value >>> 16) & 0xff,
      (value >>> 24) & 0xff,
    );
  }

  imm(value: bigint, bytes: number): void {
    for (let i = 0; i < bytes; i++) this.tail.push(Number((value >> BigInt(8 * i)) & 0xffn));
  }

  finish(): EncodedInsn {
    const rexBytes: number[] = [];
    if (this.rex || this.forceRex) {
      if (this.highByte) {
        syntaxError(
          this.at,
          `can't encode register '%${['ah', 'ch', 'dh', 'bh'][this.highByte.reg - 16]}' in an instruction requiring REX prefix`,
        );
      }
      rexBytes.push(0x40 | this.rex);
    }
    const head = [...this.prefixes];
    if (this.opsize16) head.push(0x66);
    if (this.lock) head.push(0xf0);
    head.push(...rexBytes, ...this.opcode);
    const bytes = [...head, ...this.tail];
    if (this.fixupTarget)
      return {
        bytes,
        fixup: { offset: head.length + this.fixupAt, target: this.fixupTarget, at: this.at },
      };
    return { bytes };
  }
}

function scaleBits(scale: number): number {
  return scale === 8 ? 3 : scale === 4 ? 2 : scale === 2 ? 1 : 0;
}

/** A displacement must be a sign-extended 32-bit value (SDM 2.2.1.3). */
function checkDisp(disp: Expression, m: Mem): number {
  const v = BigInt.asIntN(64, disp.value);
  if (v < -(1n << 31n) || v >= 1n << 31n)
    syntaxError(m.at, `displacement ${disp.value} out of range in '${m.text}'`);
  return Number(v);
}

/** The immediate's value checked against `size` bytes (as accepts signed and unsigned spellings). */
function immValue(op: AsmOperand, size: Size, mnemonic: string, signed64 = true): bigint {
  if (op.kind !== 'imm') syntaxError(op.at, `operand type mismatch for '${mnemonic}'`);
  if (op.expr.symbol !== undefined)
    syntaxError(op.at, `symbolic immediate '${op.text}' is not supported`);
  // A 64-bit immediate may be written as its unsigned two's complement (`$0xffffffffffffffff`).
  const v =
    size === 8 && signed64 && op.expr.value >= 1n << 63n
      ? BigInt.asIntN(64, op.expr.value)
      : op.expr.value;
  const bits = BigInt(size * 8);
  const lo = -(1n << (bits - 1n));
  const hi = size === 8 && signed64 ? (1n << 31n) - 1n : (1n << bits) - 1n;
  const min = size === 8 && signed64 ? -(1n << 31n) : lo;
  if (v < min || v > hi) syntaxError(op.at, `immediate ${v} out of range for ${mnemonic}`);
  return BigInt.asIntN(size * 8, v);
}

function fitsInt8(v: bigint): boolean {
  return v >= -128n && v <= 127n;
}

/** The operand size from the suffix and the register operands; they must agree. */
function operandSize(
  stmt: Statement,
  ops: AsmOperand[],
  explicit: Size | undefined,
  fallback?: Size,
): Size {
  let size = explicit;
  for (const op of ops) {
    if (op.kind !== 'reg') continue;
    if (size !== undefined && op.reg.size !== size) {
      syntaxError(
        op.at,
        `register '${op.text}' does not match the ${size * 8}-bit operand size of '${stmt.name}'`,
      );
    }
    size = op.reg.size;
  }
  if (size === undefined) {
    if (fallback) return fallback;
    syntaxError(
      stmt.at,
      `no instruction mnemonic suffix given and no register operands; can't size '${stmt.name}'`,
    );
  }
  return size;
}

function expectCount(stmt: Statement, ops: AsmOperand[], ...counts: number[]): void {
  if (!counts.includes(ops.length)) {
    syntaxError(
      stmt.at,
      `'${stmt.name}' takes ${counts.join(' or ')} operand${counts.length === 1 && counts[0] === 1 ? '' : 's'}, got ${ops.length}`,
    );
  }
}

function isReg(op: AsmOperand): op is Extract<AsmOperand, { kind: 'reg' }> {
  return op.kind === 'reg';
}

function rmOperand(op: AsmOperand, mnemonic: string): AsmOperand {
  if (op.kind === 'imm') syntaxError(op.at, `operand type mismatch for '${mnemonic}'`);
  return op;
}

/** Sets the operand-size prefix / REX.W for `size` (8-bit forms use their own opcodes). */
function sizePrefix(b: Builder, size: Size, defaultIs64 = false): void {
  if (size === 2) b.opsize16 = true;
  if (size === 8 && !defaultIs64) b.rex |= 8;
}

function encodeAlu(b: Builder, name: string, n: number, ops: AsmOperand[], size: Size): void {
  const [src, dst] = ops;
  sizePrefix(b, size);
  const w = size === 1 ? 0 : 1;
  if (src.kind === 'imm') {
    const v = immValue(src, size, name);
    const acc = isReg(dst) && dst.reg.reg === 0;
    if (size === 1 && acc) {
      b.opcode = [0x04 + 8 * n];
      b.imm(v, 1);
    } else if (size !== 1 && fitsInt8(v)) {
      b.opcode = [0x83];
      b.modrm(n, rmOperand(dst, name));
      b.imm(v, 1);
    } else if (acc) {
      b.opcode = [0x05 + 8 * n];
      b.imm(v, Math.min(size, 4));
    } else {
      b.opcode = [0x80 | w];
      b.modrm(n, rmOperand(dst, name));
      b.imm(v, Math.min(size, 4));
    }
  } else if (isReg(src)) {
    b.opcode = [8 * n + w];
    b.modrm(b.useReg(src.reg), rmOperand(dst, name));
  } else if (isReg(dst)) {
    b.opcode = [8 * n + 2 + w];
    b.modrm(b.useReg(dst.reg), src);
  } else {
    syntaxError(src.at, `too many memory references for '${name}'`);
  }
}

function encodeTest(b: Builder, name: string, ops: AsmOperand[], size: Size): void {
  let [src, dst] = ops;
  sizePrefix(b, size);
  const w = size === 1 ? 0 : 1;
  if (src.kind === 'imm') {
    const v = immValue(src, size, name);
    if (isReg(dst) && dst.reg.reg === 0) {
      b.opcode = [0xa8 | w];
    } else {
      b.opcode = [0xf6 | w];
      b.modrm(0, rmOperand(dst, 'test'));
    }
    b.imm(v, Math.min(size, 4));
    return;
  }
  if (!isReg(src)) [src, dst] = [dst, src];
  if (!isReg(src)) syntaxError(ops[0].at, `too many memory references for 'test'`);
  b.opcode = [0x84 | w];
  b.modrm(b.useReg(src.reg), rmOperand(dst, 'test'));
}

function encodeMov(b: Builder, name: string, ops: AsmOperand[], size: Size, movabs: boolean): void {
  const [src, dst] = ops;
  sizePrefix(b, size);
  const w = size === 1 ? 0 : 1;
  // gas also picks the moffs form for `{disp32}` MOV between the accumulator and an absolute address.
  const moffs = (m: AsmOperand, r: AsmOperand): boolean =>
    m.kind === 'mem' && m.bare && isReg(r) && r.reg.reg === 0 && b.dispBits === 32;
  if (
    (movabs && (src.kind === 'mem' || dst.kind === 'mem')) ||
    moffs(src, dst) ||
    moffs(dst, src)
  ) {
    // MOV with a 64-bit absolute address: only to or from the accumulator (A0..A3).
    const load = src.kind === 'mem';
    const m = (load ? src : dst) as Mem;
    const r = load ? dst : src;
    if (!isReg(r) || r.reg.reg !== 0 || !m.bare || m.disp.symbol !== undefined) {
      syntaxError(m.at, `operand type mismatch for 'movabs'`);
    }
    b.opcode = [(load ? 0xa0 : 0xa2) | w];
    b.imm(m.disp.value, 8);
    return;
  }
  if (src.kind === 'imm') {
    if (isReg(dst)) {
      const n = b.useReg(dst.reg);
      if (n >= 8) b.rex |= 1;
      const v = immValue(src, size, name, false);
      if (size === 8 && !movabs && BigInt.asIntN(32, v) === v) {
        b.opcode = [0xc7];
        b.tail.push(0xc0 | (n & 7));
        b.imm(v, 4);
      } else {
        b.opcode = [(size === 1 ? 0xb0 : 0xb8) + (n & 7)];
        b.imm(v, size);
      }
      return;
    }
    if (movabs) syntaxError(src.at, `operand type mismatch for 'movabs'`);
    b.opcode = [0xc6 | w];
    b.modrm(0, dst);
    b.imm(immValue(src, size, name), Math.min(size, 4));
    return;
  }
  if (movabs) syntaxError(src.at, `operand type mismatch for 'movabs'`);
  if (isReg(src)) {
    b.opcode = [0x88 | w];
    b.modrm(b.useReg(src.reg), rmOperand(dst, 'mov'));
  } else if (isReg(dst)) {
    b.opcode = [0x8a | w];
    b.modrm(b.useReg(dst.reg), src);
  } else {
    syntaxError(src.at, `too many memory references for 'mov'`);
  }
}

function encodeExtension(
  b: Builder,
  stmt: Statement,
  ops: AsmOperand[],
  spec: [boolean, number, number],
): void {
  expectCount(stmt, ops, 2);
  const [src, dst] = ops;
  if (!isReg(dst)) syntaxError(dst.at, `operand type mismatch for '${stmt.name}'`);
  const [signed, fixedSrc, fixedDst] = spec;
  const dstSize = fixedDst || dst.reg.size;
  if (dst.reg.size !== dstSize)
    syntaxError(dst.at, `register '${dst.text}' does not match '${stmt.name}'`);
  const srcSize = isReg(src) ? src.reg.size : fixedSrc || 1;
  if (fixedSrc && srcSize !== fixedSrc)
    syntaxError(src.at, `register '${src.text}' does not match '${stmt.name}'`);
  if (srcSize >= dstSize || src.kind === 'imm')
    syntaxError(src.at, `operand type mismatch for '${stmt.name}'`);
  sizePrefix(b, dstSize as Size);
  b.opcode = srcSize === 4 ? [0x63] : [0x0f, (signed ? 0xbe : 0xb6) | (srcSize === 2 ? 1 : 0)];
  b.modrm(b.useReg(dst.reg), src);
}

function encodeShift(b: Builder, name: string, n: number, ops: AsmOperand[], size: Size): void {
  const dst = rmOperand(ops[ops.length - 1], name);
  sizePrefix(b, size);
  const w = size === 1 ? 0 : 1;
  const count = ops.length === 2 ? ops[0] : undefined;
  if (count === undefined) {
    b.opcode = [0xd0 | w];
    b.modrm(n, dst);
  } else if (isReg(count)) {
    if (count.reg.reg !== 1 || count.reg.size !== 1)
      syntaxError(count.at, `shift count must be %cl or an immediate, not '${count.text}'`);
    b.opcode = [0xd2 | w];
    b.modrm(n, dst);
  } else {
    const v = immValue(count, 1, name);
    if (v === 1n) {
      b.opcode = [0xd0 | w];
      b.modrm(n, dst);
    } else {
      b.opcode = [0xc0 | w];
      b.modrm(n, dst);
      b.imm(v, 1);
    }
  }
}

function encodeImul(b: Builder, stmt: Statement, ops: AsmOperand[], size: Size): void {
  sizePrefix(b, size);
  if (ops.length === 1) {
    b.opcode = [0xf6 | (size === 1 ? 0 : 1)];
    b.modrm(5, rmOperand(ops[0], 'imul'));
    return;
  }
  const dst = ops[ops.length - 1];
  if (!isReg(dst) || size === 1) syntaxError(dst.at, `operand type mismatch for 'imul'`);
  if (ops.length === 2 && ops[0].kind !== 'imm') {
    b.opcode = [0x0f, 0xaf];
    b.modrm(b.useReg(dst.reg), ops[0]);
    return;
  }
  const src = ops.length === 3 ? rmOperand(ops[1], 'imul') : dst;
  const v = immValue(ops[0], size, stmt.name);
  b.opcode = [fitsInt8(v) ? 0x6b : 0x69];
  b.modrm(b.useReg(dst.reg), src);
  b.imm(v, fitsInt8(v) ? 1 : Math.min(size, 4));
}

function encodeXchg(b: Builder, name: string, ops: AsmOperand[], size: Size): void {
  let [a, c] = ops;
  sizePrefix(b, size);
  if (size !== 1 && isReg(a) && isReg(c) && (a.reg.reg === 0 || c.reg.reg === 0)) {
    const other = a.reg.reg === 0 ? c : a;
    if (other.reg.reg === 0 && size === 4) {
      // XCHG EAX,EAX must zero-extend, so it cannot be 90 (NOP) in 64-bit mode.
      b.opcode = [0x87];
      b.tail.push(0xc0);
      return;
    }
    if (other.reg.reg === 0 && size === 8) b.rex &= ~8;
    if (other.reg.reg >= 8) b.rex |= 1;
    b.opcode = [0x90 + (other.reg.reg & 7)];
    return;
  }
  if (!isReg(a)) [a, c] = [c, a];
  if (!isReg(a)) syntaxError(ops[0].at, `too many memory references for '${name}'`);
  b.opcode = [size === 1 ? 0x86 : 0x87];
  b.modrm(b.useReg(a.reg), rmOperand(c, name));
}

function branchTarget(op: AsmOperand, name: string): Expression {
  if (op.kind !== 'mem' || !op.bare || op.indirect)
    syntaxError(op.at, `bad branch target '${op.text}' for '${name}'`);
  return op.disp;
}

function encodeIndirect(b: Builder, stmt: Statement, op: AsmOperand, digit: number): void {
  if (op.kind === 'reg' && op.reg.size !== 8)
    syntaxError(op.at, `operand type mismatch for '${stmt.name}'`);
  b.opcode = [0xff];
  b.modrm(digit, rmOperand(op, stmt.name));
}

/** Encodes one instruction statement. */
export function encodeInstruction(stmt: Statement): EncodedInsn {
  const { base, size: explicit } = resolveMnemonic(stmt.name, stmt.at);
  const ops = stmt.args.map((a) => parseOperand(a.text, a.at));
  const b = new Builder(stmt.at);
  for (const p of stmt.prefixes) {
    if (p === 'data16') b.prefixes.push(0x66);
    else if (p === 'cs') b.prefixes.push(0x2e);
  }
  if (stmt.prefixes.includes('lock')) {
    const dst = ops[ops.length - 1];
    const memDst = dst?.kind === 'mem' || (base === 'xchg' && ops.some((o) => o.kind === 'mem'));
    if (!lockable.has(base) || !memDst)
      syntaxError(stmt.at, `expecting lockable instruction after 'lock', got '${stmt.name}'`);
  }
  if (ops.filter((o) => o.kind === 'mem').length > 1)
    syntaxError(stmt.at, `too many memory references for '${stmt.name}'`);
  for (const op of ops) {
    if (op.indirect && base !== 'call' && base !== 'jmp')
      syntaxError(op.at, `unexpected '*' in '${op.text}'`);
  }
  b.lock = stmt.prefixes.includes('lock');
  b.dispBits = stmt.prefixes.includes('{disp32}') ? 32 : stmt.prefixes.includes('{disp8}') ? 8 : 0;
  const fixed = bare[base];
  if (fixed) {
    expectCount(stmt, ops, 0);
    return { bytes: [...b.prefixes, ...fixed] };
  }
  const ext = extensions[base];
  if (ext) {
    encodeExtension(b, stmt, ops, ext);
    return b.finish();
  }
  if (base.startsWith('j') && base !== 'jmp') {
    expectCount(stmt, ops, 1);
    const cond = conditionAliases.get(base.slice(1))!;
    const target = branchTarget(ops[0], stmt.name);
    const long = [0x0f, 0x80 + cond];
    // `{disp32}` asks for the rel32 form from the start.
    const short = b.dispBits === 32 ? undefined : [0x70 + cond];
    return {
      bytes: [],
      branch: short ? { short, long, target, at: ops[0].at } : { long, target, at: ops[0].at },
    };
  }
  switch (base) {
    case 'add':
    case 'or':
    case 'and':
    case 'sub':
    case 'xor':
    case 'cmp': {
      expectCount(stmt, ops, 2);
      encodeAlu(b, stmt.name, aluIndex[base], ops, operandSize(stmt, ops, explicit));
      break;
    }
    case 'test':
      expectCount(stmt, ops, 2);
      encodeTest(b, stmt.name, ops, operandSize(stmt, ops, explicit));
      break;
    case 'mov':
    case 'movabs':
      expectCount(stmt, ops, 2);
      encodeMov(b, stmt.name, ops, operandSize(stmt, ops, explicit), base === 'movabs');
      break;
    case 'lea': {
      expectCount(stmt, ops, 2);
      const [src, dst] = ops;
      if (src.kind !== 'mem' || !isReg(dst) || dst.reg.size === 1)
        syntaxError(src.at, `operand type mismatch for 'lea'`);
      sizePrefix(b, operandSize(stmt, [dst], explicit));
      b.opcode = [0x8d];
      b.modrm(b.useReg(dst.reg), src);
      break;
    }
    case 'inc':
    case 'dec':
    case 'not':
    case 'neg':
    case 'mul':
    case 'div':
    case 'idiv': {
      expectCount(stmt, ops, 1);
      const size = operandSize(stmt, ops, explicit);
      sizePrefix(b, size);
      const w = size === 1 ? 0 : 1;
      b.opcode = [base === 'inc' || base === 'dec' ? 0xfe | w : 0xf6 | w];
      b.modrm(
        base === 'inc' ? 0 : base === 'dec' ? 1 : group3Index[base],
        rmOperand(ops[0], stmt.name),
      );
      break;
    }
    case 'imul':
      expectCount(stmt, ops, 1, 2, 3);
      encodeImul(b, stmt, ops, operandSize(stmt, ops.slice(ops.length === 1 ? 0 : 1), explicit));
      break;
    case 'shl':
    case 'sal':
    case 'shr':
    case 'sar':
    case 'rol':
    case 'ror': {
      expectCount(stmt, ops, 1, 2);
      encodeShift(b, stmt.name, shiftIndex[base], ops, operandSize(stmt, ops.slice(-1), explicit));
      break;
    }
    case 'xchg':
    case 'xadd':
    case 'cmpxchg': {
      expectCount(stmt, ops, 2);
      const size = operandSize(stmt, ops, explicit);
      if (base === 'xchg') {
        encodeXchg(b, stmt.name, ops, size);
      } else {
        const [src, dst] = ops;
        if (!isReg(src)) syntaxError(src.at, `operand type mismatch for '${stmt.name}'`);
        sizePrefix(b, size);
        b.opcode = [0x0f, (base === 'xadd' ? 0xc0 : 0xb0) | (size === 1 ? 0 : 1)];
        b.modrm(b.useReg(src.reg), rmOperand(dst, stmt.name));
      }
      break;
    }
    case 'bswap': {
      expectCount(stmt, ops, 1);
      const size = operandSize(stmt, ops, explicit);
      const r = ops[0];
      if (!isReg(r) || size < 4) syntaxError(r.at, `operand type mismatch for 'bswap'`);
      sizePrefix(b, size);
      if (r.reg.reg >= 8) b.rex |= 1;
      b.opcode = [0x0f, 0xc8 + (r.reg.reg & 7)];
      break;
    }
    case 'push':
    case 'pop': {
      expectCount(stmt, ops, 1);
      const op = ops[0];
      const size = operandSize(stmt, ops, explicit, 8);
      if (size !== 8 && size !== 2) syntaxError(op.at, `invalid operand size for '${stmt.name}'`);
      sizePrefix(b, size, true);
      if (op.kind === 'imm') {
        if (base === 'pop') syntaxError(op.at, `operand type mismatch for 'pop'`);
        const v = immValue(op, 8, stmt.name);
        b.opcode = [fitsInt8(v) ? 0x6a : 0x68];
        b.imm(v, fitsInt8(v) ? 1 : 4);
      } else if (isReg(op)) {
        if (op.reg.reg >= 8) b.rex |= 1;
        b.opcode = [(base === 'push' ? 0x50 : 0x58) + (op.reg.reg & 7)];
      } else {
        b.opcode = [base === 'push' ? 0xff : 0x8f];
        b.modrm(base === 'push' ? 6 : 0, op);
      }
      break;
    }
    case 'call':
    case 'jmp': {
      expectCount(stmt, ops, 1);
      const op = ops[0];
      if (op.indirect || op.kind === 'reg') {
        encodeIndirect(b, stmt, op, base === 'call' ? 2 : 4);
        break;
      }
      const target = branchTarget(op, stmt.name);
      const long = [base === 'call' ? 0xe8 : 0xe9];
      const short = base === 'call' || b.dispBits === 32 ? undefined : [0xeb];
      return {
        bytes: [],
        branch: short ? { short, long, target, at: op.at } : { long, target, at: op.at },
      };
    }
    case 'ret':
      expectCount(stmt, ops, 0, 1);
      if (ops.length === 0) return { bytes: [0xc3] };
      b.opcode = [0xc2];
      b.imm(immValue(ops[0], 2, 'ret'), 2);
      break;
    case 'nop': {
      expectCount(stmt, ops, 0, 1);
      if (ops.length === 0) return { bytes: [...b.prefixes, 0x90] };
      const size = operandSize(stmt, ops, explicit);
      if (size === 1) syntaxError(ops[0].at, `operand type mismatch for 'nop'`);
      sizePrefix(b, size);
      b.opcode = [0x0f, 0x1f];
      b.modrm(0, rmOperand(ops[0], stmt.name));
      break;
    }
    default:
      syntaxError(stmt.at, `no such instruction: '${stmt.name}'`);
  }
  return b.finish();
}
