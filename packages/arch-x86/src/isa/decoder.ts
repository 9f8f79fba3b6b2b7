/**
 * Decoder for the x86-64 subset: legacy prefixes, REX, the one-byte and
 * `0F` opcode maps, ModRM/SIB addressing (Intel SDM vol. 2, chapter 2 and
 * appendix A). Anything outside the subset, and every encoding the CPU
 * would reject with #UD (LOCK on a non-lockable form, LEA of a register),
 * decodes to `null`.
 *
 * @module
 */
import { BASE_RIP, NO_REG, Op, OperandKind, type X86Insn } from './insn';
import { HIGH_BYTE } from './registers';

type Size = 1 | 2 | 4 | 8;
type Builder = { -readonly [K in keyof X86Insn]: X86Insn[K] };

/** Group-1 ALU operations by ModRM.reg / opcode bits 5:3 (ADC and SBB are outside the subset). */
const aluOps: readonly (Op | -1)[] = [Op.Add, Op.Or, -1, -1, Op.And, Op.Sub, Op.Xor, Op.Cmp];
/** Group-2 shifts by ModRM.reg (RCL, RCR and the /6 alias are outside the subset). */
const shiftOps: readonly (Op | -1)[] = [Op.Rol, Op.Ror, -1, -1, Op.Shl, Op.Shr, -1, Op.Sar];
/** Group-3 by ModRM.reg (/1 is an undocumented TEST alias). */
const group3Ops: readonly (Op | -1)[] = [
  Op.Test,
  -1,
  Op.Not,
  Op.Neg,
  Op.Mul,
  Op.Imul1,
  Op.Div,
  Op.Idiv,
];
/** Operations that accept LOCK when their destination is memory (SDM vol. 2, LOCK). */
const lockable = new Set<Op>([
  Op.Add,
  Op.Or,
  Op.And,
  Op.Sub,
  Op.Xor,
  Op.Inc,
  Op.Dec,
  Op.Neg,
  Op.Not,
  Op.Xchg,
  Op.Xadd,
  Op.Cmpxchg,
]);

/** Operations whose operand size a 66 prefix cannot change. */
const unsized = new Set<Op>([
  Op.Call,
  Op.Jmp,
  Op.Jcc,
  Op.Ret,
  Op.Int3,
  Op.Ud2,
  Op.Cpuid,
  Op.Serialize,
  Op.Mfence,
  Op.Lfence,
  Op.Sfence,
  Op.Hlt,
  Op.Pause,
  Op.Iretq,
]);

/** Decoding cursor state, reset for every instruction. */
class Cursor {
  p = 0;
  end = 0;
  bytes: Uint8Array = new Uint8Array(0);
  rex = 0;
  /** ModRM fields of the last {@link modrm} call. */
  mod = 0;
  regField = 0;
  rmReg = 0;
  /**
   * REX bits the instruction consumed, plus 0x40 when REX changed a byte
   * register's meaning; objdump prints a REX prefix unless all of it was used.
   */
  rexUsed = 0;
  /** Offset just past the legacy prefixes. */
  prefixEnd = 0;
  /** objdump counts a 66 prefix as used without a 16-bit operand size (66 90 is XCHG; 66 REX.W 63 with a register). */
  opsizeSelectsForm = false;

  /** Marks REX bits `bits` used (only those present count, as objdump's USED_REX does). */
  useRex(bits: number): void {
    if (this.rex & bits) this.rexUsed |= (this.rex & bits) | 0x40;
  }

  /** A register number encoded in the opcode's low 3 bits, extended by REX.B. */
  opcodeReg(b: number): number {
    this.useRex(1);
    return (b & 7) | ((this.rex & 1) << 3);
  }

  byte(): number {
    if (this.p >= this.end) throw truncated;
    return this.bytes[this.p++];
  }

  /** Reads a little-endian signed immediate of `n` bytes (1, 2 or 4). */
  signed(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v |= this.byte() << (8 * i);
    return n === 4 ? v | 0 : (v << (32 - 8 * n)) >> (32 - 8 * n);
  }

  unsigned32(): number {
    return this.signed(4) >>> 0;
  }
}

/** Thrown internally when the bytes end inside an instruction. */
const truncated = new Error('truncated');

function blank(): Builder {
  return {
    op: Op.Nop,
    size: 4,
    srcSize: 4,
    dstKind: OperandKind.None,
    dstReg: 0,
    srcKind: OperandKind.None,
    srcReg: 0,
    hasImm3: false,
    immLo: 0,
    immHi: 0,
    memBase: NO_REG,
    memIndex: NO_REG,
    memScale: 1,
    memRiz: false,
    dispLo: 0,
    dispHi: 0,
    memDispShown: false,
    rel: 0,
    cond: 0,
    lock: false,
    length: 0,
    prefixText: '',
    movabs: false,
  };
}

/**
 * Reads ModRM (and SIB and displacement); fills the memory fields of `d`
 * and returns the r/m operand kind. Register numbers include REX.R/B.
 */
function modrm(c: Cursor, d: Builder): OperandKind {
  const m = c.byte();
  c.mod = m >> 6;
  c.regField = ((m >> 3) & 7) | ((c.rex & 4) << 1);
  const rm = m & 7;
  c.useRex(1);
  if (c.mod === 3) {
    c.rmReg = rm | ((c.rex & 1) << 3);
    return OperandKind.Reg;
  }
  let dispBytes = c.mod === 1 ? 1 : c.mod === 2 ? 4 : 0;
  if (rm === 4) {
    const sib = c.byte();
    c.useRex(2);
    const index = ((sib >> 3) & 7) | ((c.rex & 2) << 2);
    const base = sib & 7;
    d.memScale = 1 << (sib >> 6);
    d.memIndex = index === 4 ? NO_REG : index;
    if (base === 5 && c.mod === 0) {
      d.memBase = NO_REG;
      dispBytes = 4;
    } else {
      d.memBase = base | ((c.rex & 1) << 3);
    }
    // objdump shows the absent index as %riz unless the SIB byte is the plain (%rsp)/disp32 form.
    d.memRiz = index === 4 && (d.memScale !== 1 || (base !== 4 && d.memBase !== NO_REG));
  } else if (rm === 5 && c.mod === 0) {
    d.memBase = BASE_RIP;
    dispBytes = 4;
  } else {
    d.memBase = rm | ((c.rex & 1) << 3);
  }
  d.memDispShown = dispBytes !== 0;
  if (dispBytes) {
    const disp = c.signed(dispBytes);
    d.dispLo = disp >>> 0;
    d.dispHi = disp < 0 ? 0xffffffff : 0;
  }
  return OperandKind.Mem;
}

/** Byte registers 4..7 mean AH..BH unless a REX prefix is present (SDM 3.7.2.1). */
function byteReg(c: Cursor, reg: number, size: number): number {
  if (size === 1 && c.rex && reg >= 4 && reg < 8) c.rexUsed |= 0x40;
  return size === 1 && c.rex === 0 && reg >= 4 && reg < 8 ? HIGH_BYTE + reg - 4 : reg;
}

function setImm(d: Builder, value: number): void {
  d.immLo = value >>> 0;
  d.immHi = value < 0 ? 0xffffffff : 0;
}

/** Reads an immediate of the operand size (imm32 sign-extended for 64-bit operands). */
function immZ(c: Cursor, d: Builder, size: Size): void {
  setImm(d, c.signed(size === 8 ? 4 : size));
  d.srcKind = OperandKind.Imm;
}

/** `op Ev, Gv` (`regIsSrc`) or `op Gv, Ev` with the ModRM operands. */
function regRm(c: Cursor, d: Builder, size: Size, regIsSrc: boolean): void {
  const rmKind = modrm(c, d);
  c.useRex(4);
  const reg = byteReg(c, c.regField, size);
  const rm = rmKind === OperandKind.Reg ? byteReg(c, c.rmReg, size) : 0;
  if (regIsSrc) {
    d.dstKind = rmKind;
    d.dstReg = rm;
    d.srcKind = OperandKind.Reg;
    d.srcReg = reg;
  } else {
    d.dstKind = OperandKind.Reg;
    d.dstReg = reg;
    d.srcKind = rmKind;
    d.srcReg = rm;
  }
}

/** The r/m operand alone as destination; returns ModRM.reg without REX.R (the group's /digit). */
function rmOnly(c: Cursor, d: Builder, size: Size): number {
  d.dstKind = modrm(c, d);
  if (d.dstKind === OperandKind.Reg) d.dstReg = byteReg(c, c.rmReg, size);
  return c.regField & 7;
}

function decodeTwoByte(c: Cursor, d: Builder, osize: Size): boolean {
  const b = c.byte();
  if (b >= 0x80 && b <= 0x8f) {
    d.op = Op.Jcc;
    d.cond = b & 15;
    d.rel = c.signed(4);
    return true;
  }
  if (b >= 0xc8 && b <= 0xcf) {
    d.op = Op.Bswap;
    d.size = osize === 8 ? 8 : 4;
    d.dstKind = OperandKind.Reg;
    d.dstReg = c.opcodeReg(b);
    return osize !== 2;
  }
  switch (b) {
    case 0x0b:
      d.op = Op.Ud2;
      return true;
    case 0x1f:
      d.op = Op.Nop;
      d.size = osize;
      return rmOnly(c, d, osize) === 0;
    case 0xa2:
      d.op = Op.Cpuid;
      return true;
    case 0xaf:
      d.op = Op.Imul;
      d.size = osize;
      regRm(c, d, osize, false);
      return true;
    case 0xb0:
    case 0xb1:
    case 0xc0:
    case 0xc1: {
      d.op = b < 0xc0 ? Op.Cmpxchg : Op.Xadd;
      const size = b & 1 ? osize : 1;
      d.size = size;
      regRm(c, d, size, true);
      return true;
    }
    case 0xb6:
    case 0xb7:
    case 0xbe:
    case 0xbf: {
      d.op = b < 0xbe ? Op.Movzx : Op.Movsx;
      d.srcSize = b & 1 ? 2 : 1;
      d.size = osize;
      const rmKind = modrm(c, d);
      c.useRex(4);
      d.dstKind = OperandKind.Reg;
      d.dstReg = c.regField;
      d.srcKind = rmKind;
      if (rmKind === OperandKind.Reg) d.srcReg = byteReg(c, c.rmReg, d.srcSize);
      return d.srcSize < osize;
    }
    case 0x01:
      if (c.byte() !== 0xe8) return false;
      d.op = Op.Serialize;
      return true;
    case 0xae: {
      const m = c.byte();
      d.op = m === 0xf0 ? Op.Mfence : m === 0xe8 ? Op.Lfence : Op.Sfence;
      return m === 0xf0 || m === 0xe8 || m === 0xf8;
    }
    default:
      return false;
  }
}

/** Decodes the opcode at the cursor into `d`; false when it is outside the subset. */
function decodeOpcode(c: Cursor, d: Builder, osize: Size, opsize: number, rep: boolean): boolean {
  const b = c.byte();
  if (b < 0x40 && (b & 7) < 6) {
    const op = aluOps[b >> 3];
    if (op === -1) return false;
    d.op = op;
    const size: Size = b & 1 ? osize : 1;
    d.size = size;
    switch (b & 7) {
      case 0:
      case 1:
        regRm(c, d, size, true);
        return true;
      case 2:
      case 3:
        regRm(c, d, size, false);
        return true;
      default:
        d.dstKind = OperandKind.Reg;
        d.dstReg = 0;
        immZ(c, d, size);
        return true;
    }
  }
  if (b >= 0x50 && b <= 0x5f) {
    d.op = b < 0x58 ? Op.Push : Op.Pop;
    d.size = osize === 2 ? 2 : 8;
    d.dstKind = OperandKind.Reg;
    d.dstReg = c.opcodeReg(b);
    return true;
  }
  if (b >= 0x70 && b <= 0x7f) {
    d.op = Op.Jcc;
    d.cond = b & 15;
    d.rel = c.signed(1);
    return true;
  }
  if (b >= 0x91 && b <= 0x97) {
    d.op = Op.Xchg;
    d.size = osize;
    d.dstKind = OperandKind.Reg;
    d.dstReg = c.opcodeReg(b);
    d.srcKind = OperandKind.Reg;
    d.srcReg = 0;
    return true;
  }
  if (b >= 0xb0 && b <= 0xbf) {
    d.op = Op.Mov;
    const size: Size = b < 0xb8 ? 1 : osize;
    d.size = size;
    d.dstKind = OperandKind.Reg;
    d.dstReg = byteReg(c, c.opcodeReg(b), size);
    d.srcKind = OperandKind.Imm;
    if (size === 8) {
      d.immLo = c.unsigned32();
      d.immHi = c.unsigned32();
      d.movabs = true;
    } else {
      setImm(d, c.signed(size));
    }
    return true;
  }
  switch (b) {
    case 0x0f:
      return decodeTwoByte(c, d, osize);
    case 0x63:
      d.op = Op.Movsx;
      d.size = 8;
      d.srcSize = 4;
      regRm(c, d, 4, false);
      // objdump consumes a 66 here only when it names the source register.
      c.opsizeSelectsForm = d.srcKind === OperandKind.Reg;
      return osize === 8;
    case 0x68:
    case 0x6a:
      d.op = Op.Push;
      d.size = 8;
      d.dstKind = OperandKind.Imm;
      setImm(d, c.signed(b === 0x68 ? 4 : 1));
      return osize !== 2;
    case 0x69:
    case 0x6b:
      d.op = Op.Imul;
      d.size = osize;
      regRm(c, d, osize, false);
      d.hasImm3 = true;
      setImm(d, c.signed(b === 0x6b ? 1 : osize === 8 ? 4 : osize));
      return true;
    case 0x80:
    case 0x81:
    case 0x83: {
      const size: Size = b === 0x80 ? 1 : osize;
      d.size = size;
      const op = aluOps[rmOnly(c, d, size)];
      if (op === -1) return false;
      d.op = op;
      if (b === 0x83) {
        setImm(d, c.signed(1));
        d.srcKind = OperandKind.Imm;
      } else {
        immZ(c, d, size);
      }
      return true;
    }
    case 0x84:
    case 0x85:
    case 0x86:
    case 0x87:
    case 0x88:
    case 0x89:
    case 0x8a:
    case 0x8b: {
      d.op = b < 0x86 ? Op.Test : b < 0x88 ? Op.Xchg : Op.Mov;
      const size: Size = b & 1 ? osize : 1;
      d.size = size;
      regRm(c, d, size, b < 0x8a);
      return true;
    }
    case 0x8d:
      d.op = Op.Lea;
      d.size = osize;
      regRm(c, d, osize, false);
      return d.srcKind === OperandKind.Mem;
    case 0x8f:
      d.op = Op.Pop;
      d.size = osize === 2 ? 2 : 8;
      return rmOnly(c, d, d.size) === 0;
    case 0x90:
      if (rep) {
        d.op = Op.Pause;
      } else if (opsize || c.rex & 1) {
        c.opsizeSelectsForm = true;
        d.op = Op.Xchg;
        d.size = osize;
        d.dstKind = OperandKind.Reg;
        d.dstReg = c.opcodeReg(b);
        d.srcKind = OperandKind.Reg;
        d.srcReg = 0;
      }
      return true;
    case 0x98:
      d.op = Op.Cdqe;
      d.size = osize;
      return true;
    case 0x99:
      d.op = Op.Cwd;
      d.size = osize;
      return true;
    case 0xa0:
    case 0xa1:
    case 0xa2:
    case 0xa3: {
      d.op = Op.Mov;
      d.movabs = true;
      const size: Size = b & 1 ? osize : 1;
      d.size = size;
      d.dispLo = c.unsigned32();
      d.dispHi = c.unsigned32();
      d.memDispShown = true;
      const memIsSrc = b < 0xa2;
      d.dstKind = memIsSrc ? OperandKind.Reg : OperandKind.Mem;
      d.srcKind = memIsSrc ? OperandKind.Mem : OperandKind.Reg;
      return true;
    }
    case 0xa8:
    case 0xa9: {
      d.op = Op.Test;
      const size: Size = b & 1 ? osize : 1;
      d.size = size;
      d.dstKind = OperandKind.Reg;
      immZ(c, d, size);
      return true;
    }
    case 0xc0:
    case 0xc1:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const size: Size = b & 1 ? osize : 1;
      d.size = size;
      const op = shiftOps[rmOnly(c, d, size)];
      if (op === -1) return false;
      d.op = op;
      if (b < 0xd0) {
        d.srcKind = OperandKind.Imm;
        setImm(d, c.byte());
      } else {
        d.srcKind = b < 0xd2 ? OperandKind.One : OperandKind.Cl;
      }
      return true;
    }
    case 0xc2:
      d.op = Op.Ret;
      d.srcKind = OperandKind.Imm;
      setImm(d, c.signed(2) & 0xffff);
      return true;
    case 0xc3:
      d.op = Op.Ret;
      return true;
    case 0xc6:
    case 0xc7: {
      d.op = Op.Mov;
      const size: Size = b & 1 ? osize : 1;
      d.size = size;
      if (rmOnly(c, d, size) !== 0) return false;
      immZ(c, d, size);
      return true;
    }
    case 0xcc:
      d.op = Op.Int3;
      return true;
    case 0xcf:
      d.op = Op.Iretq;
      d.size = 8;
      return osize === 8;
    case 0xe8:
    case 0xe9:
      d.op = b === 0xe8 ? Op.Call : Op.Jmp;
      d.rel = c.signed(4);
      return true;
    case 0xeb:
      d.op = Op.Jmp;
      d.rel = c.signed(1);
      return true;
    case 0xf4:
      d.op = Op.Hlt;
      return true;
    case 0xf6:
    case 0xf7: {
      const size: Size = b & 1 ? osize : 1;
      d.size = size;
      const op = group3Ops[rmOnly(c, d, size)];
      if (op === -1) return false;
      d.op = op;
      if (op === Op.Test) immZ(c, d, size);
      return true;
    }
    case 0xfe:
    case 0xff: {
      const size: Size = b & 1 ? osize : 1;
      d.size = size;
      const digit = rmOnly(c, d, size);
      if (digit < 2) {
        d.op = digit === 0 ? Op.Inc : Op.Dec;
        return true;
      }
      if (b === 0xfe) return false;
      // CALL/JMP/PUSH r/m default to 64-bit operands in 64-bit mode (SDM 2.2.1.7).
      d.size = osize === 2 ? 2 : 8;
      if (digit === 2 || digit === 4) {
        d.op = digit === 2 ? Op.CallIndirect : Op.JmpIndirect;
        if (d.dstKind === OperandKind.Reg) d.dstReg = c.rmReg;
        return osize !== 2;
      }
      if (digit === 6) {
        d.op = Op.Push;
        if (d.dstKind === OperandKind.Reg) d.dstReg = c.rmReg;
        return true;
      }
      return false;
    }
    default:
      return false;
  }
}

/** Operations whose operand size is 64 bits whatever REX.W says (SDM 2.2.1.7). */
const defaultSize64 = new Set<Op>([Op.Push, Op.Pop, Op.CallIndirect, Op.JmpIndirect]);

/**
 * The prefix words objdump prints, in byte order: `lock`, `cs`, `data16`
 * for a 66 that does not set the operand size (byte operations, or REX.W
 * present, or all but the last of several), and the REX prefix (`rex`,
 * `rex.WB`, …) unless every bit of it was used.
 */
function prefixText(bytes: Uint8Array, offset: number, c: Cursor, d: Builder): string {
  if (d.size === 8 && !defaultSize64.has(d.op)) c.useRex(8);
  const opsizeUsed = d.size === 2 || c.opsizeSelectsForm;
  let lastOpsize = -1;
  for (let p = offset; p < c.prefixEnd; p++) if (bytes[p] === 0x66) lastOpsize = p;
  let text = '';
  for (let p = offset; p < c.prefixEnd; p++) {
    const b = bytes[p];
    if (b === 0x66) {
      if (!opsizeUsed || p !== lastOpsize) text += 'data16 ';
    } else if (b === 0xf0) {
      text += 'lock ';
    } else if (b === 0x2e) {
      text += 'cs ';
    }
  }
  if (c.rex && c.rex !== c.rexUsed) {
    const bits = ['W', 'R', 'X', 'B'].filter((_, i) => c.rex & (8 >> i)).join('');
    text += bits ? `rex.${bits} ` : 'rex ';
  }
  return text;
}

const cursor = new Cursor();

/**
 * Decodes one instruction of the subset from `bytes[offset..offset+available)`;
 * `null` when the bytes are incomplete or not a supported encoding.
 */
export function decodeX86(bytes: Uint8Array, offset: number, available: number): X86Insn | null {
  const c = cursor;
  c.bytes = bytes;
  c.p = offset;
  c.end = offset + Math.min(available, 15, bytes.length - offset);
  c.rex = 0;
  c.rexUsed = 0;
  let opsize = 0;
  let lock = false;
  let rep = false;
  let cs = false;
  try {
    for (;;) {
      const b = bytes[c.p];
      if (c.p >= c.end) return null;
      if (b === 0x66) opsize++;
      else if (b === 0xf0 && !lock) lock = true;
      else if (b === 0xf3 && !rep) rep = true;
      else if (b === 0x2e && !cs) cs = true;
      else break;
      c.p++;
    }
    c.prefixEnd = c.p;
    c.opsizeSelectsForm = false;
    if (c.p < c.end && (bytes[c.p] & 0xf0) === 0x40) c.rex = bytes[c.p++];
    const osize: Size = c.rex & 8 ? 8 : opsize ? 2 : 4;
    const d = blank();
    d.lock = lock;
    if (!decodeOpcode(c, d, osize, opsize, rep)) return null;
    if (d.op !== Op.Movzx && d.op !== Op.Movsx) d.srcSize = d.size;
    if (rep && d.op !== Op.Pause) return null;
    if (cs && d.op !== Op.Nop) return null;
    if (lock && !(lockable.has(d.op) && d.dstKind === OperandKind.Mem)) return null;
    if (opsize > 0 && unsized.has(d.op)) return null;
    if (opsize > 1 && d.op !== Op.Nop && d.op !== Op.Xchg) return null;
    d.prefixText = prefixText(bytes, offset, c, d);
    d.length = c.p - offset;
    return d;
  } catch (e) {
    if (e === truncated) return null;
    throw e;
  }
}
