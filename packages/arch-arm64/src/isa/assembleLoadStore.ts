/**
 * Assembler encoders for loads and stores, choosing the encodings GNU
 * `as` chooses: the scaled unsigned offset when it fits, else the
 * unscaled (LDUR) form; literal loads for a label operand.
 *
 * @module
 */
import {
  type AsmContext,
  branchOffset,
  expectCount,
  gpr,
  type InstructionEncoder,
  immediate,
  memOperand,
  regOperand,
  shiftAmount,
  symbolOperand,
} from './asmContext';
import { extendNames } from './dataProcessingRegister';
import {
  encodeAtomic,
  encodeExclusive,
  encodeLoadLiteral,
  encodeLoadStoreImm9,
  encodeLoadStorePair,
  encodeLoadStoreRegister,
  encodeLoadStoreUnsigned,
  lseNames,
  parsePrefetchOperation,
} from './loadStore';
import type { MemOperand, Operand } from './sourceText';

/** Size (log2 bytes) and opc of a single-register mnemonic for the given Rt width. */
interface Transfer {
  readonly size: number;
  readonly opc: number;
}

type TransferRule = (wide: boolean) => Transfer | undefined;

const transferRules: Readonly<Record<string, TransferRule>> = {
  strb: (w) => (w ? undefined : { size: 0, opc: 0 }),
  strh: (w) => (w ? undefined : { size: 1, opc: 0 }),
  str: (w) => ({ size: w ? 3 : 2, opc: 0 }),
  ldrb: (w) => (w ? undefined : { size: 0, opc: 1 }),
  ldrh: (w) => (w ? undefined : { size: 1, opc: 1 }),
  ldr: (w) => ({ size: w ? 3 : 2, opc: 1 }),
  ldrsb: (w) => ({ size: 0, opc: w ? 2 : 3 }),
  ldrsh: (w) => ({ size: 1, opc: w ? 2 : 3 }),
  ldrsw: (w) => (w ? { size: 2, opc: 2 } : undefined),
};

function offsetValue(cx: AsmContext, mem: MemOperand): number {
  if (!mem.offset) return 0;
  const v = cx.value(mem.offset);
  if (v < -(1n << 40n) || v > 1n << 40n)
    cx.error(mem.offset, `immediate ${v} out of range for ${cx.mnemonic}`);
  return Number(v);
}

function imm9(cx: AsmContext, op: Operand | undefined, value: number | bigint): number {
  if (value < -256 || value > 255)
    cx.error(op, `immediate ${value} out of range -256..255 for ${cx.mnemonic}`);
  return Number(value);
}

/** The register-offset form `[Xn, Rm{, extend #amount}]`. */
function registerOffset(
  cx: AsmContext,
  t: Transfer,
  mem: MemOperand,
  rn: number,
  rt: number,
): number {
  let option = 3;
  let amount = 0;
  let explicit = false;
  const ext = mem.extend;
  if (ext) {
    option = ext.name === 'lsl' ? 3 : extendNames.indexOf(ext.name);
    if ((option & 2) === 0) cx.error(ext, `extend '${ext.name}' not allowed in an address`);
    explicit = ext.amount !== undefined;
    amount = shiftAmount(cx, ext, 4);
    if (ext.name === 'lsl' && !explicit) cx.error(ext, `missing shift amount in '${ext.text}'`);
    if (amount !== 0 && amount !== t.size) {
      cx.error(ext, `shift amount ${amount} must be 0 or ${t.size} for ${cx.mnemonic}`);
    }
  }
  const rm = gpr(cx, mem.index, { wide: (option & 1) === 1 });
  const s = t.size === 0 ? (explicit ? 1 : 0) : amount ? 1 : 0;
  return encodeLoadStoreRegister(t.size, t.opc, rm, option, s, rn, rt);
}

/**
 * The address operands of a single-register access (`ops` after Rt):
 * literal (when `literalOpc` >= 0), post-index, register offset,
 * pre-index, scaled unsigned or unscaled offset.
 */
function singleAccess(
  cx: AsmContext,
  t: Transfer,
  rt: number,
  ops: readonly Operand[],
  unscaled: boolean,
  literalOpc: number,
): number {
  const [addr, post] = ops;
  if (addr.kind !== 'mem') {
    if (unscaled || literalOpc < 0)
      return cx.error(addr, `expected an address in brackets, got '${addr.text}'`);
    return encodeLoadLiteral(literalOpc, branchOffset(cx, addr, 19) / 4, rt);
  }
  const mem = addr;
  const rn = gpr(cx, mem.base, { sp: true, wide: true });
  const prefetch = t.size === 3 && t.opc === 2;
  if (post) {
    if (unscaled || prefetch || mem.offset || mem.index || mem.writeback)
      cx.error(post, `unexpected '${post.text}'`);
    if (post.kind !== 'imm' && post.kind !== 'expr')
      return cx.error(post, `expected an immediate, got '${post.text}'`);
    return encodeLoadStoreImm9(t.size, t.opc, imm9(cx, post, cx.value(post)), 1, rn, rt);
  }
  if (mem.index) {
    if (unscaled || mem.writeback) cx.error(mem, `bad address '${mem.text}' for ${cx.mnemonic}`);
    return registerOffset(cx, t, mem, rn, rt);
  }
  const offset = offsetValue(cx, mem);
  if (mem.writeback) {
    if (unscaled || prefetch) cx.error(mem, `bad address '${mem.text}' for ${cx.mnemonic}`);
    return encodeLoadStoreImm9(t.size, t.opc, imm9(cx, mem.offset, offset), 3, rn, rt);
  }
  const scale = 1 << t.size;
  if (!unscaled && offset >= 0 && offset % scale === 0 && offset / scale <= 4095) {
    return encodeLoadStoreUnsigned(t.size, t.opc, offset / scale, rn, rt);
  }
  return encodeLoadStoreImm9(t.size, t.opc, imm9(cx, mem.offset, offset), 0, rn, rt);
}

/** LDR/STR and the B/H/SB/SH/SW forms, or their unscaled LDUR/STUR spellings. */
function singleEncoder(stem: string, unscaled: boolean): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2, 3);
    const rtOp = regOperand(cx, ops[0]);
    const t = transferRules[stem](rtOp.reg.wide);
    if (!t) return cx.error(rtOp, `register '${rtOp.text}' not allowed for ${cx.mnemonic}`);
    const literalOpc = stem === 'ldr' ? t.size - 2 : stem === 'ldrsw' ? 2 : -1;
    return singleAccess(cx, t, gpr(cx, rtOp), ops.slice(1), unscaled, literalOpc);
  };
}

/** PRFM (all address forms but write-back) and PRFUM; the operation is a name or `#imm5`. */
function prefetchEncoder(unscaled: boolean): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2);
    let rt: number | undefined;
    if (ops[0].kind === 'imm') rt = immediate(cx, ops[0], 0, 31);
    else {
      const name = symbolOperand(cx, ops[0], 'a prefetch operation');
      rt = parsePrefetchOperation(name);
      if (rt === undefined) return cx.error(ops[0], `unknown prefetch operation '${name}'`);
    }
    return singleAccess(cx, { size: 3, opc: 2 }, rt, ops.slice(1), unscaled, 3);
  };
}

/** LDP/STP/LDPSW in the signed-offset, pre-index and post-index forms; LDNP/STNP (`nonTemporal`) offset only. */
function pairEncoder(load: number, signed: boolean, nonTemporal = false): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3, 4);
    const wide = regOperand(cx, ops[0]).reg.wide;
    if (signed && !wide) cx.error(ops[0], `expected a 64-bit (x) register, got '${ops[0].text}'`);
    const rt = gpr(cx, ops[0]);
    const rt2 = gpr(cx, ops[1], { wide });
    const mem = memOperand(cx, ops[2]);
    if (mem.index) cx.error(mem.index, `register offset not allowed for ${cx.mnemonic}`);
    const rn = gpr(cx, mem.base, { sp: true, wide: true });
    const scale = signed ? 4 : wide ? 8 : 4;
    let form = mem.writeback ? 3 : nonTemporal ? 0 : 2;
    let offsetOp: Operand | undefined = mem.offset;
    if (nonTemporal && mem.writeback) cx.error(mem, `bad address '${mem.text}' for ${cx.mnemonic}`);
    if (ops[3]) {
      if (mem.offset || mem.writeback || nonTemporal)
        cx.error(ops[3], `unexpected '${ops[3].text}'`);
      form = 1;
      offsetOp = ops[3];
    }
    const v = offsetOp ? cx.value(offsetOp) : 0n;
    if (v % BigInt(scale) !== 0n || v < BigInt(-64 * scale) || v > BigInt(63 * scale)) {
      cx.error(
        offsetOp,
        `immediate ${v} out of range for ${cx.mnemonic} (multiple of ${scale} in ${-64 * scale}..${63 * scale})`,
      );
    }
    const opc = signed ? 1 : wide ? 2 : 0;
    return encodeLoadStorePair(opc, form, load, Number(v) / scale, rt2, rn, rt);
  };
}

/** The base register of `[Xn]` or `[Xn, #0]`. */
function plainBase(cx: AsmContext, op: Operand | undefined): number {
  const mem = memOperand(cx, op);
  if (mem.index || mem.writeback || (mem.offset && cx.value(mem.offset) !== 0n)) {
    cx.error(mem, `only [Xn] or [Xn, #0] allowed for ${cx.mnemonic}, got '${mem.text}'`);
  }
  return gpr(cx, mem.base, { sp: true, wide: true });
}

/** Size field from a B/H suffix, or from the width of Rt. */
function sizeOf(suffix: string, wide: boolean): number {
  return suffix === 'b' ? 0 : suffix === 'h' ? 1 : wide ? 3 : 2;
}

/** LDAR/STLR/LDLAR/STLLR and LDXR/LDAXR (Rt, [Xn]). */
function orderedEncoder(o2: number, load: number, o0: number, suffix: string): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2);
    const wide = regOperand(cx, ops[0]).reg.wide;
    const rt = gpr(cx, ops[0], suffix ? { wide: false } : {});
    return encodeExclusive(sizeOf(suffix, wide), o2, load, 0, 31, o0, plainBase(cx, ops[1]), rt);
  };
}

/** STXR/STLXR (Ws, Rt, [Xn]). */
function storeExclusiveEncoder(o0: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3);
    const rs = gpr(cx, ops[0], { wide: false });
    const wide = regOperand(cx, ops[1]).reg.wide;
    const rt = gpr(cx, ops[1]);
    return encodeExclusive(wide ? 3 : 2, 0, 0, 0, rs, o0, plainBase(cx, ops[2]), rt);
  };
}

/** Rs, Rt of one width (W for B/H suffixes). */
function pairRegs(
  cx: AsmContext,
  ops: readonly Operand[],
  suffix: string,
): [number, number, number] {
  const wide = suffix ? false : regOperand(cx, ops[0]).reg.wide;
  const size = sizeOf(suffix, wide);
  return [size, gpr(cx, ops[0], { wide }), gpr(cx, ops[1], { wide })];
}

const orders: Readonly<Record<string, [number, number]>> = {
  '': [0, 0],
  a: [1, 0],
  l: [0, 1],
  al: [1, 1],
};

/** Every LSE/CAS/exclusive/ordered mnemonic with its order and size suffixes. */
function atomicEncoders(): Record<string, InstructionEncoder> {
  const out: Record<string, InstructionEncoder> = {};
  for (const suffix of ['', 'b', 'h']) {
    for (const [order, [acquire, release]] of Object.entries(orders)) {
      lseNames.forEach((stem, opc) => {
        out[`ld${stem}${order}${suffix}`] = (cx, ops) => {
          expectCount(cx, ops, 3);
          const [size, rs, rt] = pairRegs(cx, ops, suffix);
          return encodeAtomic(size, acquire, release, rs, 0, opc, plainBase(cx, ops[2]), rt);
        };
        if (!acquire) {
          out[`st${stem}${order}${suffix}`] = (cx, ops) => {
            expectCount(cx, ops, 2);
            const [size, rs] = pairRegs(cx, [ops[0], ops[0]], suffix);
            return encodeAtomic(size, 0, release, rs, 0, opc, plainBase(cx, ops[1]), 31);
          };
        }
      });
      out[`swp${order}${suffix}`] = (cx, ops) => {
        expectCount(cx, ops, 3);
        const [size, rs, rt] = pairRegs(cx, ops, suffix);
        return encodeAtomic(size, acquire, release, rs, 1, 0, plainBase(cx, ops[2]), rt);
      };
      out[`cas${order}${suffix}`] = (cx, ops) => {
        expectCount(cx, ops, 3);
        const [size, rs, rt] = pairRegs(cx, ops, suffix);
        return encodeExclusive(size, 1, acquire, 1, rs, release, plainBase(cx, ops[2]), rt);
      };
    }
    out[`ldar${suffix}`] = orderedEncoder(1, 1, 1, suffix);
    out[`stlr${suffix}`] = orderedEncoder(1, 0, 1, suffix);
    out[`ldlar${suffix}`] = orderedEncoder(1, 1, 0, suffix);
    out[`stllr${suffix}`] = orderedEncoder(1, 0, 0, suffix);
  }
  out.ldxr = orderedEncoder(0, 1, 0, '');
  out.ldaxr = orderedEncoder(0, 1, 1, '');
  out.stxr = storeExclusiveEncoder(0);
  out.stlxr = storeExclusiveEncoder(1);
  return out;
}

/** Encoders of the load/store mnemonics. */
export const loadStoreEncoders: Readonly<Record<string, InstructionEncoder>> = {
  ...Object.fromEntries(
    Object.keys(transferRules).map((stem) => [stem, singleEncoder(stem, false)]),
  ),
  ...Object.fromEntries(
    Object.keys(transferRules).map((stem) => [stem.replace('r', 'ur'), singleEncoder(stem, true)]),
  ),
  ldp: pairEncoder(1, false),
  stp: pairEncoder(0, false),
  ldpsw: pairEncoder(1, true),
  ldnp: pairEncoder(1, false, true),
  stnp: pairEncoder(0, false, true),
  prfm: prefetchEncoder(false),
  prfum: prefetchEncoder(true),
  ...atomicEncoders(),
};
