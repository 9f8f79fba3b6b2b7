/**
 * Execution of the A64 loads and stores: every addressing mode, pairs,
 * literals, acquire/release, exclusives through the port's monitor, and
 * the LSE atomics and CAS through `MemoryPort.atomic`.
 *
 * @module
 */
import { AtomicOp, type MemoryPort, vaWrap, word64 as w } from '@execmem/core';
import { A, address, B, C, D, extend, R, read, write } from './executorOperands';
import { AddressMode, type Arm64Insn, Op } from './insn';
import type { Arm64State } from './state';

/** Base register plus a small signed byte offset into slot `slot`. */
function basePlusOffset(s: Arm64State, rn: number, offset: number, slot: number): void {
  const t = s.scratch;
  read(s, rn, slot);
  w.setInt(t, D, offset);
  w.add64(t, slot, t, slot, t, D);
}

/** Sign- or zero-extends loaded data in slot `slot` to the register width. */
function extendLoaded(s: Arm64State, insn: Arm64Insn, slot: number): void {
  if (insn.signed) w.sext64(s.scratch, slot, s.scratch, slot, insn.size * 8);
}

/** Single-register load/store, all addressing modes, including LDAR/STLR. */
function loadStore(s: Arm64State, insn: Arm64Insn, port: MemoryPort): void {
  const t = s.scratch;
  const size = insn.size as 1 | 2 | 4 | 8;
  if (insn.mode === AddressMode.Register) {
    read(s, insn.rm, B);
    extend(s, B, insn.shift, insn.amount);
    read(s, insn.rn, A);
    w.add64(t, A, t, A, t, B);
  } else {
    basePlusOffset(s, insn.rn, insn.mode === AddressMode.PostIndex ? 0 : insn.imm, A);
  }
  const va = address(s, A, port);
  if (va < 0) return;
  if (insn.variant) {
    if (!port.load(va, size, t, R, insn.kind)) return;
    extendLoaded(s, insn, R);
  } else {
    read(s, insn.rd, R);
    if (!port.store(va, size, t, R, insn.kind)) return;
  }
  if (insn.mode === AddressMode.PreIndex || insn.mode === AddressMode.PostIndex) {
    basePlusOffset(s, insn.rn, insn.imm, B);
    write(s, insn.rn, B, 1);
  }
  if (insn.variant) write(s, insn.rd, R, insn.sf);
}

/** LDP/STP/LDPSW. */
function loadStorePair(s: Arm64State, insn: Arm64Insn, port: MemoryPort): void {
  const t = s.scratch;
  const size = insn.size as 4 | 8;
  basePlusOffset(s, insn.rn, insn.mode === AddressMode.PostIndex ? 0 : insn.imm, A);
  const va = address(s, A, port);
  if (va < 0) return;
  const va2 = vaWrap(va + size);
  if (insn.variant) {
    if (!port.load(va, size, t, R, insn.kind) || !port.load(va2, size, t, C, insn.kind)) return;
    extendLoaded(s, insn, R);
    extendLoaded(s, insn, C);
  } else {
    read(s, insn.rd, R);
    read(s, insn.ra, C);
    if (!port.store(va, size, t, R, insn.kind) || !port.store(va2, size, t, C, insn.kind)) return;
  }
  if (insn.mode !== AddressMode.Offset) {
    basePlusOffset(s, insn.rn, insn.imm, B);
    write(s, insn.rn, B, 1);
  }
  if (insn.variant) {
    write(s, insn.rd, R, insn.sf);
    write(s, insn.ra, C, insn.sf);
  }
}

/** Exclusives, LSE atomics and CAS: the address is Xn/SP with no offset. */
function atomicAccess(s: Arm64State, insn: Arm64Insn, port: MemoryPort): void {
  const t = s.scratch;
  read(s, insn.rn, A);
  const va = address(s, A, port);
  if (va < 0) return;
  switch (insn.op) {
    case Op.LoadExclusive:
      if (!port.load(va, insn.size as 4 | 8, t, R, insn.kind)) return;
      write(s, insn.rd, R, insn.sf);
      return;
    case Op.StoreExclusive: {
      read(s, insn.rd, B);
      const status = port.storeConditional(va, insn.size as 4 | 8, t, B, insn.kind);
      if (status < 0) return;
      t[R] = status;
      write(s, insn.rm, R, 0);
      return;
    }
    case Op.Atomic:
      read(s, insn.rm, B);
      if (
        !port.atomic(
          insn.variant as AtomicOp,
          va,
          insn.size as 1 | 2 | 4 | 8,
          t,
          B,
          t,
          R,
          insn.kind,
        )
      )
        return;
      write(s, insn.rd, R, insn.sf);
      return;
    default:
      read(s, insn.rm, B);
      read(s, insn.rd, C);
      if (
        !port.atomic(
          AtomicOp.CompareSwap,
          va,
          insn.size as 1 | 2 | 4 | 8,
          t,
          B,
          t,
          R,
          insn.kind,
          t,
          C,
        )
      )
        return;
      write(s, insn.rm, R, insn.sf);
  }
}

/** Executes a load, store, exclusive or atomic instruction. */
export function executeLoadStore(insn: Arm64Insn, s: Arm64State, port: MemoryPort): void {
  const t = s.scratch;
  switch (insn.op) {
    case Op.LoadStore:
      loadStore(s, insn, port);
      return;
    case Op.LoadLiteral: {
      if (!port.load(vaWrap(s.pc + insn.imm), insn.size as 4 | 8, t, R, insn.kind)) return;
      extendLoaded(s, insn, R);
      write(s, insn.rd, R, insn.sf);
      return;
    }
    case Op.LoadStorePair:
      loadStorePair(s, insn, port);
      return;
    case Op.LoadExclusive:
    case Op.StoreExclusive:
    case Op.Atomic:
    case Op.CompareSwap:
      atomicAccess(s, insn, port);
      return;
  }
}
