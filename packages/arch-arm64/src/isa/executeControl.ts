/**
 * Execution of the A64 branches and system instructions: barriers, ISB,
 * cache and TLB maintenance, exceptions, ERET and system-register moves,
 * each through the `MemoryPort`.
 *
 * @module
 */
import { CacheOp, ExceptionCause, type MemoryPort, vaWrap } from '@execmem/core';
import { conditionHolds } from './conditions';
import { A, address, R, read, write, writeAddress } from './executorOperands';
import { type Arm64Insn, Op } from './insn';
import { ZR } from './registers';
import type { Arm64State } from './state';
import { SystemRegister } from './systemRegisters';

/** Branch to the address in register `rn` (BR, BLR, RET). */
export function branchRegister(s: Arm64State, insn: Arm64Insn, port: MemoryPort): void {
  read(s, insn.rn, A);
  const target = address(s, A, port);
  if (target < 0) return;
  if (insn.variant === 1) writeAddress(s, 30, vaWrap(s.pc + 4));
  s.nextPc = target;
}

/**
 * The engine page address a TLBI operand holds: VA[55:12] in bits 43:0 of
 * Xt, of which VA[47:12] (bits 35:0) index the tables and VA[55] (bit 43)
 * selects the TTBR1 half.
 */
function tlbiAddress(s: Arm64State, rn: number): number {
  if (rn === ZR) return 0;
  const hi = s.regs[2 * rn + 1];
  return ((hi >>> 11) & 1) * 2 ** 48 + (hi & 0xf) * 2 ** 44 + s.regs[2 * rn] * 4096;
}

/** Executes a system instruction (barrier, ISB, maintenance, exception, ERET, MRS/MSR). */
export function executeSystem(s: Arm64State, insn: Arm64Insn, port: MemoryPort): void {
  const t = s.scratch;
  switch (insn.op) {
    case Op.Barrier:
      port.fence(insn.imm);
      return;
    case Op.Isb:
      port.contextSync();
      return;
    case Op.CacheMaintenance: {
      // IC IALLU(IS) take no address; the PC's line is passed because it is always mapped.
      let va = s.pc;
      if (insn.variant === CacheOp.DcCvau || insn.variant === CacheOp.IcIvau) {
        read(s, insn.rn, A);
        va = address(s, A, port);
        if (va < 0) return;
      }
      port.cacheOp(insn.variant as CacheOp, va);
      return;
    }
    case Op.Tlbi:
      port.tlbOp(insn.imm, tlbiAddress(s, insn.rn));
      return;
    case Op.Exception:
      port.exception(insn.variant as ExceptionCause, insn.imm);
      return;
    case Op.Eret:
      port.exceptionReturn();
      return;
    case Op.Mrs:
      if (insn.imm === SystemRegister.NZCV) {
        t[R] = s.nzcv << 28;
        t[R + 1] = 0;
      } else if (!port.readSystemRegister(insn.imm, t, R)) {
        port.exception(ExceptionCause.Undefined, insn.word);
        return;
      }
      write(s, insn.rd, R, 1);
      return;
    case Op.MsrImmediate:
      // PSTATE fields are system registers of the port; DAIFSet/DAIFClr read-modify-write DAIF.
      if (insn.variant === 2) {
        t[A] = insn.imm2;
      } else {
        if (!port.readSystemRegister(insn.imm, t, A)) {
          port.exception(ExceptionCause.Undefined, insn.word);
          return;
        }
        t[A] = insn.variant === 0 ? t[A] | insn.imm2 : t[A] & ~insn.imm2;
      }
      t[A + 1] = 0;
      if (!port.writeSystemRegister(insn.imm, t, A))
        port.exception(ExceptionCause.Undefined, insn.word);
      return;
    case Op.Msr:
      read(s, insn.rn, A);
      if (insn.imm === SystemRegister.NZCV) s.nzcv = t[A] >>> 28;
      else if (!port.writeSystemRegister(insn.imm, t, A))
        port.exception(ExceptionCause.Undefined, insn.word);
      return;
  }
}

/** Executes B, BL, B.cond, CBZ/CBNZ or TBZ/TBNZ. */
export function executeBranch(s: Arm64State, insn: Arm64Insn): void {
  const t = s.scratch;
  let taken: boolean;
  switch (insn.op) {
    case Op.Branch:
      if (insn.variant) writeAddress(s, 30, vaWrap(s.pc + 4));
      taken = true;
      break;
    case Op.BranchCond:
      taken = conditionHolds(insn.cond, s.nzcv);
      break;
    case Op.CompareBranch:
      read(s, insn.rd, A);
      taken = (t[A] === 0 && (!insn.sf || t[A + 1] === 0)) !== (insn.variant === 1);
      break;
    default: {
      read(s, insn.rd, A);
      const bit = insn.amount;
      const set = ((bit >= 32 ? t[A + 1] : t[A]) >>> (bit & 31)) & 1;
      taken = set === insn.variant;
    }
  }
  if (taken) s.nextPc = vaWrap(s.pc + insn.imm);
}
