import { RegisterUse, RegisterUseFlag } from '@execmem/core';
import type { RiscvInsn } from './decoder';
import { Op } from './opcodes';

/**
 * The data flow of a decoded instruction for core's dependency tracking
 * (`Isa.registerUse`). RVWMO defines its dependencies syntactically
 * (Unprivileged ISA, "Syntactic Dependencies"): a register named as a
 * source is a source whatever its value, so `xor a0,a1,a1` still carries
 * a1's dependencies into a0. x0 is never in a mask.
 */

/** Which instruction fields take part, as bits of a {@link shapes} entry. */
const RS1 = 1;
const RS2 = 2;
const RD = 4;
/** rs1 is the address of the memory access. */
const ADDRESS = 8;
/** rd receives the value read from memory. */
const LOADED = 16;
/** The next pc depends on the sources. */
const BRANCH = 32;

const shapeRows: readonly (readonly [number, readonly Op[]])[] = [
  [RD, [Op.Lui, Op.Auipc, Op.Jal, Op.Csrrwi, Op.Csrrsi, Op.Csrrci]],
  [
    RS1 | RD,
    [
      Op.Addi,
      Op.Slti,
      Op.Sltiu,
      Op.Xori,
      Op.Ori,
      Op.Andi,
      Op.Slli,
      Op.Srli,
      Op.Srai,
      Op.Addiw,
      Op.Slliw,
      Op.Srliw,
      Op.Sraiw,
      // CSRRS/CSRRC with rs1 = x0 read nothing, and x0 is in no mask anyway.
      Op.Csrrw,
      Op.Csrrs,
      Op.Csrrc,
    ],
  ],
  [
    RS1 | RS2 | RD,
    [
      Op.Add,
      Op.Sub,
      Op.Sll,
      Op.Slt,
      Op.Sltu,
      Op.Xor,
      Op.Srl,
      Op.Sra,
      Op.Or,
      Op.And,
      Op.Addw,
      Op.Subw,
      Op.Sllw,
      Op.Srlw,
      Op.Sraw,
      Op.Mul,
      Op.Mulh,
      Op.Mulhsu,
      Op.Mulhu,
      Op.Div,
      Op.Divu,
      Op.Rem,
      Op.Remu,
      Op.Mulw,
      Op.Divw,
      Op.Divuw,
      Op.Remw,
      Op.Remuw,
    ],
  ],
  [RS1 | RD | BRANCH, [Op.Jalr]],
  [RS1 | RS2 | BRANCH, [Op.Beq, Op.Bne, Op.Blt, Op.Bge, Op.Bltu, Op.Bgeu]],
  [RS1 | ADDRESS | RD | LOADED, [Op.Load, Op.Lr]],
  [RS1 | RS2 | ADDRESS, [Op.Store]],
  // SC's rd is the success status, not a value from memory.
  [RS1 | RS2 | ADDRESS | RD, [Op.Sc]],
  [RS1 | RS2 | ADDRESS | RD | LOADED, [Op.Amo]],
  // The executor passes no ASID to the TLB operation, so rs2's value is not read.
  [RS1, [Op.SfenceVma]],
];

/** Shape bits by `Op`; FENCE, FENCE.I and the SYSTEM instructions without operands use no register. */
const shapes = new Uint8Array(Op.FpStore + 1);
for (const [shape, ops] of shapeRows) for (const op of ops) shapes[op] = shape;

/** The mask bit of register `r`; none for x0. */
const bit = (r: number): number => (1 << r) & ~1;

/** Fills `out[0..RegisterUse.Length)` with the data flow of `insn` (see `Isa.registerUse`); allocates nothing. */
export function riscvRegisterUse(insn: RiscvInsn, out: Uint32Array): void {
  const shape = shapes[insn.op];
  const rs1 = shape & RS1 ? bit(insn.rs1) : 0;
  const sources = rs1 | (shape & RS2 ? bit(insn.rs2) : 0);
  const rd = shape & RD ? bit(insn.rd) : 0;
  out[RegisterUse.Sources] = sources;
  out[RegisterUse.Address] = shape & ADDRESS ? rs1 : 0;
  out[RegisterUse.Destinations] = rd;
  out[RegisterUse.Loaded] = shape & LOADED ? rd : 0;
  // A branch whose operands are all x0 goes to a fixed place.
  out[RegisterUse.Flags] = shape & BRANCH && sources !== 0 ? RegisterUseFlag.Branch : 0;
}
