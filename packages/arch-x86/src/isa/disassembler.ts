/**
 * The text `objdump -d -M att` prints for a decoded instruction, with runs
 * of white space collapsed and objdump's comments dropped. objdump adds a
 * size suffix only when no register operand fixes the operand size.
 *
 * @module
 */
import type { DisassembledInsn, DisassembleOptions } from '@execmem/core';
import { decodeX86 } from './decoder';
import { BASE_RIP, conditionNames, NO_REG, Op, OperandKind, type X86Insn } from './insn';
import { registerName } from './registers';

const suffixes = ['', 'b', 'w', '', 'l', '', '', '', 'q'];

/** Mnemonics of the operations printed as `name` + optional suffix. */
const plainNames: Partial<Record<Op, string>> = {
  [Op.Mov]: 'mov',
  [Op.Lea]: 'lea',
  [Op.Add]: 'add',
  [Op.Or]: 'or',
  [Op.And]: 'and',
  [Op.Sub]: 'sub',
  [Op.Xor]: 'xor',
  [Op.Cmp]: 'cmp',
  [Op.Test]: 'test',
  [Op.Inc]: 'inc',
  [Op.Dec]: 'dec',
  [Op.Neg]: 'neg',
  [Op.Not]: 'not',
  [Op.Rol]: 'rol',
  [Op.Ror]: 'ror',
  [Op.Shl]: 'shl',
  [Op.Shr]: 'shr',
  [Op.Sar]: 'sar',
  [Op.Mul]: 'mul',
  [Op.Imul1]: 'imul',
  [Op.Imul]: 'imul',
  [Op.Div]: 'div',
  [Op.Idiv]: 'idiv',
  [Op.Bswap]: 'bswap',
  [Op.Xchg]: 'xchg',
  [Op.Xadd]: 'xadd',
  [Op.Cmpxchg]: 'cmpxchg',
  [Op.Nop]: 'nop',
};

/** Operations printed as a bare word. */
const bareNames: Partial<Record<Op, string>> = {
  [Op.Int3]: 'int3',
  [Op.Ud2]: 'ud2',
  [Op.Cpuid]: 'cpuid',
  [Op.Serialize]: 'serialize',
  [Op.Mfence]: 'mfence',
  [Op.Lfence]: 'lfence',
  [Op.Sfence]: 'sfence',
  [Op.Hlt]: 'hlt',
  [Op.Pause]: 'pause',
  [Op.Iretq]: 'iretq',
};

function hex(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

function signedHex(v: number): string {
  return v < 0 ? `-0x${(-v).toString(16)}` : hex(v);
}

/** The immediate masked to `size` bytes, as objdump prints it. */
function imm(insn: X86Insn, size: number): string {
  const v = (BigInt(insn.immHi) << 32n) | BigInt(insn.immLo);
  return `$${hex(BigInt.asUintN(size * 8, v))}`;
}

function reg(r: number, size: number): string {
  return `%${registerName(r, size)}`;
}

function memory(insn: X86Insn): string {
  const disp = insn.dispLo | 0;
  if (insn.memBase === BASE_RIP) return `${signedHex(disp)}(%rip)`;
  if (insn.memBase === NO_REG && insn.memIndex === NO_REG && !insn.memRiz) {
    return hex((BigInt(insn.dispHi) << 32n) | BigInt(insn.dispLo));
  }
  const base = insn.memBase === NO_REG ? '' : reg(insn.memBase, 8);
  const indexName = insn.memRiz ? '%riz' : insn.memIndex === NO_REG ? '' : reg(insn.memIndex, 8);
  const index = indexName ? `,${indexName},${insn.memScale}` : '';
  return `${insn.memDispShown ? signedHex(disp) : ''}(${base}${index})`;
}

function operand(insn: X86Insn, kind: number, r: number, size: number): string {
  switch (kind) {
    case OperandKind.Reg:
      return reg(r, size);
    case OperandKind.Mem:
      return memory(insn);
    case OperandKind.Imm:
      return imm(insn, size);
    case OperandKind.Cl:
      return '%cl';
    default:
      return '';
  }
}

function branchTarget(insn: X86Insn, address: bigint): string {
  return hex(BigInt.asUintN(64, address + BigInt(insn.length + insn.rel)));
}

/** The operand list in AT&T order. */
function operands(insn: X86Insn): string {
  const { size } = insn;
  const dst = operand(insn, insn.dstKind, insn.dstReg, size);
  switch (insn.op) {
    case Op.Movzx:
    case Op.Movsx:
      return `${operand(insn, insn.srcKind, insn.srcReg, insn.srcSize)},${dst}`;
    case Op.Imul:
      return insn.hasImm3
        ? `${imm(insn, size)},${operand(insn, insn.srcKind, insn.srcReg, size)},${dst}`
        : `${operand(insn, insn.srcKind, insn.srcReg, size)},${dst}`;
    case Op.Rol:
    case Op.Ror:
    case Op.Shl:
    case Op.Shr:
    case Op.Sar:
      if (insn.srcKind === OperandKind.One) return dst;
      return `${insn.srcKind === OperandKind.Imm ? imm(insn, 1) : '%cl'},${dst}`;
    case Op.Push:
      return insn.dstKind === OperandKind.Imm ? imm(insn, 8) : dst;
    default:
      return insn.srcKind === OperandKind.None
        ? dst
        : `${operand(insn, insn.srcKind, insn.srcReg, size)},${dst}`;
  }
}

/** The mnemonic with the suffix objdump adds when no register operand gives the size. */
function mnemonic(insn: X86Insn): string {
  const suffix = suffixes[insn.size];
  switch (insn.op) {
    case Op.Movzx:
    case Op.Movsx:
      return `mov${insn.op === Op.Movzx ? 'z' : 's'}${suffixes[insn.srcSize]}${suffix}`;
    case Op.Jcc:
      return `j${conditionNames[insn.cond]}`;
    case Op.Call:
    case Op.CallIndirect:
      return 'call';
    case Op.Jmp:
    case Op.JmpIndirect:
      return 'jmp';
    case Op.Ret:
      return 'ret';
    case Op.Push:
    case Op.Pop:
      // objdump marks only the 16-bit memory forms (`pushw`, `popw`).
      return `${insn.op === Op.Push ? 'push' : 'pop'}${insn.dstKind === OperandKind.Mem && insn.size === 2 ? 'w' : ''}`;
    case Op.Cwd:
      return ['', '', 'cwtd', '', 'cltd', '', '', '', 'cqto'][insn.size];
    case Op.Cdqe:
      return ['', '', 'cbtw', '', 'cwtl', '', '', '', 'cltq'][insn.size];
    default: {
      const bare = bareNames[insn.op];
      if (bare) return bare;
      const name = plainNames[insn.op] ?? '(bad)';
      if (insn.movabs) return 'movabs';
      const hasReg = insn.dstKind === OperandKind.Reg || insn.srcKind === OperandKind.Reg;
      return hasReg || insn.dstKind !== OperandKind.Mem ? name : name + suffix;
    }
  }
}

/** objdump's AT&T text for `insn` located at `address`. */
export function formatX86(insn: X86Insn, address: bigint): string {
  const name = mnemonic(insn);
  let ops: string;
  switch (insn.op) {
    case Op.Call:
    case Op.Jmp:
    case Op.Jcc:
      ops = branchTarget(insn, address);
      break;
    case Op.CallIndirect:
    case Op.JmpIndirect:
      ops = `*${operand(insn, insn.dstKind, insn.dstReg, 8)}`;
      break;
    case Op.Ret:
      ops = insn.srcKind === OperandKind.Imm ? imm(insn, 2) : '';
      break;
    case Op.Nop:
      ops = insn.dstKind === OperandKind.None ? '' : operands(insn);
      break;
    default:
      ops = bareNames[insn.op] || insn.op === Op.Cwd || insn.op === Op.Cdqe ? '' : operands(insn);
  }
  return `${insn.prefixText}${name}${ops ? ` ${ops}` : ''}`;
}

/**
 * Disassembles `bytes` as objdump does; a byte that starts no supported
 * instruction prints as `(bad)` and is skipped.
 */
export function disassembleX86(
  bytes: Uint8Array,
  options: DisassembleOptions = {},
): DisassembledInsn[] {
  const origin = options.origin ?? 0n;
  const out: DisassembledInsn[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const insn = decodeX86(bytes, offset, bytes.length - offset);
    const length = insn ? insn.length : 1;
    out.push({
      offset,
      bytes: bytes.slice(offset, offset + length),
      text: insn ? formatX86(insn, origin + BigInt(offset)) : '(bad)',
    });
    offset += length;
  }
  return out;
}
