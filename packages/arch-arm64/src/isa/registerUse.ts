/**
 * The data flow of a decoded A64 instruction for the storage model's
 * dependency tracking (Arm ARM B2.3.2 "Dependency definitions"): which
 * registers it reads, which of them form an address, which it writes and
 * which of those receive data read from memory, and whether it reads or
 * writes NZCV or is a branch whose target depends on registers or flags.
 * Dependencies are syntactic, as the architecture defines them:
 * `eor x2, x1, x1` makes x2 depend on x1 although its value cannot change.
 *
 * @module
 */
import { RegisterUse, RegisterUseFlag } from '@execmem/core';
import { AddressMode, type Arm64Insn, Op } from './insn';
import { ZR } from './registers';
import { SystemRegister } from './systemRegisters';

const { ReadsFlags, WritesFlags, Branch } = RegisterUseFlag;
/** Mask bit of x30, the link register BL and BLR write. */
const LINK = 1 << 30;
/** Condition codes 14 (AL) and 15 (NV) hold without reading PSTATE (Arm ARM ConditionHolds). */
const FIRST_UNCONDITIONAL = 14;

/** The mask bit of a decoded register: x0..x30 and SP are bits 0..31, ZR none. */
function bit(r: number): number {
  return r === ZR ? 0 : 1 << r;
}

/** ReadsFlags when the condition code actually tests NZCV. */
function condFlags(cond: number): number {
  return cond < FIRST_UNCONDITIONAL ? ReadsFlags : 0;
}

/** WritesFlags for the flag-setting forms (ADDS, ANDS, …). */
function setFlags(insn: Arm64Insn): number {
  return insn.setFlags ? WritesFlags : 0;
}

/** Fills the five slots; `address` must be a subset of `sources` and `loaded` of `destinations`. */
function fill(
  out: Uint32Array,
  sources: number,
  address: number,
  destinations: number,
  loaded: number,
  flags: number,
): void {
  out[RegisterUse.Sources] = sources;
  out[RegisterUse.Address] = address;
  out[RegisterUse.Destinations] = destinations;
  out[RegisterUse.Loaded] = loaded;
  out[RegisterUse.Flags] = flags;
}

/** Single-register loads and stores, LDAR/STLR included: pre- and post-index write the base back, which is not loaded data. */
function loadStoreUse(insn: Arm64Insn, out: Uint32Array): void {
  const base = bit(insn.rn);
  const address = insn.mode === AddressMode.Register ? base | bit(insn.rm) : base;
  const writeback =
    insn.mode === AddressMode.PreIndex || insn.mode === AddressMode.PostIndex ? base : 0;
  const rt = bit(insn.rd);
  if (insn.variant) fill(out, address, address, rt | writeback, rt, 0);
  else fill(out, address | rt, address, writeback, 0, 0);
}

/** LDP/STP/LDNP/STNP/LDPSW: two transfer registers, Rt and Rt2. */
function pairUse(insn: Arm64Insn, out: Uint32Array): void {
  const base = bit(insn.rn);
  const writeback = insn.mode === AddressMode.Offset ? 0 : base;
  const pair = bit(insn.rd) | bit(insn.ra);
  if (insn.variant) fill(out, base, base, pair | writeback, pair, 0);
  else fill(out, base | pair, base, writeback, 0, 0);
}

/** `Isa.registerUse` for A64: fills `out[0..RegisterUse.Length)` for `insn`, allocating nothing. */
export function arm64RegisterUse(insn: Arm64Insn, out: Uint32Array): void {
  const rd = bit(insn.rd);
  const rn = bit(insn.rn);
  const rm = bit(insn.rm);
  switch (insn.op) {
    case Op.AddSubImm:
    case Op.LogicalImm:
    case Op.DataProc1:
      fill(out, rn, 0, rd, 0, setFlags(insn));
      return;
    case Op.AddSubShifted:
    case Op.AddSubExtended:
    case Op.LogicalShifted:
    case Op.Extract:
    case Op.DataProc2:
      fill(out, rn | rm, 0, rd, 0, setFlags(insn));
      return;
    case Op.AddSubCarry:
      fill(out, rn | rm, 0, rd, 0, ReadsFlags | setFlags(insn));
      return;
    case Op.DataProc3:
      fill(out, rn | rm | bit(insn.ra), 0, rd, 0, 0);
      return;
    case Op.CondSelect:
      fill(out, rn | rm, 0, rd, 0, condFlags(insn.cond));
      return;
    case Op.CondCompare:
      // CCMP/CCMN with an immediate (mode 1) have no Rm.
      fill(out, insn.mode ? rn : rn | rm, 0, 0, 0, condFlags(insn.cond) | WritesFlags);
      return;
    case Op.MoveWide:
      // MOVK (variant 3) keeps the other halfwords of Rd.
      fill(out, insn.variant === 3 ? rd : 0, 0, rd, 0, 0);
      return;
    case Op.Bitfield:
      // BFM (variant 1) merges into Rd; SBFM/UBFM overwrite it.
      fill(out, insn.variant === 1 ? rn | rd : rn, 0, rd, 0, 0);
      return;
    case Op.Adr:
    case Op.Adrp:
      fill(out, 0, 0, rd, 0, 0);
      return;
    case Op.LoadStore:
      loadStoreUse(insn, out);
      return;
    case Op.LoadLiteral:
      fill(out, 0, 0, rd, rd, 0);
      return;
    case Op.LoadStorePair:
      pairUse(insn, out);
      return;
    case Op.LoadExclusive:
      fill(out, rn, rn, rd, rd, 0);
      return;
    case Op.StoreExclusive:
      // Rs receives the status, not memory data.
      fill(out, rn | rd, rn, rm, 0, 0);
      return;
    case Op.Atomic:
      fill(out, rn | rm, rn, rd, rd, 0);
      return;
    case Op.CompareSwap:
      // CAS compares with Rs, stores Rt and returns the old value in Rs.
      fill(out, rn | rm | rd, rn, rm, rm, 0);
      return;
    case Op.Branch:
      fill(out, 0, 0, insn.variant ? LINK : 0, 0, 0);
      return;
    case Op.BranchCond: {
      const flags = condFlags(insn.cond);
      fill(out, 0, 0, 0, 0, flags ? flags | Branch : 0);
      return;
    }
    case Op.CompareBranch:
    case Op.TestBranch:
      fill(out, rd, 0, 0, 0, rd ? Branch : 0);
      return;
    case Op.BranchRegister:
      fill(out, rn, 0, insn.variant === 1 ? LINK : 0, 0, rn ? Branch : 0);
      return;
    case Op.CacheMaintenance:
      // DC CVAU and IC IVAU take a VA in Rt; IC IALLU(IS) take none (Rt is ZR).
      fill(out, rn, rn, 0, 0, 0);
      return;
    case Op.Tlbi:
      // The operand is a page number, not an address this PE accesses.
      fill(out, rn, 0, 0, 0, 0);
      return;
    case Op.Mrs:
      fill(out, 0, 0, rd, 0, insn.imm === SystemRegister.NZCV ? ReadsFlags : 0);
      return;
    case Op.Msr:
      fill(out, rn, 0, 0, 0, insn.imm === SystemRegister.NZCV ? WritesFlags : 0);
      return;
    default:
      // NOP and hints, PRFM, barriers, ISB, exceptions, ERET, MSR (immediate).
      fill(out, 0, 0, 0, 0, 0);
  }
}
