/**
 * The A64 executor: runs one decoded instruction on an {@link Arm64State},
 * with every memory access, barrier, maintenance operation, system
 * register access and exception going through the `MemoryPort`.
 * Allocation-free: operands and results live in the state's scratch words
 * and 64-bit arithmetic uses `word64`.
 *
 * @module
 */
import type { MemoryPort } from '@execmem/core';
import { branchRegister, executeBranch, executeSystem } from './executeControl';
import { executeDataProcessing } from './executeDataProcessing';
import { executeLoadStore } from './executeLoadStore';
import { type Arm64Insn, Op } from './insn';
import type { Arm64State } from './state';

/** `Isa.execute` for A64. */
export function executeArm64(insn: Arm64Insn, s: Arm64State, port: MemoryPort): void {
  switch (insn.op) {
    case Op.LoadStore:
    case Op.LoadLiteral:
    case Op.LoadStorePair:
    case Op.LoadExclusive:
    case Op.StoreExclusive:
    case Op.Atomic:
    case Op.CompareSwap:
      executeLoadStore(insn, s, port);
      return;
    case Op.Branch:
    case Op.BranchCond:
    case Op.CompareBranch:
    case Op.TestBranch:
      executeBranch(s, insn);
      return;
    case Op.BranchRegister:
      branchRegister(s, insn, port);
      return;
    case Op.Nop:
      return;
    case Op.Barrier:
    case Op.Isb:
    case Op.CacheMaintenance:
    case Op.Tlbi:
    case Op.Exception:
    case Op.Eret:
    case Op.Mrs:
    case Op.Msr:
    case Op.MsrImmediate:
      executeSystem(s, insn, port);
      return;
    default:
      executeDataProcessing(insn, s);
  }
}
