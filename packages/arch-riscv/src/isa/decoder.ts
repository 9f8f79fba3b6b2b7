import { AccessKind, type AtomicOp, type Decoded } from '@execmem/core';
import { expandCompressed } from './compressed';
import { bImm, iImm, jImm, rdOf, rs1Of, rs2Of, sImm } from './fields';
import { instructionLength } from './instructionLength';
import { Format, Op, opcodeOf } from './opcodes';

/**
 * A decoded instruction: a plain object made once per address and reused
 * by the engine's decode cache. Compressed parcels decode to the
 * instruction they expand to, with `length` 2.
 */
export interface RiscvInsn {
  /** What to execute. */
  readonly op: Op;
  /** Destination register number. */
  readonly rd: number;
  /** First source register number (the 5-bit immediate of CSRR*I). */
  readonly rs1: number;
  /** Second source register number. */
  readonly rs2: number;
  /**
   * Sign-extended immediate: the I/S offset, B/J offset, U value (already
   * shifted left by 12), shift amount, CSR number, or FENCE kind
   * (`pred << 4 | succ`, plus `FENCE_TSO`).
   */
  readonly imm: number;
  /** Access size for loads, stores, LR/SC and AMOs. */
  readonly size: 1 | 2 | 4 | 8;
  /** Loads: sign-extend. */
  readonly signed: boolean;
  /** Memory ordering from .aq/.rl (LR, SC and AMOs); `Plain` elsewhere. */
  readonly kind: AccessKind;
  readonly atomicOp: AtomicOp;
  /** 2 for a compressed parcel, else 4. */
  readonly length: 2 | 4;
  /** The raw instruction bits (the parcel for compressed ones). */
  readonly bits: number;
}

const amoKinds: readonly AccessKind[] = [
  AccessKind.Plain,
  AccessKind.Release,
  AccessKind.Acquire,
  AccessKind.SeqCst,
];

function orderingKind(op: Op, w: number): AccessKind {
  const aqrl = (w >>> 25) & 3;
  if (op === Op.Lr) return aqrl & 2 ? AccessKind.AcquireExclusive : AccessKind.Exclusive;
  if (op === Op.Sc) return aqrl & 1 ? AccessKind.ReleaseExclusive : AccessKind.Exclusive;
  return op === Op.Amo ? amoKinds[aqrl] : AccessKind.Plain;
}

/** Decodes the 32-bit instruction `w`; `null` when it is not in the executable subset. */
function decodeWord(w: number, length: 2 | 4, bits: number): RiscvInsn | null {
  const spec = opcodeOf(w);
  if (!spec || spec.op === Op.FpLoad || spec.op === Op.FpStore) return null;
  let imm: number;
  switch (spec.format) {
    case Format.Store:
      imm = sImm(w);
      break;
    case Format.Branch:
      imm = bImm(w);
      break;
    case Format.Jal:
      imm = jImm(w);
      break;
    case Format.Upper:
      imm = w & 0xfffff000;
      break;
    case Format.Shift:
      imm = (w >>> 20) & 63;
      break;
    case Format.ShiftW:
      imm = (w >>> 20) & 31;
      break;
    case Format.Csr:
    case Format.CsrImm:
      imm = w >>> 20;
      break;
    case Format.Fence:
      imm = ((w >>> 20) & 0xff) | (w >>> 28 === 8 ? 0x100 : 0);
      break;
    default:
      imm = iImm(w);
  }
  return {
    op: spec.op,
    rd: rdOf(w),
    rs1: rs1Of(w),
    rs2: rs2Of(w),
    imm,
    size: (spec.size || 8) as 1 | 2 | 4 | 8,
    signed: spec.signed,
    kind: orderingKind(spec.op, w),
    atomicOp: spec.atomicOp,
    length,
    bits,
  };
}

/**
 * Decodes one instruction at `bytes[offset]`; `null` for a reserved or
 * illegal encoding (the all-zero parcel included), an instruction outside
 * the subset, or too few bytes.
 */
export function decode(
  bytes: Uint8Array,
  offset: number,
  available: number,
): Decoded<RiscvInsn> | null {
  if (available < 2) return null;
  const p = bytes[offset] | (bytes[offset + 1] << 8);
  const length = instructionLength(p);
  if (length === 2) {
    // c.addi16sp with a zero immediate is reserved although objdump prints it.
    if (p === 0x6101) return null;
    const w = expandCompressed(p);
    const insn = w === -1 ? null : decodeWord(w, 2, p);
    return insn && { insn, length: 2 };
  }
  if (length !== 4 || available < 4) return null;
  const w = (p | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24)) >>> 0;
  const insn = decodeWord(w, 4, w);
  return insn && { insn, length: 4 };
}
