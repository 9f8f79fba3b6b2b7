import { AtomicOp } from '@execmem/core';

/**
 * The 32-bit RV64 instructions of the subset (RISC-V Unprivileged ISA,
 * "RV32/64G Instruction Set Listings"; Privileged ISA for the SYSTEM ones)
 * as match/mask pairs, the way binutils' `riscv-opc.c` lists them.
 */

/** What the executor does; one value per instruction (loads, stores and AMOs carry their size). */
export const Op = {
  Lui: 0,
  Auipc: 1,
  Jal: 2,
  Jalr: 3,
  Beq: 4,
  Bne: 5,
  Blt: 6,
  Bge: 7,
  Bltu: 8,
  Bgeu: 9,
  Load: 10,
  Store: 11,
  Addi: 12,
  Slti: 13,
  Sltiu: 14,
  Xori: 15,
  Ori: 16,
  Andi: 17,
  Slli: 18,
  Srli: 19,
  Srai: 20,
  Add: 21,
  Sub: 22,
  Sll: 23,
  Slt: 24,
  Sltu: 25,
  Xor: 26,
  Srl: 27,
  Sra: 28,
  Or: 29,
  And: 30,
  Addiw: 31,
  Slliw: 32,
  Srliw: 33,
  Sraiw: 34,
  Addw: 35,
  Subw: 36,
  Sllw: 37,
  Srlw: 38,
  Sraw: 39,
  Mul: 40,
  Mulh: 41,
  Mulhsu: 42,
  Mulhu: 43,
  Div: 44,
  Divu: 45,
  Rem: 46,
  Remu: 47,
  Mulw: 48,
  Divw: 49,
  Divuw: 50,
  Remw: 51,
  Remuw: 52,
  Lr: 53,
  Sc: 54,
  Amo: 55,
  Fence: 56,
  FenceI: 57,
  Ecall: 58,
  Ebreak: 59,
  Sret: 60,
  Mret: 61,
  Wfi: 62,
  SfenceVma: 63,
  Csrrw: 64,
  Csrrs: 65,
  Csrrc: 66,
  Csrrwi: 67,
  Csrrsi: 68,
  Csrrci: 69,
  /** F/D loads and stores: disassembled only (the subset executes no floating point). */
  FpLoad: 70,
  FpStore: 71,
} as const;
/** See the constant of the same name. */
export type Op = (typeof Op)[keyof typeof Op];

/** Operand layout of an instruction, which fixes how it is parsed, encoded and printed. */
export const Format = {
  /** `rd,rs1,rs2` */
  R: 0,
  /** `rd,rs1,imm12` */
  I: 1,
  /** `rd,rs1,shamt` (6-bit on RV64) */
  Shift: 2,
  /** `rd,rs1,shamt` (5-bit, the W forms) */
  ShiftW: 3,
  /** `rd,imm(rs1)` */
  Load: 4,
  /** `rs2,imm(rs1)` */
  Store: 5,
  /** `rs1,rs2,target` */
  Branch: 6,
  /** `rd,imm20` */
  Upper: 7,
  /** `rd,target` */
  Jal: 8,
  /** `rd,imm(rs1)` */
  Jalr: 9,
  /** `rd,csr,rs1` */
  Csr: 10,
  /** `rd,csr,uimm5` */
  CsrImm: 11,
  /** `rd,rs2,(rs1)` with .aq/.rl */
  Amo: 12,
  /** `rd,(rs1)` with .aq/.rl */
  Lr: 13,
  /** `pred,succ` */
  Fence: 14,
  /** no operands */
  None: 15,
  /** `[rs1[,rs2]]` */
  SfenceVma: 16,
  /** `frd,imm(rs1)` */
  FpLoad: 17,
  /** `frs2,imm(rs1)` */
  FpStore: 18,
} as const;
/** See the constant of the same name. */
export type Format = (typeof Format)[keyof typeof Format];

/** One row of the opcode table. */
export interface OpcodeSpec {
  /** The GNU mnemonic (AMOs and LR/SC without their .aq/.rl suffix). */
  readonly name: string;
  /** What the executor does. */
  readonly op: Op;
  /** Operand layout. */
  readonly format: Format;
  /** Fixed bits, and which bits are fixed. */
  readonly match: number;
  readonly mask: number;
  /** Access size in bytes for loads, stores, LR/SC and AMOs (else 0). */
  readonly size: number;
  /** Loads: sign-extends the value. */
  readonly signed: boolean;
  /** AMOs: the read-modify-write operation. */
  readonly atomicOp: AtomicOp;
}

const OPCODE = 0x7f;
const FUNCT3 = 0x7000;
const FUNCT7 = 0xfe000000 | 0;
const FUNCT6 = 0xfc000000 | 0;

function row(
  name: string,
  op: Op,
  format: Format,
  match: number,
  mask: number,
  size = 0,
  signed = false,
  atomicOp: AtomicOp = AtomicOp.Add,
): OpcodeSpec {
  return { name, op, format, match: match >>> 0, mask: mask >>> 0, size, signed, atomicOp };
}

const f3 = (opcode: number, funct3: number) => opcode | (funct3 << 12);
const f7 = (opcode: number, funct3: number, funct7: number) =>
  opcode | (funct3 << 12) | (funct7 << 25);

function rType(name: string, op: Op, opcode: number, funct3: number, funct7: number) {
  return row(name, op, Format.R, f7(opcode, funct3, funct7), OPCODE | FUNCT3 | FUNCT7);
}

function iType(name: string, op: Op, opcode: number, funct3: number, format: Format = Format.I) {
  return row(name, op, format, f3(opcode, funct3), OPCODE | FUNCT3);
}

function load(name: string, funct3: number, size: number, signed: boolean) {
  return row(name, Op.Load, Format.Load, f3(0x03, funct3), OPCODE | FUNCT3, size, signed);
}

function store(name: string, funct3: number, size: number) {
  return row(name, Op.Store, Format.Store, f3(0x23, funct3), OPCODE | FUNCT3, size);
}

const AQRL = 3 << 25;

function amo(name: string, funct5: number, atomicOp: AtomicOp) {
  return [
    row(
      `${name}.w`,
      Op.Amo,
      Format.Amo,
      f7(0x2f, 2, funct5 << 2),
      OPCODE | FUNCT3 | (FUNCT7 & ~AQRL),
      4,
      true,
      atomicOp,
    ),
    row(
      `${name}.d`,
      Op.Amo,
      Format.Amo,
      f7(0x2f, 3, funct5 << 2),
      OPCODE | FUNCT3 | (FUNCT7 & ~AQRL),
      8,
      true,
      atomicOp,
    ),
  ];
}

function system(name: string, op: Op, word: number) {
  return row(name, op, Format.None, word, 0xffffffff);
}

const RS2 = 0x1f << 20;

/** The opcode table, in the order binutils searches it. */
export const opcodeTable: readonly OpcodeSpec[] = [
  row('lui', Op.Lui, Format.Upper, 0x37, OPCODE),
  row('auipc', Op.Auipc, Format.Upper, 0x17, OPCODE),
  row('jal', Op.Jal, Format.Jal, 0x6f, OPCODE),
  iType('jalr', Op.Jalr, 0x67, 0, Format.Jalr),
  iType('beq', Op.Beq, 0x63, 0, Format.Branch),
  iType('bne', Op.Bne, 0x63, 1, Format.Branch),
  iType('blt', Op.Blt, 0x63, 4, Format.Branch),
  iType('bge', Op.Bge, 0x63, 5, Format.Branch),
  iType('bltu', Op.Bltu, 0x63, 6, Format.Branch),
  iType('bgeu', Op.Bgeu, 0x63, 7, Format.Branch),
  load('lb', 0, 1, true),
  load('lh', 1, 2, true),
  load('lw', 2, 4, true),
  load('ld', 3, 8, true),
  load('lbu', 4, 1, false),
  load('lhu', 5, 2, false),
  load('lwu', 6, 4, false),
  store('sb', 0, 1),
  store('sh', 1, 2),
  store('sw', 2, 4),
  store('sd', 3, 8),
  iType('addi', Op.Addi, 0x13, 0),
  iType('slti', Op.Slti, 0x13, 2),
  iType('sltiu', Op.Sltiu, 0x13, 3),
  iType('xori', Op.Xori, 0x13, 4),
  iType('ori', Op.Ori, 0x13, 6),
  iType('andi', Op.Andi, 0x13, 7),
  row('slli', Op.Slli, Format.Shift, f3(0x13, 1), OPCODE | FUNCT3 | FUNCT6),
  row('srli', Op.Srli, Format.Shift, f3(0x13, 5), OPCODE | FUNCT3 | FUNCT6),
  row('srai', Op.Srai, Format.Shift, f3(0x13, 5) | (0x10 << 26), OPCODE | FUNCT3 | FUNCT6),
  rType('add', Op.Add, 0x33, 0, 0),
  rType('sub', Op.Sub, 0x33, 0, 0x20),
  rType('sll', Op.Sll, 0x33, 1, 0),
  rType('slt', Op.Slt, 0x33, 2, 0),
  rType('sltu', Op.Sltu, 0x33, 3, 0),
  rType('xor', Op.Xor, 0x33, 4, 0),
  rType('srl', Op.Srl, 0x33, 5, 0),
  rType('sra', Op.Sra, 0x33, 5, 0x20),
  rType('or', Op.Or, 0x33, 6, 0),
  rType('and', Op.And, 0x33, 7, 0),
  iType('addiw', Op.Addiw, 0x1b, 0),
  row('slliw', Op.Slliw, Format.ShiftW, f3(0x1b, 1), OPCODE | FUNCT3 | FUNCT7),
  row('srliw', Op.Srliw, Format.ShiftW, f3(0x1b, 5), OPCODE | FUNCT3 | FUNCT7),
  row('sraiw', Op.Sraiw, Format.ShiftW, f7(0x1b, 5, 0x20), OPCODE | FUNCT3 | FUNCT7),
  rType('addw', Op.Addw, 0x3b, 0, 0),
  rType('subw', Op.Subw, 0x3b, 0, 0x20),
  rType('sllw', Op.Sllw, 0x3b, 1, 0),
  rType('srlw', Op.Srlw, 0x3b, 5, 0),
  rType('sraw', Op.Sraw, 0x3b, 5, 0x20),
  rType('mul', Op.Mul, 0x33, 0, 1),
  rType('mulh', Op.Mulh, 0x33, 1, 1),
  rType('mulhsu', Op.Mulhsu, 0x33, 2, 1),
  rType('mulhu', Op.Mulhu, 0x33, 3, 1),
  rType('div', Op.Div, 0x33, 4, 1),
  rType('divu', Op.Divu, 0x33, 5, 1),
  rType('rem', Op.Rem, 0x33, 6, 1),
  rType('remu', Op.Remu, 0x33, 7, 1),
  rType('mulw', Op.Mulw, 0x3b, 0, 1),
  rType('divw', Op.Divw, 0x3b, 4, 1),
  rType('divuw', Op.Divuw, 0x3b, 5, 1),
  rType('remw', Op.Remw, 0x3b, 6, 1),
  rType('remuw', Op.Remuw, 0x3b, 7, 1),
  row(
    'lr.w',
    Op.Lr,
    Format.Lr,
    f7(0x2f, 2, 0x08),
    OPCODE | FUNCT3 | (FUNCT7 & ~AQRL) | RS2,
    4,
    true,
  ),
  row(
    'lr.d',
    Op.Lr,
    Format.Lr,
    f7(0x2f, 3, 0x08),
    OPCODE | FUNCT3 | (FUNCT7 & ~AQRL) | RS2,
    8,
    true,
  ),
  row('sc.w', Op.Sc, Format.Amo, f7(0x2f, 2, 0x0c), OPCODE | FUNCT3 | (FUNCT7 & ~AQRL), 4),
  row('sc.d', Op.Sc, Format.Amo, f7(0x2f, 3, 0x0c), OPCODE | FUNCT3 | (FUNCT7 & ~AQRL), 8),
  ...amo('amoswap', 0x01, AtomicOp.Swap),
  ...amo('amoadd', 0x00, AtomicOp.Add),
  ...amo('amoxor', 0x04, AtomicOp.Xor),
  ...amo('amoand', 0x0c, AtomicOp.And),
  ...amo('amoor', 0x08, AtomicOp.Or),
  ...amo('amomin', 0x10, AtomicOp.MinSigned),
  ...amo('amomax', 0x14, AtomicOp.MaxSigned),
  ...amo('amominu', 0x18, AtomicOp.MinUnsigned),
  ...amo('amomaxu', 0x1c, AtomicOp.MaxUnsigned),
  // binutils matches FENCE only with rd = rs1 = 0 and fm = 0000, FENCE.TSO exactly.
  row('fence.tso', Op.Fence, Format.Fence, 0x8330000f, 0xffffffff),
  row('fence', Op.Fence, Format.Fence, 0x0000000f, 0xf00fffff),
  row('fence.i', Op.FenceI, Format.None, 0x0000100f, 0xffffffff),
  system('ecall', Op.Ecall, 0x00000073),
  system('ebreak', Op.Ebreak, 0x00100073),
  system('sret', Op.Sret, 0x10200073),
  system('mret', Op.Mret, 0x30200073),
  system('wfi', Op.Wfi, 0x10500073),
  row('sfence.vma', Op.SfenceVma, Format.SfenceVma, 0x12000073, 0xfe007fff),
  iType('csrrw', Op.Csrrw, 0x73, 1, Format.Csr),
  iType('csrrs', Op.Csrrs, 0x73, 2, Format.Csr),
  iType('csrrc', Op.Csrrc, 0x73, 3, Format.Csr),
  iType('csrrwi', Op.Csrrwi, 0x73, 5, Format.CsrImm),
  iType('csrrsi', Op.Csrrsi, 0x73, 6, Format.CsrImm),
  iType('csrrci', Op.Csrrci, 0x73, 7, Format.CsrImm),
  iType('flw', Op.FpLoad, 0x07, 2, Format.FpLoad),
  iType('fld', Op.FpLoad, 0x07, 3, Format.FpLoad),
  iType('fsw', Op.FpStore, 0x27, 2, Format.FpStore),
  iType('fsd', Op.FpStore, 0x27, 3, Format.FpStore),
];

const byName = new Map(opcodeTable.map((spec) => [spec.name, spec]));

/** The table row for mnemonic `name` (without .aq/.rl), or `undefined`. */
export function opcodeByName(name: string): OpcodeSpec | undefined {
  return byName.get(name);
}

/** The table row whose fixed bits match `word`, or `undefined`. */
export function opcodeOf(word: number): OpcodeSpec | undefined {
  for (const spec of opcodeTable) if ((word & spec.mask) >>> 0 === spec.match) return spec;
  return undefined;
}
