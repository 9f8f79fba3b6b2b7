/**
 * System instructions and exception generation (Arm ARM C4.1.85): the hints,
 * DMB, DSB, ISB, the cache and TLB maintenance subset of SYS (DC CVAU,
 * IC IVAU, IC IALLU, IC IALLUIS, TLBI), MRS/MSR (register and the PSTATE
 * immediate forms), SVC, BRK, UDF and ERET.
 *
 * @module
 */
import { CacheOp, ExceptionCause } from '@execmem/core';
import { barrierOptionText, dmbCode, dsbCode } from './barriers';
import { type Encoding, u32 } from './encoding';
import { field, hexImm } from './fields';
import { makeInsn, Op } from './insn';
import { reg, regName } from './registers';
import { SystemRegister, systemRegisterName } from './systemRegisters';

/** The instruction word of NOP. */
export const NOP = 0xd503201f;
/** The instruction word of ISB (SY). */
export const ISB = 0xd5033fdf;
/** The instruction word of ERET. */
export const ERET = 0xd69f03e0;

/** Encodes DMB (`dsb` 0) or DSB with a CRm option. */
export function encodeBarrier(dsb: number, option: number): number {
  return u32((dsb ? 0xd503309f : 0xd50330bf) | (option << 8));
}

/** Encodes SVC (`cause` SystemCall), BRK (Breakpoint) or UDF (Undefined) with a 16-bit immediate. */
export function encodeException(cause: ExceptionCause, imm16: number): number {
  if (cause === ExceptionCause.Undefined) return imm16;
  return u32((cause === ExceptionCause.Breakpoint ? 0xd4200000 : 0xd4000001) | (imm16 << 5));
}

/** Encodes MRS (`read` 1) or MSR (register) with a system register id. */
export function encodeSystemRegister(read: number, id: number, rt: number): number {
  return u32(0xd5100000 | (read << 21) | (id << 5) | rt);
}

/** Encodes SYS with its op1:CRn:CRm:op2 value (as in {@link TlbiOp}) and Rt. */
export function encodeSys(sysOp: number, rt: number): number {
  return u32(0xd5080000 | (sysOp << 5) | rt);
}

function sysOp(op1: number, crn: number, crm: number, op2: number): number {
  return (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/**
 * TLB maintenance operations passed to `MemoryPort.tlbOp`: the SYS
 * op1:CRn:CRm:op2 value of the TLBI (Arm ARM C5.5). The address argument
 * is the page address from Xt (VA[47:12] in bits 35:0), or 0 for the
 * `vmall*` forms; the ASID field is not modelled.
 */
export const TlbiOp = {
  VMALLE1IS: sysOp(0, 8, 3, 0),
  VAE1IS: sysOp(0, 8, 3, 1),
  ASIDE1IS: sysOp(0, 8, 3, 2),
  VAAE1IS: sysOp(0, 8, 3, 3),
  VALE1IS: sysOp(0, 8, 3, 5),
  VAALE1IS: sysOp(0, 8, 3, 7),
  VMALLE1: sysOp(0, 8, 7, 0),
  VAE1: sysOp(0, 8, 7, 1),
  ASIDE1: sysOp(0, 8, 7, 2),
  VAAE1: sysOp(0, 8, 7, 3),
  VALE1: sysOp(0, 8, 7, 5),
  VAALE1: sysOp(0, 8, 7, 7),
} as const;
/** See the constant of the same name. */
export type TlbiOp = (typeof TlbiOp)[keyof typeof TlbiOp];

/** A SYS operation of the subset: its assembler name, whether it takes Xt, and what it does. */
export interface SysOperation {
  /** `dc`, `ic` or `tlbi`. */
  readonly mnemonic: string;
  /** The operation name, e.g. `cvau`. */
  readonly name: string;
  /** The SYS op1:CRn:CRm:op2 value. */
  readonly op: number;
  /** True when the operation takes an address register. */
  readonly hasRt: boolean;
  /** The `CacheOp` for DC/IC; -1 for TLBI. */
  readonly cacheOp: number;
}

/** Every SYS operation of the subset. */
export const sysOperations: readonly SysOperation[] = [
  { mnemonic: 'dc', name: 'cvau', op: sysOp(3, 7, 11, 1), hasRt: true, cacheOp: CacheOp.DcCvau },
  { mnemonic: 'ic', name: 'ivau', op: sysOp(3, 7, 5, 1), hasRt: true, cacheOp: CacheOp.IcIvau },
  { mnemonic: 'ic', name: 'iallu', op: sysOp(0, 7, 5, 0), hasRt: false, cacheOp: CacheOp.IcIallu },
  {
    mnemonic: 'ic',
    name: 'ialluis',
    op: sysOp(0, 7, 1, 0),
    hasRt: false,
    cacheOp: CacheOp.IcIalluis,
  },
  ...Object.entries(TlbiOp).map(([name, op]) => ({
    mnemonic: 'tlbi',
    name: name.toLowerCase(),
    op,
    hasRt: !name.startsWith('VMALL'),
    cacheOp: -1,
  })),
];

const sysByOp = new Map(sysOperations.map((s) => [s.op, s]));

const exact = (word: number) => ({ mask: 0xffffffff, match: word });

/** Names objdump prints for the allocated hints (HINT #CRm:op2, Arm ARM C6.2.126). */
const hintNames: Readonly<Record<number, string>> = {
  0: 'nop',
  1: 'yield',
  2: 'wfe',
  3: 'wfi',
  4: 'sev',
  5: 'sevl',
  7: 'xpaclri',
  8: 'pacia1716',
  10: 'pacib1716',
  12: 'autia1716',
  14: 'autib1716',
  16: 'esb',
  17: 'psb csync',
  18: 'tsb csync',
  20: 'csdb',
  22: 'clearbhb',
  24: 'paciaz',
  25: 'paciasp',
  26: 'pacibz',
  27: 'pacibsp',
  28: 'autiaz',
  29: 'autiasp',
  30: 'autibz',
  31: 'autibsp',
  32: 'bti',
  34: 'bti c',
  36: 'bti j',
  38: 'bti jc',
};

/** The hint number of each hint name, for the assembler. */
export const hintNumbers: ReadonlyMap<string, number> = new Map(
  Object.entries(hintNames).map(([n, name]) => [name, Number(n)]),
);

/** Encodes HINT #imm (0..127). */
export function encodeHint(imm: number): number {
  return u32(0xd503201f | (imm << 5));
}

/**
 * The hint space executes as NOP on a PE without the feature, which is
 * how the model runs the PAC and BTI hints; WFI stops the CPU (Halt).
 */
const hint: Encoding = {
  mask: 0xfffff01f,
  match: 0xd503201f,
  decode(w) {
    const imm = field(w, 5, 7);
    if (imm === 3) return makeInsn(Op.Exception, w, { variant: ExceptionCause.Halt, imm: 0 });
    return makeInsn(Op.Nop, w, { imm });
  },
  print(insn) {
    const imm = field(insn.word, 5, 7);
    return hintNames[imm] ?? `hint #${hexImm(imm)}`;
  },
};

const eret: Encoding = {
  ...exact(ERET),
  decode: (w) => makeInsn(Op.Eret, w, {}),
  print: () => 'eret',
};

const barrier: Encoding = {
  mask: 0xfffff0df,
  match: 0xd503309f,
  decode(w) {
    const option = field(w, 8, 4);
    const dsb = field(w, 5, 1) === 0;
    // DSB #0 and DSB #4 are SSBB and PSSBB: speculation barriers with no ordering effect here.
    if (dsb && (option & 11) === 0) return makeInsn(Op.Nop, w, { variant: 1 });
    return makeInsn(Op.Barrier, w, { imm: dsb ? dsbCode(option) : dmbCode(option) });
  },
  print(insn) {
    const option = field(insn.word, 8, 4);
    if (insn.op === Op.Nop) return option ? 'pssbb' : 'ssbb';
    return `${field(insn.word, 5, 1) ? 'dmb' : 'dsb'} ${barrierOptionText(option)}`;
  },
};

const isb: Encoding = {
  mask: 0xfffff0ff,
  match: 0xd50330df,
  decode: (w) => makeInsn(Op.Isb, w, {}),
  print(insn) {
    const option = field(insn.word, 8, 4);
    return option === 15 ? 'isb' : `isb #0x${option.toString(16)}`;
  },
};

const sys: Encoding = {
  mask: 0xfff80000,
  match: 0xd5080000,
  decode(w) {
    const op = sysByOp.get(field(w, 5, 14));
    const rt = w & 31;
    if (!op || (!op.hasRt && rt !== 31)) return undefined;
    const fields = { rn: reg(rt, false), imm: op.op, variant: op.cacheOp };
    return makeInsn(op.cacheOp < 0 ? Op.Tlbi : Op.CacheMaintenance, w, fields);
  },
  print(insn) {
    const op = sysByOp.get(insn.imm)!;
    return `${op.mnemonic} ${op.name}${op.hasRt ? `, ${regName(insn.rn, 1)}` : ''}`;
  },
};

const systemRegisterMove: Encoding = {
  mask: 0xffd00000,
  match: 0xd5100000,
  decode(w) {
    const read = field(w, 21, 1);
    const rt = reg(w & 31, false);
    return makeInsn(read ? Op.Mrs : Op.Msr, w, { sf: 1, imm: field(w, 5, 16), rd: rt, rn: rt });
  },
  print(insn) {
    const name = systemRegisterName(insn.imm);
    return insn.op === Op.Mrs
      ? `mrs ${regName(insn.rd, 1)}, ${name}`
      : `msr ${name}, ${regName(insn.rn, 1)}`;
  },
};

/**
 * MSR (immediate) PSTATE fields (Arm ARM C6.2.229): the op1:op2 value,
 * the system register the executor reads and writes through the port,
 * how the immediate changes it, and where its bits go.
 */
export interface PstateField {
  readonly name: string;
  readonly op1: number;
  readonly op2: number;
  readonly register: number;
  /** 0: OR the bits in (DAIFSet), 1: clear them (DAIFClr), 2: write CRm bit 0. */
  readonly action: number;
  /** Bit position of the field in the register. */
  readonly shift: number;
}

/** The PSTATE fields of MSR (immediate) in the subset. */
export const pstateFields: readonly PstateField[] = [
  { name: 'daifset', op1: 3, op2: 6, register: SystemRegister.DAIF, action: 0, shift: 6 },
  { name: 'daifclr', op1: 3, op2: 7, register: SystemRegister.DAIF, action: 1, shift: 6 },
  { name: 'spsel', op1: 0, op2: 5, register: SystemRegister.SPSel, action: 2, shift: 0 },
  { name: 'pan', op1: 0, op2: 4, register: SystemRegister.PAN, action: 2, shift: 22 },
  { name: 'uao', op1: 0, op2: 3, register: SystemRegister.UAO, action: 2, shift: 23 },
];

/** Encodes MSR (immediate) for a PSTATE field with a 4-bit immediate. */
export function encodeMsrImmediate(f: PstateField, imm: number): number {
  return u32(0xd500401f | (f.op1 << 16) | (imm << 8) | (f.op2 << 5));
}

const msrImmediate: Encoding = {
  mask: 0xfff8f01f,
  match: 0xd500401f,
  decode(w) {
    const op1 = field(w, 16, 3);
    const op2 = field(w, 5, 3);
    const f = pstateFields.find((p) => p.op1 === op1 && p.op2 === op2);
    const crm = field(w, 8, 4);
    // One-bit fields leave CRm<3:1> zero; other values are MSR (register) space.
    if (!f || (f.action === 2 && crm > 1)) return undefined;
    const bits = f.action === 2 ? crm & 1 : crm;
    return makeInsn(Op.MsrImmediate, w, {
      imm: f.register,
      imm2: bits << f.shift,
      variant: f.action,
      amount: crm,
    });
  },
  print(insn) {
    const f = pstateFields.find((p) => p.register === insn.imm && p.action === insn.variant)!;
    return `msr ${f.name}, #${hexImm(insn.amount)}`;
  },
};

function exception(match: number, cause: ExceptionCause, name: string): Encoding {
  return {
    mask: 0xffe0001f,
    match,
    decode: (w) => makeInsn(Op.Exception, w, { variant: cause, imm: field(w, 5, 16) }),
    print: (insn) => `${name} #${hexImm(insn.imm)}`,
  };
}

const udf: Encoding = {
  mask: 0xffff0000,
  match: 0x00000000,
  decode: (w) => makeInsn(Op.Exception, w, { variant: ExceptionCause.Undefined, imm: w & 0xffff }),
  print: (insn) => `udf #${insn.imm}`,
};

/** The decode-table rows of this group. */
export const systemEncodings: readonly Encoding[] = [
  hint,
  eret,
  barrier,
  isb,
  sys,
  systemRegisterMove,
  msrImmediate,
  exception(0xd4000001, ExceptionCause.SystemCall, 'svc'),
  exception(0xd4200000, ExceptionCause.Breakpoint, 'brk'),
  udf,
];
