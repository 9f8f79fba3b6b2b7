import {
  CacheOp,
  ExceptionCause,
  type IsaState,
  type MemoryPort,
  vaFromWords,
  vaHi,
  vaLo,
  vaWrap,
  word64 as w,
} from '@execmem/core';
import type { RiscvInsn } from './decoder';
import { Op } from './opcodes';

/**
 * The RV64IMAC executor (Unprivileged ISA chapters 2, 5, 7, 8 and 13;
 * Zicsr, Zifencei; SRET/MRET/WFI/SFENCE.VMA from the Privileged ISA).
 * Registers live in `state.regs` as 32-bit halves; x0 is restored to zero
 * after every instruction. Every memory access, fence, CSR access and
 * exception goes through the port. Nothing is allocated per instruction.
 */

/** The CPU state of one hart. */
export interface RiscvState extends IsaState {}

/** `MemoryPort.tlbOp` code for SFENCE.VMA with rs1 = rs2 = x0: every address, every ASID. */
export const SFENCE_VMA_ALL = 0;
/** `MemoryPort.tlbOp` code for SFENCE.VMA rs1: one address (the `va` argument), every ASID. */
export const SFENCE_VMA_ADDRESS = 1;
/** `MemoryPort.tlbOp` code for SFENCE.VMA x0, rs2: every address of one ASID (the ASID itself is not passed). */
export const SFENCE_VMA_ASID = 2;
/** `MemoryPort.tlbOp` code for SFENCE.VMA rs1, rs2: one address of one ASID. */
export const SFENCE_VMA_ADDRESS_ASID = 3;

/** Creates a zeroed hart state. */
export function createRiscvState(): RiscvState {
  return { regs: new Uint32Array(64), pc: 0, nextPc: 0 };
}

// Scratch words: [0..1] operand/address, [2..3] result, [4..5] second operand.
const t = new Uint32Array(6);

function setSext32(regs: Uint32Array, rd: number, value: number): void {
  regs[2 * rd] = value;
  regs[2 * rd + 1] = value < 0 || value & 0x80000000 ? 0xffffffff : 0;
}

/** `t[0..1] = rs1 + imm`; returns the engine address or -1 when it is not canonical. */
function effectiveAddress(regs: Uint32Array, rs1: number, imm: number): number {
  w.setInt(t, 4, imm);
  w.add64(t, 0, regs, 2 * rs1, t, 4);
  return vaFromWords(t[0], t[1]);
}

function writeReturnAddress(regs: Uint32Array, rd: number, address: number): void {
  regs[2 * rd] = vaLo(address);
  regs[2 * rd + 1] = vaHi(address);
}

function condition(op: Op, regs: Uint32Array, a: number, b: number): boolean {
  switch (op) {
    case Op.Beq:
      return w.eq64(regs, a, regs, b);
    case Op.Bne:
      return !w.eq64(regs, a, regs, b);
    case Op.Blt:
      return w.lts64(regs, a, regs, b);
    case Op.Bge:
      return !w.lts64(regs, a, regs, b);
    case Op.Bltu:
      return w.ltu64(regs, a, regs, b);
    default:
      return !w.ltu64(regs, a, regs, b);
  }
}

/** RISC-V division (Unprivileged ISA 13.2): x/0 = -1, x%0 = x, overflow gives INT_MIN and 0. */
function divide(op: Op, regs: Uint32Array, d: number, a: number, b: number): void {
  if (w.isZero64(regs, b)) {
    if (op === Op.Div || op === Op.Divu) w.set64(regs, d, 0xffffffff, 0xffffffff);
    else w.copy64(regs, d, regs, a);
    return;
  }
  if (op === Op.Div) w.divs64(regs, d, regs, a, regs, b);
  else if (op === Op.Divu) w.divu64(regs, d, regs, a, regs, b);
  else if (op === Op.Rem) w.rems64(regs, d, regs, a, regs, b);
  else w.remu64(regs, d, regs, a, regs, b);
}

function divideWord(op: Op, x: number, y: number): number {
  if (op === Op.Divw || op === Op.Remw) {
    const a = x | 0;
    const b = y | 0;
    if (b === 0) return op === Op.Divw ? -1 : a;
    return op === Op.Divw ? (b === -1 ? -a | 0 : (a / b) | 0) : b === -1 ? 0 : (a % b) | 0;
  }
  const a = x >>> 0;
  const b = y >>> 0;
  if (b === 0) return op === Op.Divuw ? -1 : a | 0;
  return op === Op.Divuw ? Math.floor(a / b) | 0 : (a % b) | 0;
}

/** CSRRW/CSRRS/CSRRC and the immediate forms (Zicsr): rd=x0 skips the read of CSRRW, rs1=x0/uimm=0 skips the write of CSRRS/CSRRC. */
function csrAccess(insn: RiscvInsn, regs: Uint32Array, port: MemoryPort): void {
  const { op, rd, rs1, imm: csr } = insn;
  const immediate = op >= Op.Csrrwi;
  if (immediate) w.set64(t, 4, rs1, 0);
  else w.copy64(t, 4, regs, 2 * rs1);
  const swap = op === Op.Csrrw || op === Op.Csrrwi;
  if ((!swap || rd !== 0) && !port.readSystemRegister(csr, t, 2)) {
    port.exception(ExceptionCause.Undefined, insn.bits);
    return;
  }
  if (swap || rs1 !== 0) {
    if (op === Op.Csrrs || op === Op.Csrrsi) w.set64(t, 4, t[2] | t[4], t[3] | t[5]);
    else if (op === Op.Csrrc || op === Op.Csrrci) w.set64(t, 4, t[2] & ~t[4], t[3] & ~t[5]);
    if (!port.writeSystemRegister(csr, t, 4)) {
      port.exception(ExceptionCause.Undefined, insn.bits);
      return;
    }
  }
  if (rd !== 0) w.copy64(regs, 2 * rd, t, 2);
}

function atomicAccess(insn: RiscvInsn, regs: Uint32Array, port: MemoryPort): void {
  const va = vaFromWords(regs[2 * insn.rs1], regs[2 * insn.rs1 + 1]);
  // A.2/A.4: LR/SC and AMOs need naturally aligned addresses (else an address-misaligned exception).
  if (va < 0 || va % insn.size !== 0) {
    port.exception(ExceptionCause.Protection, va < 0 ? regs[2 * insn.rs1] : va);
    return;
  }
  const size = insn.size as 4 | 8;
  if (insn.op === Op.Lr) {
    if (!port.load(va, size, t, 2, insn.kind)) return;
  } else if (insn.op === Op.Sc) {
    const failed = port.storeConditional(va, size, regs, 2 * insn.rs2, insn.kind);
    if (failed < 0) return;
    w.set64(t, 2, failed, 0);
  } else if (!port.atomic(insn.atomicOp, va, size, regs, 2 * insn.rs2, t, 2, insn.kind)) return;
  if (insn.rd === 0) return;
  if (size === 4) setSext32(regs, insn.rd, t[2]);
  else w.copy64(regs, 2 * insn.rd, t, 2);
}

/** Executes one decoded instruction on `state` through `port`. */
export function execute(insn: RiscvInsn, state: RiscvState, port: MemoryPort): void {
  const regs = state.regs;
  const d = 2 * insn.rd;
  const a = 2 * insn.rs1;
  const b = 2 * insn.rs2;
  const imm = insn.imm;
  switch (insn.op) {
    case Op.Lui:
      w.setInt(regs, d, imm);
      break;
    case Op.Auipc:
      w.set64(t, 0, vaLo(state.pc), vaHi(state.pc));
      w.setInt(t, 4, imm);
      w.add64(regs, d, t, 0, t, 4);
      break;
    case Op.Jal:
      writeReturnAddress(regs, insn.rd, state.nextPc);
      state.nextPc = vaWrap(state.pc + imm);
      break;
    case Op.Jalr: {
      const target = effectiveAddress(regs, insn.rs1, imm);
      if (target < 0) {
        port.exception(ExceptionCause.Protection, t[0]);
        return;
      }
      writeReturnAddress(regs, insn.rd, state.nextPc);
      state.nextPc = target - (target % 2);
      break;
    }
    case Op.Beq:
    case Op.Bne:
    case Op.Blt:
    case Op.Bge:
    case Op.Bltu:
    case Op.Bgeu:
      if (condition(insn.op, regs, a, b)) state.nextPc = vaWrap(state.pc + imm);
      break;
    case Op.Load: {
      const va = effectiveAddress(regs, insn.rs1, imm);
      if (va < 0) {
        port.exception(ExceptionCause.Protection, t[0]);
        return;
      }
      if (!port.load(va, insn.size, t, 2, insn.kind)) return;
      if (insn.signed && insn.size < 8) w.sext64(t, 2, t, 2, insn.size * 8);
      w.copy64(regs, d, t, 2);
      break;
    }
    case Op.Store: {
      const va = effectiveAddress(regs, insn.rs1, imm);
      if (va < 0) {
        port.exception(ExceptionCause.Protection, t[0]);
        return;
      }
      if (!port.store(va, insn.size, regs, b, insn.kind)) return;
      break;
    }
    case Op.Addi:
      w.setInt(t, 4, imm);
      w.add64(regs, d, regs, a, t, 4);
      break;
    case Op.Slti:
      w.setInt(t, 4, imm);
      w.set64(regs, d, w.lts64(regs, a, t, 4) ? 1 : 0, 0);
      break;
    case Op.Sltiu:
      w.setInt(t, 4, imm);
      w.set64(regs, d, w.ltu64(regs, a, t, 4) ? 1 : 0, 0);
      break;
    case Op.Xori:
      w.set64(regs, d, regs[a] ^ imm, regs[a + 1] ^ (imm >> 31));
      break;
    case Op.Ori:
      w.set64(regs, d, regs[a] | imm, regs[a + 1] | (imm >> 31));
      break;
    case Op.Andi:
      w.set64(regs, d, regs[a] & imm, regs[a + 1] & (imm >> 31));
      break;
    case Op.Slli:
      w.shl64(regs, d, regs, a, imm);
      break;
    case Op.Srli:
      w.shr64(regs, d, regs, a, imm);
      break;
    case Op.Srai:
      w.sar64(regs, d, regs, a, imm);
      break;
    case Op.Add:
      w.add64(regs, d, regs, a, regs, b);
      break;
    case Op.Sub:
      w.sub64(regs, d, regs, a, regs, b);
      break;
    case Op.Sll:
      w.shl64(regs, d, regs, a, regs[b] & 63);
      break;
    case Op.Slt:
      w.set64(regs, d, w.lts64(regs, a, regs, b) ? 1 : 0, 0);
      break;
    case Op.Sltu:
      w.set64(regs, d, w.ltu64(regs, a, regs, b) ? 1 : 0, 0);
      break;
    case Op.Xor:
      w.set64(regs, d, regs[a] ^ regs[b], regs[a + 1] ^ regs[b + 1]);
      break;
    case Op.Srl:
      w.shr64(regs, d, regs, a, regs[b] & 63);
      break;
    case Op.Sra:
      w.sar64(regs, d, regs, a, regs[b] & 63);
      break;
    case Op.Or:
      w.set64(regs, d, regs[a] | regs[b], regs[a + 1] | regs[b + 1]);
      break;
    case Op.And:
      w.set64(regs, d, regs[a] & regs[b], regs[a + 1] & regs[b + 1]);
      break;
    case Op.Addiw:
      setSext32(regs, insn.rd, (regs[a] + imm) | 0);
      break;
    case Op.Slliw:
      setSext32(regs, insn.rd, regs[a] << imm);
      break;
    case Op.Srliw:
      setSext32(regs, insn.rd, regs[a] >>> imm);
      break;
    case Op.Sraiw:
      setSext32(regs, insn.rd, regs[a] >> imm);
      break;
    case Op.Addw:
      setSext32(regs, insn.rd, (regs[a] + regs[b]) | 0);
      break;
    case Op.Subw:
      setSext32(regs, insn.rd, (regs[a] - regs[b]) | 0);
      break;
    case Op.Sllw:
      setSext32(regs, insn.rd, regs[a] << (regs[b] & 31));
      break;
    case Op.Srlw:
      setSext32(regs, insn.rd, regs[a] >>> (regs[b] & 31));
      break;
    case Op.Sraw:
      setSext32(regs, insn.rd, regs[a] >> (regs[b] & 31));
      break;
    case Op.Mul:
      w.mul64(regs, d, regs, a, regs, b);
      break;
    case Op.Mulh:
      w.mulhs64(regs, d, regs, a, regs, b);
      break;
    case Op.Mulhsu:
      w.mulhsu64(regs, d, regs, a, regs, b);
      break;
    case Op.Mulhu:
      w.mulhu64(regs, d, regs, a, regs, b);
      break;
    case Op.Div:
    case Op.Divu:
    case Op.Rem:
    case Op.Remu:
      divide(insn.op, regs, d, a, b);
      break;
    case Op.Mulw:
      setSext32(regs, insn.rd, Math.imul(regs[a], regs[b]));
      break;
    case Op.Divw:
    case Op.Divuw:
    case Op.Remw:
    case Op.Remuw:
      setSext32(regs, insn.rd, divideWord(insn.op, regs[a], regs[b]));
      break;
    case Op.Lr:
    case Op.Sc:
    case Op.Amo:
      atomicAccess(insn, regs, port);
      break;
    case Op.Fence:
      port.fence(imm);
      break;
    case Op.FenceI:
      if (!port.cacheOp(CacheOp.FenceI, state.pc)) return;
      break;
    case Op.Ecall:
      port.exception(ExceptionCause.SystemCall, 0);
      return;
    case Op.Ebreak:
      port.exception(ExceptionCause.Breakpoint, 0);
      return;
    case Op.Wfi:
      port.exception(ExceptionCause.Halt, 0);
      return;
    case Op.Sret:
    case Op.Mret:
      port.exceptionReturn();
      break;
    case Op.SfenceVma: {
      const va = insn.rs1 === 0 ? 0 : vaFromWords(regs[a], regs[a + 1]);
      port.tlbOp(
        (insn.rs1 !== 0 ? SFENCE_VMA_ADDRESS : 0) | (insn.rs2 !== 0 ? SFENCE_VMA_ASID : 0),
        Math.max(va, 0),
      );
      break;
    }
    default:
      csrAccess(insn, regs, port);
  }
  regs[0] = 0;
  regs[1] = 0;
}
