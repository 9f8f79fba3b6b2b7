/**
 * The AArch64 litmus front end: herd's upper-case syntax (`STR W0,[X1]`,
 * `DC CVAU,X1`, `B.NE L0`) and the `aarch64.cat` ifetch model.
 *
 * @module
 */

import type { InsnContext, LitmusArch, LitmusRegister } from '../litmusArch';
import type { LitmusCond, LitmusInsn, LitmusOperand, LitmusOrdering } from '../litmusInsn';
import { aarch64Model, BARRIER_CLASS } from '../model/aarch64Model';
import {
  branchTarget,
  canonicalText,
  expectOperands,
  registerOperand,
  sourceOperand,
  splitInstruction,
} from './operands';

/** XZR/WZR: reads as zero, writes are discarded. */
const ZR = 31;

function register(name: string): LitmusRegister | undefined {
  const n = name.toUpperCase();
  if (n === 'XZR') return { reg: ZR, bits: 64 };
  if (n === 'WZR') return { reg: ZR, bits: 32 };
  const m = n.match(/^([XW])(\d+)$/);
  if (!m || Number(m[2]) > 30) return undefined;
  return { reg: Number(m[2]), bits: m[1] === 'X' ? 64 : 32 };
}

const CONDS: Readonly<Record<string, LitmusCond>> = {
  EQ: 'eq',
  NE: 'ne',
  LT: 'lt',
  GE: 'ge',
  GT: 'gt',
  LE: 'le',
  LO: 'lo',
  CC: 'lo',
  HS: 'hs',
  CS: 'hs',
  HI: 'hi',
  LS: 'ls',
};

const LOADS: Readonly<Record<string, LitmusOrdering>> = {
  LDR: 'plain',
  LDAR: 'acquire',
  LDAPR: 'acquirePc',
};
const STORES: Readonly<Record<string, LitmusOrdering>> = { STR: 'plain', STLR: 'release' };
const ALU: Readonly<Record<string, 'add' | 'sub' | 'and' | 'or' | 'xor'>> = {
  ADD: 'add',
  SUB: 'sub',
  AND: 'and',
  ORR: 'or',
  EOR: 'xor',
};

/**
 * `[Xn]`, `[Xn,#0]` or `[Xn,Rm{,SXTW|UXTW|LSL #0}]`: litmus addresses are
 * symbolic, so an immediate offset must be zero; an index register (zero,
 * or a code-address offset) is how tests build address dependencies.
 */
function address(
  ctx: InsnContext,
  text: string | undefined,
): { base: LitmusOperand; index?: LitmusOperand } {
  const m = text
    ?.replace(/\s+/g, ' ')
    .match(/^\[\s*([^,\]\s]+)\s*(?:,\s*(#0|[XW]\w+)\s*(?:,\s*(?:SXTW|UXTW|LSL\s*#0)\s*)?)?\]$/i);
  if (!m) return ctx.fail(`expected an address [Xn] or [Xn,Rm], found '${text ?? ''}'`);
  const r = registerOperand(ctx, register, m[1]);
  if (r.bits !== 64) ctx.fail(`expected a 64-bit base register, found '${m[1]}'`);
  const base: LitmusOperand = { reg: r.reg, bits: 64 };
  if (!m[2] || m[2] === '#0') return { base };
  const x = registerOperand(ctx, register, m[2]);
  return { base, index: { reg: x.reg, bits: x.bits } };
}

function parseInstruction(text: string, ctx: InsnContext): LitmusInsn {
  const { mnemonic, operands: ops } = splitInstruction(text);
  const m = mnemonic.toUpperCase();
  const reg = (t: string | undefined) => registerOperand(ctx, register, t);
  const src = (t: string | undefined) => sourceOperand(ctx, register, t, /^#/);
  if (m.startsWith('B.')) {
    const cond = CONDS[m.slice(2)];
    if (!cond) ctx.fail(`unknown condition '${m.slice(2)}'`);
    expectOperands(ctx, ops, [1], 'label');
    return { op: 'branchFlags', cond, target: branchTarget(ctx, ops[0], 4) };
  }
  if (m in LOADS) {
    expectOperands(ctx, ops, [2], 'Rt,[Xn]');
    const d = reg(ops[0]);
    return {
      op: 'load',
      dst: d.reg,
      bits: d.bits,
      ...address(ctx, ops[1]),
      ordering: LOADS[m] as LitmusOrdering,
    };
  }
  if (m in STORES) {
    expectOperands(ctx, ops, [2], 'Rt,[Xn]');
    return {
      op: 'store',
      src: src(ops[0]),
      ...address(ctx, ops[1]),
      ordering: STORES[m] as LitmusOrdering,
    };
  }
  if (m in ALU) {
    expectOperands(ctx, ops, [3], 'Rd,Rn,Rm|#imm');
    const d = reg(ops[0]);
    return {
      op: 'alu',
      alu: ALU[m] as 'add',
      dst: d.reg,
      bits: d.bits,
      a: src(ops[1]),
      b: src(ops[2]),
    };
  }
  switch (m) {
    case 'NOP':
      return { op: 'nop' };
    case 'MOV': {
      expectOperands(ctx, ops, [2], 'Rd,Rm|#imm');
      const d = reg(ops[0]);
      return { op: 'mov', dst: d.reg, bits: d.bits, src: src(ops[1]) };
    }
    case 'ADR': {
      expectOperands(ctx, ops, [2], 'Xd,label');
      return {
        op: 'mov',
        dst: reg(ops[0]).reg,
        bits: 64,
        src: { imm: branchTarget(ctx, ops[1], 4) },
      };
    }
    case 'CMP':
      expectOperands(ctx, ops, [2], 'Rn,Rm|#imm');
      return { op: 'cmp', a: src(ops[0]), b: src(ops[1]) };
    case 'CSET': {
      expectOperands(ctx, ops, [2], 'Rd,cond');
      const cond = CONDS[(ops[1] ?? '').toUpperCase()];
      if (!cond) ctx.fail(`unknown condition '${ops[1] ?? ''}'`);
      return { op: 'cset', dst: reg(ops[0]).reg, cond };
    }
    case 'B':
      expectOperands(ctx, ops, [1], 'label');
      return { op: 'jump', target: branchTarget(ctx, ops[0], 4) };
    case 'BL':
      expectOperands(ctx, ops, [1], 'label');
      return { op: 'jump', target: branchTarget(ctx, ops[0], 4), link: 30 };
    case 'BR':
      expectOperands(ctx, ops, [1], 'Xn');
      return { op: 'jumpReg', reg: reg(ops[0]).reg };
    case 'BLR':
      expectOperands(ctx, ops, [1], 'Xn');
      return { op: 'jumpReg', reg: reg(ops[0]).reg, link: 30 };
    case 'RET':
      expectOperands(ctx, ops, [0, 1], '[Xn]');
      return { op: 'jumpReg', reg: ops[0] === undefined ? 30 : reg(ops[0]).reg };
    case 'CBZ':
    case 'CBNZ': {
      expectOperands(ctx, ops, [2], 'Rt,label');
      const r = reg(ops[0]);
      return {
        op: 'branchCompare',
        cond: m === 'CBZ' ? 'eq' : 'ne',
        a: { reg: r.reg, bits: r.bits },
        b: { imm: 0n },
        target: branchTarget(ctx, ops[1], 4),
      };
    }
    case 'DMB':
    case 'DSB': {
      expectOperands(ctx, ops, [1], 'option');
      const o = (ops[0] ?? '').toUpperCase();
      if (!Object.hasOwn(BARRIER_CLASS, o)) ctx.fail(`unknown barrier option '${ops[0] ?? ''}'`);
      return { op: 'fence', fence: `${m}.${o}` };
    }
    case 'ISB':
      return { op: 'fence', fence: 'ISB' };
    case 'DC':
    case 'IC': {
      const kind = `${m}.${(ops[0] ?? '').toUpperCase()}`;
      if (kind === 'DC.CVAU' || kind === 'IC.IVAU') {
        expectOperands(ctx, ops, [2], 'op,Xn');
        return { op: 'cacheOp', cacheOp: kind, base: { reg: reg(ops[1]).reg, bits: 64 } };
      }
      if (kind === 'IC.IALLU' || kind === 'IC.IALLUIS') return { op: 'cacheOp', cacheOp: kind };
      return ctx.fail(`unsupported cache maintenance '${kind.replace('.', ' ')}'`);
    }
    case 'MSR':
      expectOperands(ctx, ops, [2], 'ELR_EL1,Xn');
      if ((ops[0] ?? '').toUpperCase() !== 'ELR_EL1')
        ctx.fail(`unsupported system register '${ops[0] ?? ''}'`);
      return { op: 'setReturn', src: reg(ops[1]).reg };
    case 'ERET':
      return { op: 'exceptionReturn' };
    case 'UDF':
    case 'BRK':
      return { op: 'fault', resume: 'same' };
    case 'SVC':
      return { op: 'fault', resume: 'next' };
    case 'TBZ':
    case 'TBNZ': {
      expectOperands(ctx, ops, [3], 'Rt,#bit,label');
      const r = reg(ops[0]);
      const bit = (ops[1] ?? '').match(/^#(\d+)$/);
      if (!bit || Number(bit[1]) >= r.bits)
        ctx.fail(`expected a bit number #0..#${r.bits - 1}, found '${ops[1] ?? ''}'`);
      return {
        op: 'branchCompare',
        cond: m === 'TBZ' ? 'tz' : 'tnz',
        a: { reg: r.reg, bits: r.bits },
        b: { imm: 1n << BigInt(bit[1] as string) },
        target: branchTarget(ctx, ops[2], 4),
      };
    }
  }
  return ctx.fail(`unsupported instruction '${mnemonic}'`);
}

/** The AArch64 front end (`aarch64.cat` with `-variant ifetch,fatal`). */
export const aarch64Litmus: LitmusArch = {
  herdName: 'AArch64',
  register,
  zeroRegister: ZR,
  instructionBytes: 4,
  registerName: (reg) => (reg === ZR ? 'XZR' : `X${reg}`),
  parseInstruction,
  canonicalInstruction: (text) => canonicalText(text, 'upper'),
  isInstructionWord: (w) => ['NOP', 'ISB', 'RET', 'ERET'].includes(w.toUpperCase()),
  model: aarch64Model,
  machine: { nop: 'NOP', halt: 'WFI', slotBytes: 4 },
};
