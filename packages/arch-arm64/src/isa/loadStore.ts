/**
 * Loads and stores (Arm ARM C4.1.88): single register (unsigned offset,
 * unscaled, pre/post-index, register offset, literal), PRFM, pairs
 * (including the non-temporal LDNP/STNP), load-acquire
 * / store-release, exclusives, and the LSE atomics (LDADD, LDCLR, LDEOR,
 * LDSET, LD{S,U}{MAX,MIN}, SWP, CAS) with the ST* aliases objdump prints.
 *
 * @module
 */
import { AccessKind, AtomicOp } from '@execmem/core';
import { extendNames } from './dataProcessingRegister';
import { type Encoding, u32 } from './encoding';
import { field, hexAddress, signExtend } from './fields';
import { AddressMode, type Arm64Insn, makeInsn, Op } from './insn';
import { reg, regName, ZR } from './registers';

/** Encodes a single-register load/store with a scaled unsigned 12-bit offset. */
export function encodeLoadStoreUnsigned(
  size: number,
  opc: number,
  imm12: number,
  rn: number,
  rt: number,
): number {
  return u32((size << 30) | 0x39000000 | (opc << 22) | (imm12 << 10) | (rn << 5) | rt);
}

/** Encodes a single-register load/store with a signed 9-bit offset; `form` 0 unscaled, 1 post-index, 3 pre-index. */
export function encodeLoadStoreImm9(
  size: number,
  opc: number,
  imm9: number,
  form: number,
  rn: number,
  rt: number,
): number {
  return u32(
    (size << 30) |
      0x38000000 |
      (opc << 22) |
      ((imm9 & 0x1ff) << 12) |
      (form << 10) |
      (rn << 5) |
      rt,
  );
}

/** Encodes a single-register load/store with a register offset. */
export function encodeLoadStoreRegister(
  size: number,
  opc: number,
  rm: number,
  option: number,
  s: number,
  rn: number,
  rt: number,
): number {
  return u32(
    (size << 30) |
      0x38200800 |
      (opc << 22) |
      (rm << 16) |
      (option << 13) |
      (s << 12) |
      (rn << 5) |
      rt,
  );
}

/** Encodes LDR (literal): `opc` 0 = W, 1 = X, 2 = LDRSW; `imm19` in words. */
export function encodeLoadLiteral(opc: number, imm19: number, rt: number): number {
  return u32((opc << 30) | 0x18000000 | ((imm19 & 0x7ffff) << 5) | rt);
}

/** Encodes LDP/STP/LDPSW; `form` 1 post-index, 2 signed offset, 3 pre-index; `imm7` in units of the access size. */
export function encodeLoadStorePair(
  opc: number,
  form: number,
  load: number,
  imm7: number,
  rt2: number,
  rn: number,
  rt: number,
): number {
  return u32(
    (opc << 30) |
      0x28000000 |
      (form << 23) |
      (load << 22) |
      ((imm7 & 0x7f) << 15) |
      (rt2 << 10) |
      (rn << 5) |
      rt,
  );
}

/** Encodes the load/store exclusive and ordered group (LDXR, STXR, LDAR, STLR, CAS …). */
export function encodeExclusive(
  size: number,
  o2: number,
  load: number,
  o1: number,
  rs: number,
  o0: number,
  rn: number,
  rt: number,
): number {
  return u32(
    (size << 30) |
      0x08000000 |
      (o2 << 23) |
      (load << 22) |
      (o1 << 21) |
      (rs << 16) |
      (o0 << 15) |
      (31 << 10) |
      (rn << 5) |
      rt,
  );
}

/** Encodes an LSE atomic memory operation (`o3`:`opc` 0:0..7 = LDADD…LDUMIN, 1:0 = SWP). */
export function encodeAtomic(
  size: number,
  acquire: number,
  release: number,
  rs: number,
  o3: number,
  opc: number,
  rn: number,
  rt: number,
): number {
  return u32(
    (size << 30) |
      0x38200000 |
      (acquire << 23) |
      (release << 22) |
      (rs << 16) |
      (o3 << 15) |
      (opc << 12) |
      (rn << 5) |
      rt,
  );
}

/** Register width, signedness and direction of a single-register size:opc pair; `undefined` when not a GPR load/store. */
function transfer(
  size: number,
  opc: number,
): { load: number; signed: number; sf: number } | undefined {
  if (opc < 2) return { load: opc, signed: 0, sf: size === 3 ? 1 : 0 };
  if (opc === 2 && size < 3) return { load: 1, signed: 1, sf: 1 };
  if (opc === 3 && size < 2) return { load: 1, signed: 1, sf: 0 };
  return undefined;
}

const sizeSuffix = ['b', 'h', '', ''];

/** The mnemonic of a single-register load/store, e.g. `ldursh`. */
function singleName(insn: Arm64Insn, unscaled: boolean): string {
  const log2 = Math.log2(insn.size);
  const suffix = insn.signed ? ['b', 'h', 'w'][log2] : sizeSuffix[log2];
  return `${insn.variant ? 'ld' : 'st'}${unscaled ? 'ur' : 'r'}${insn.signed ? 's' : ''}${suffix}`;
}

/** A PRFM operation as objdump prints it: `pldl1keep` … or `#0x06` for the unallocated values. */
function prefetchOperation(rt: number): string {
  const type = rt >> 3;
  const target = (rt >> 1) & 3;
  if (type === 3 || target === 3) return `#0x${rt.toString(16).padStart(2, '0')}`;
  return `${['pld', 'pli', 'pst'][type]}l${target + 1}${rt & 1 ? 'strm' : 'keep'}`;
}

/** Parses a PRFM operation name; `undefined` when unknown. */
export function parsePrefetchOperation(name: string): number | undefined {
  for (let rt = 0; rt < 24; rt++) if (prefetchOperation(rt) === name) return rt;
  return undefined;
}

/** The objdump text of a single-register load/store or PRFM. */
function singleText(insn: Arm64Insn, unscaled: boolean): string {
  if (insn.op === Op.Nop)
    return `${unscaled ? 'prfum' : 'prfm'} ${prefetchOperation(insn.rd)}, ${addressText(insn)}`;
  return `${singleName(insn, unscaled)} ${regName(insn.rd, insn.sf)}, ${addressText(insn)}`;
}

/** The bracketed address operand as objdump prints it. */
function addressText(insn: Arm64Insn): string {
  const base = regName(insn.rn, 1);
  switch (insn.mode) {
    case AddressMode.PreIndex:
      return `[${base}, #${insn.imm}]!`;
    case AddressMode.PostIndex:
      return `[${base}], #${insn.imm}`;
    case AddressMode.Register: {
      const option = insn.shift;
      const rm = regName(insn.rm, option & 1);
      const s = field(insn.word, 12, 1);
      if (option === 3) return s ? `[${base}, ${rm}, lsl #${insn.amount}]` : `[${base}, ${rm}]`;
      return `[${base}, ${rm}, ${extendNames[option]}${s ? ` #${insn.amount}` : ''}]`;
    }
    default:
      return insn.imm === 0 ? `[${base}]` : `[${base}, #${insn.imm}]`;
  }
}

function singleInsn(
  w: number,
  mode: number,
  imm: number,
  extra: Partial<Arm64Insn> = {},
): Arm64Insn | undefined {
  const size = w >>> 30;
  const opc = field(w, 22, 2);
  if (size === 3 && opc === 2) {
    // PRFM: a hint with no architectural effect, so it executes as NOP; Rt holds the prfop.
    if (mode === AddressMode.PreIndex || mode === AddressMode.PostIndex) return undefined;
    return makeInsn(Op.Nop, w, { rd: w & 31, rn: reg(field(w, 5, 5), true), mode, imm, ...extra });
  }
  const t = transfer(size, opc);
  if (!t) return undefined;
  return makeInsn(Op.LoadStore, w, {
    sf: t.sf,
    variant: t.load,
    signed: t.signed,
    size: 1 << size,
    rd: reg(w & 31, false),
    rn: reg(field(w, 5, 5), true),
    mode,
    imm,
    kind: AccessKind.Plain,
    ...extra,
  });
}

const loadStoreUnsigned: Encoding = {
  mask: 0x3f000000,
  match: 0x39000000,
  decode(w) {
    return singleInsn(w, AddressMode.Offset, field(w, 10, 12) << (w >>> 30));
  },
  print(insn) {
    return singleText(insn, false);
  },
};

const imm9Modes = [AddressMode.Offset, AddressMode.PostIndex, -1, AddressMode.PreIndex];

const loadStoreImm9: Encoding = {
  mask: 0x3f200000,
  match: 0x38000000,
  decode(w) {
    const mode = imm9Modes[field(w, 10, 2)];
    if (mode < 0) return undefined;
    return singleInsn(w, mode, signExtend(field(w, 12, 9), 9));
  },
  print(insn) {
    const unscaled = field(insn.word, 10, 2) === 0;
    return singleText(insn, unscaled);
  },
};

const loadStoreRegister: Encoding = {
  mask: 0x3f200c00,
  match: 0x38200800,
  decode(w) {
    const option = field(w, 13, 3);
    if ((option & 2) === 0) return undefined;
    return singleInsn(w, AddressMode.Register, 0, {
      rm: reg(field(w, 16, 5), false),
      shift: option,
      amount: field(w, 12, 1) ? w >>> 30 : 0,
    });
  },
  print(insn) {
    return singleText(insn, false);
  },
};

const loadLiteral: Encoding = {
  mask: 0x3f000000,
  match: 0x18000000,
  decode(w) {
    const opc = w >>> 30;
    const imm = signExtend(field(w, 5, 19), 19) * 4;
    if (opc === 3) return makeInsn(Op.Nop, w, { rd: w & 31, imm });
    return makeInsn(Op.LoadLiteral, w, {
      sf: opc === 0 ? 0 : 1,
      size: opc === 1 ? 8 : 4,
      signed: opc === 2 ? 1 : 0,
      rd: reg(w & 31, false),
      imm,
    });
  },
  print(insn, pc) {
    const target = hexAddress(pc + BigInt(insn.imm));
    if (insn.op === Op.Nop) return `prfm ${prefetchOperation(insn.rd)}, ${target}`;
    return `${insn.signed ? 'ldrsw' : 'ldr'} ${regName(insn.rd, insn.sf)}, ${target}`;
  },
};

/** Pair addressing modes by bits 24:23; 0 is the non-temporal LDNP/STNP, an offset form. */
const pairModes = [
  AddressMode.Offset,
  AddressMode.PostIndex,
  AddressMode.Offset,
  AddressMode.PreIndex,
];

const loadStorePair: Encoding = {
  mask: 0x3e000000,
  match: 0x28000000,
  decode(w) {
    const opc = w >>> 30;
    const load = field(w, 22, 1);
    const form = field(w, 23, 2);
    const mode = pairModes[form];
    if (opc === 3 || (opc === 1 && (load === 0 || form === 0))) return undefined;
    const size = opc === 2 ? 8 : 4;
    const rt = w & 31;
    const rt2 = field(w, 10, 5);
    const rn = field(w, 5, 5);
    // objdump rejects the CONSTRAINED UNPREDICTABLE LDPSW forms (Arm ARM C6.2.175).
    if (opc === 1 && (rt === rt2 || (mode !== AddressMode.Offset && (rn === rt || rn === rt2))))
      return undefined;
    return makeInsn(Op.LoadStorePair, w, {
      sf: opc === 0 ? 0 : 1,
      size,
      signed: opc === 1 ? 1 : 0,
      variant: load,
      rd: reg(w & 31, false),
      ra: reg(field(w, 10, 5), false),
      rn: reg(field(w, 5, 5), true),
      imm: signExtend(field(w, 15, 7), 7) * size,
      mode,
      kind: AccessKind.Plain,
    });
  },
  print(insn) {
    const nonTemporal = field(insn.word, 23, 2) === 0 ? 'n' : '';
    const name = insn.variant ? (insn.signed ? 'ldpsw' : `ld${nonTemporal}p`) : `st${nonTemporal}p`;
    return `${name} ${regName(insn.rd, insn.sf)}, ${regName(insn.ra, insn.sf)}, ${addressText(insn)}`;
  },
};

const orderedKinds = [AccessKind.Plain, AccessKind.Release, AccessKind.Acquire, AccessKind.SeqCst];

/** LDXR/STXR/LDAXR/STLXR (W and X), LDAR/STLR/LDLAR/STLLR (all sizes) and CAS (all sizes). */
const exclusive: Encoding = {
  mask: 0x3f000000,
  match: 0x08000000,
  decode(w) {
    const size = w >>> 30;
    const o2 = field(w, 23, 1);
    const load = field(w, 22, 1);
    const o1 = field(w, 21, 1);
    const rs = field(w, 16, 5);
    const o0 = field(w, 15, 1);
    if (field(w, 10, 5) !== 31) return undefined;
    const base = {
      sf: size === 3 ? 1 : 0,
      size: 1 << size,
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), true),
    };
    if (o1 === 1) {
      if (o2 === 0) return undefined;
      const kind = orderedKinds[(load << 1) | o0];
      return makeInsn(Op.CompareSwap, w, {
        ...base,
        rm: reg(rs, false),
        kind,
        variant: AtomicOp.CompareSwap,
      });
    }
    if (load === 1 && rs !== 31) return undefined;
    if (o2 === 1) {
      const kind = load ? AccessKind.Acquire : AccessKind.Release;
      return makeInsn(Op.LoadStore, w, { ...base, variant: load, mode: AddressMode.Offset, kind });
    }
    if (size < 2) return undefined;
    if (load) {
      const kind = o0 ? AccessKind.AcquireExclusive : AccessKind.Exclusive;
      return makeInsn(Op.LoadExclusive, w, { ...base, kind });
    }
    const kind = o0 ? AccessKind.ReleaseExclusive : AccessKind.Exclusive;
    return makeInsn(Op.StoreExclusive, w, { ...base, rm: reg(rs, false), kind });
  },
  print(insn) {
    const w = insn.word;
    const o0 = field(w, 15, 1);
    const load = field(w, 22, 1);
    const suffix = sizeSuffix[w >>> 30];
    const rt = regName(insn.rd, insn.sf);
    const address = `[${regName(insn.rn, 1)}]`;
    switch (insn.op) {
      case Op.CompareSwap: {
        const order = ['', 'l', 'a', 'al'][(load << 1) | o0];
        return `cas${order}${suffix} ${regName(insn.rm, insn.sf)}, ${rt}, ${address}`;
      }
      case Op.LoadStore: {
        const name = load ? (o0 ? 'ldar' : 'ldlar') : o0 ? 'stlr' : 'stllr';
        return `${name}${suffix} ${rt}, ${address}`;
      }
      case Op.LoadExclusive:
        return `${o0 ? 'ldaxr' : 'ldxr'} ${rt}, ${address}`;
      default:
        return `${o0 ? 'stlxr' : 'stxr'} ${regName(insn.rm, 0)}, ${rt}, ${address}`;
    }
  },
};

/** AtomicOp of each LSE `opc` value, and its mnemonic stem. */
const lseOps: readonly AtomicOp[] = [
  AtomicOp.Add,
  AtomicOp.Clear,
  AtomicOp.Xor,
  AtomicOp.Or,
  AtomicOp.MaxSigned,
  AtomicOp.MinSigned,
  AtomicOp.MaxUnsigned,
  AtomicOp.MinUnsigned,
];
/** Mnemonic stems of the LSE load-and-operate instructions in `opc` order. */
export const lseNames: readonly string[] = [
  'add',
  'clr',
  'eor',
  'set',
  'smax',
  'smin',
  'umax',
  'umin',
];

const atomic: Encoding = {
  mask: 0x3f200c00,
  match: 0x38200000,
  decode(w) {
    const o3 = field(w, 15, 1);
    const opc = field(w, 12, 3);
    if (o3 === 1 && opc !== 0) return undefined;
    const size = w >>> 30;
    return makeInsn(Op.Atomic, w, {
      sf: size === 3 ? 1 : 0,
      size: 1 << size,
      variant: o3 ? AtomicOp.Swap : lseOps[opc],
      kind: orderedKinds[(field(w, 23, 1) << 1) | field(w, 22, 1)],
      rm: reg(field(w, 16, 5), false),
      rd: reg(w & 31, false),
      rn: reg(field(w, 5, 5), true),
    });
  },
  print(insn) {
    const w = insn.word;
    const acquire = field(w, 23, 1);
    const order = ['', 'l', 'a', 'al'][(acquire << 1) | field(w, 22, 1)];
    const suffix = sizeSuffix[w >>> 30];
    const rs = regName(insn.rm, insn.sf);
    const address = `[${regName(insn.rn, 1)}]`;
    if (insn.variant === AtomicOp.Swap) {
      return `swp${order}${suffix} ${rs}, ${regName(insn.rd, insn.sf)}, ${address}`;
    }
    const stem = lseNames[field(w, 12, 3)];
    if (insn.rd === ZR && !acquire) return `st${stem}${order}${suffix} ${rs}, ${address}`;
    return `ld${stem}${order}${suffix} ${rs}, ${regName(insn.rd, insn.sf)}, ${address}`;
  },
};

/** The decode-table rows of this group. */
export const loadStoreEncodings: readonly Encoding[] = [
  loadStoreUnsigned,
  loadStoreImm9,
  loadStoreRegister,
  atomic,
  loadLiteral,
  loadStorePair,
  exclusive,
];
