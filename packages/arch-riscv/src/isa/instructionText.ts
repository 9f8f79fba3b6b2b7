import { csrName } from './csr';
import { fenceSetText } from './fence';
import { bImm, iImm, jImm, rdOf, rs1Of, rs2Of, sImm, uField } from './fields';
import { Format, Op, opcodeOf } from './opcodes';
import { riscvFpRegisterNames, riscvRegisterNames } from './registers';

/**
 * The text `riscv64-linux-gnu-objdump -d` (binutils 2.40) prints for one
 * 32-bit instruction, with its alias preferences: objdump prints the first
 * entry of its opcode table that matches, and aliases such as `li`, `mv`,
 * `ret`, `beqz` or `add rd,rs1,imm` (for ADDI) come first.
 */

const x = (r: number): string => riscvRegisterNames[r];
const hex = (v: number): string => `0x${v.toString(16)}`;

function csrText(csr: number): string {
  return csrName(csr) ?? hex(csr);
}

/** Aliases of CSRRS rd,csr,x0 and CSRRW rd,csr,rs for the counters and the FP CSRs. */
const readAliases: Record<number, string> = {
  3072: 'rdcycle',
  3073: 'rdtime',
  3074: 'rdinstret',
  3200: 'rdcycleh',
  3201: 'rdtimeh',
  3202: 'rdinstreth',
  1: 'frflags',
  2: 'frrm',
  3: 'frcsr',
};
const writeAliases: Record<number, string> = { 1: 'fsflags', 2: 'fsrm', 3: 'fscsr' };

function csrInsnText(op: Op, w: number): string {
  const rd = rdOf(w);
  const rs1 = rs1Of(w);
  const csr = w >>> 20;
  const name = csrText(csr);
  const immediate = op >= Op.Csrrwi;
  const src = immediate ? String(rs1) : x(rs1);
  const base =
    op === Op.Csrrw || op === Op.Csrrwi ? 'w' : op === Op.Csrrs || op === Op.Csrrsi ? 's' : 'c';
  if (w === 0xc0001073) return 'unimp';
  if (base === 's' && !immediate && rs1 === 0) {
    const alias = readAliases[csr];
    return alias ? `${alias} ${x(rd)}` : `csrr ${x(rd)},${name}`;
  }
  if (base === 'w' && !immediate && writeAliases[csr]) {
    return rd === 0 ? `${writeAliases[csr]} ${src}` : `${writeAliases[csr]} ${x(rd)},${src}`;
  }
  // fsflagsi and fsrmi always print rd; fcsr has no immediate alias.
  if (base === 'w' && immediate && (csr === 1 || csr === 2))
    return `${writeAliases[csr]}i ${x(rd)},${src}`;
  if (rd === 0) return `csr${base} ${name},${src}`;
  return `csrr${base} ${x(rd)},${name},${src}`;
}

function aqrl(w: number): string {
  return ['', '.rl', '.aq', '.aqrl'][(w >>> 25) & 3];
}

/**
 * The objdump text for the 32-bit instruction `w` at address `pc`, or
 * `undefined` when objdump does not know it.
 */
export function instructionText(w: number, pc: bigint): string | undefined {
  const spec = opcodeOf(w);
  if (!spec) return undefined;
  const rd = rdOf(w);
  const rs1 = rs1Of(w);
  const rs2 = rs2Of(w);
  const imm = iImm(w);
  const target = (offset: number): string =>
    `0x${BigInt.asUintN(64, pc + BigInt(offset)).toString(16)}`;
  switch (spec.format) {
    case Format.R:
      if (spec.op === Op.Sub && rs1 === 0) return `neg ${x(rd)},${x(rs2)}`;
      if (spec.op === Op.Subw && rs1 === 0) return `negw ${x(rd)},${x(rs2)}`;
      if (spec.op === Op.Sltu && rs1 === 0) return `snez ${x(rd)},${x(rs2)}`;
      if (spec.op === Op.Slt && rs2 === 0) return `sltz ${x(rd)},${x(rs1)}`;
      if (spec.op === Op.Slt && rs1 === 0) return `sgtz ${x(rd)},${x(rs2)}`;
      return `${spec.name} ${x(rd)},${x(rs1)},${x(rs2)}`;
    case Format.I:
      switch (spec.op) {
        case Op.Addi:
          if (rd === 0 && rs1 === 0 && imm === 0) return 'nop';
          if (rs1 === 0) return `li ${x(rd)},${imm}`;
          if (imm === 0) return `mv ${x(rd)},${x(rs1)}`;
          return `add ${x(rd)},${x(rs1)},${imm}`;
        case Op.Addiw:
          return imm === 0 ? `sext.w ${x(rd)},${x(rs1)}` : `addw ${x(rd)},${x(rs1)},${imm}`;
        case Op.Xori:
          return imm === -1 ? `not ${x(rd)},${x(rs1)}` : `xor ${x(rd)},${x(rs1)},${imm}`;
        case Op.Sltiu:
          return imm === 1 ? `seqz ${x(rd)},${x(rs1)}` : `sltiu ${x(rd)},${x(rs1)},${imm}`;
        case Op.Andi:
          if (imm === 255) return `zext.b ${x(rd)},${x(rs1)}`;
          return `and ${x(rd)},${x(rs1)},${imm}`;
        case Op.Ori:
          return `or ${x(rd)},${x(rs1)},${imm}`;
        default:
          return `${spec.name} ${x(rd)},${x(rs1)},${imm}`;
      }
    case Format.Shift:
    case Format.ShiftW:
      return `${spec.format === Format.Shift ? spec.name.slice(0, -1) : `${spec.name.slice(0, -2)}w`} ${x(rd)},${x(rs1)},${hex(rs2Of(w) | (spec.format === Format.Shift ? ((w >>> 25) & 1) << 5 : 0))}`;
    case Format.Load:
      return `${spec.name} ${x(rd)},${imm}(${x(rs1)})`;
    case Format.Store:
      return `${spec.name} ${x(rs2)},${sImm(w)}(${x(rs1)})`;
    case Format.FpLoad:
      return `${spec.name} ${riscvFpRegisterNames[rd]},${imm}(${x(rs1)})`;
    case Format.FpStore:
      return `${spec.name} ${riscvFpRegisterNames[rs2]},${sImm(w)}(${x(rs1)})`;
    case Format.Branch: {
      const t = target(bImm(w));
      if (rs2 === 0) {
        const zero = { [Op.Beq]: 'beqz', [Op.Bne]: 'bnez', [Op.Blt]: 'bltz', [Op.Bge]: 'bgez' }[
          spec.op as number
        ];
        if (zero) return `${zero} ${x(rs1)},${t}`;
      }
      if (rs1 === 0 && (spec.op === Op.Blt || spec.op === Op.Bge)) {
        return `${spec.op === Op.Blt ? 'bgtz' : 'blez'} ${x(rs2)},${t}`;
      }
      return `${spec.name} ${x(rs1)},${x(rs2)},${t}`;
    }
    case Format.Upper:
      return `${spec.name} ${x(rd)},${hex(uField(w))}`;
    case Format.Jal: {
      const t = target(jImm(w));
      if (rd === 0) return `j ${t}`;
      return rd === 1 ? `jal ${t}` : `jal ${x(rd)},${t}`;
    }
    case Format.Jalr:
      if (rd === 0 && rs1 === 1 && imm === 0) return 'ret';
      if (rd === 0) return imm === 0 ? `jr ${x(rs1)}` : `jr ${imm}(${x(rs1)})`;
      if (rd === 1) return imm === 0 ? `jalr ${x(rs1)}` : `jalr ${imm}(${x(rs1)})`;
      return imm === 0 ? `jalr ${x(rd)},${x(rs1)}` : `jalr ${x(rd)},${imm}(${x(rs1)})`;
    case Format.Csr:
    case Format.CsrImm:
      return csrInsnText(spec.op, w);
    case Format.Amo:
      return `${spec.name}${aqrl(w)} ${x(rd)},${x(rs2)},(${x(rs1)})`;
    case Format.Lr:
      return `${spec.name}${aqrl(w)} ${x(rd)},(${x(rs1)})`;
    case Format.Fence: {
      const pred = (w >>> 24) & 15;
      const succ = (w >>> 20) & 15;
      if (w >>> 28 === 8 && pred === 3 && succ === 3) return 'fence.tso';
      if (pred === 15 && succ === 15) return 'fence';
      return `fence ${fenceSetText(pred)},${fenceSetText(succ)}`;
    }
    case Format.SfenceVma:
      if (rs2 === 0) return rs1 === 0 ? 'sfence.vma' : `sfence.vma ${x(rs1)}`;
      return `sfence.vma ${x(rs1)},${x(rs2)}`;
    default:
      return spec.name;
  }
}
