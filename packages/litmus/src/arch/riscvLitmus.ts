/**
 * The RISC-V litmus front end: herd's RISCV syntax (GNU assembler
 * spelling, ABI register names: `sw t0,0(a1)`, `fence w,w`, `fence.i`)
 * and RVWMO with the instruction-fetch relations of
 * litmus-tests-riscv-ifetch.
 *
 * @module
 */

import type { InsnContext, LitmusArch, LitmusRegister } from '../litmusArch';
import type {
  LitmusAluOp,
  LitmusCond,
  LitmusInsn,
  LitmusOperand,
  LitmusOrdering,
} from '../litmusInsn';
import { riscvModel } from '../model/riscvModel';
import {
  branchTarget,
  canonicalText,
  expectOperands,
  registerOperand,
  sourceOperand,
  splitInstruction,
} from './operands';

const ABI = [
  'zero',
  'ra',
  'sp',
  'gp',
  'tp',
  't0',
  't1',
  't2',
  's0',
  's1',
  'a0',
  'a1',
  'a2',
  'a3',
  'a4',
  'a5',
  'a6',
  'a7',
  's2',
  's3',
  's4',
  's5',
  's6',
  's7',
  's8',
  's9',
  's10',
  's11',
  't3',
  't4',
  't5',
  't6',
];

function register(name: string): LitmusRegister | undefined {
  const n = name.toLowerCase();
  const abi = n === 'fp' ? 8 : ABI.indexOf(n);
  if (abi >= 0) return { reg: abi, bits: 64 };
  const m = n.match(/^x(\d+)$/);
  return m && Number(m[1]) < 32 ? { reg: Number(m[1]), bits: 64 } : undefined;
}

const LOADS: Readonly<Record<string, 32 | 64>> = { lw: 32, lwu: 32, ld: 64 };
const STORES = new Set(['sw', 'sd']);
const ALU: Readonly<Record<string, LitmusAluOp>> = {
  add: 'add',
  sub: 'sub',
  and: 'and',
  or: 'or',
  xor: 'xor',
};
const BRANCHES: Readonly<Record<string, LitmusCond>> = {
  beq: 'eq',
  bne: 'ne',
  blt: 'lt',
  bge: 'ge',
  bltu: 'lo',
  bgeu: 'hs',
};

/** `off(rs)` or `(rs)`: only a zero offset is meaningful on symbolic addresses. */
function memoryOperand(ctx: InsnContext, text: string | undefined): LitmusOperand {
  const m = text?.replace(/\s+/g, '').match(/^(0)?\((\w+)\)$/);
  if (!m) return ctx.fail(`expected an address 0(rs), found '${text ?? ''}'`);
  return { reg: registerOperand(ctx, register, m[2]).reg, bits: 64 };
}

/** `fence pred,succ` to the `riscv-defs.cat` fence name `fence.<pred>.<succ>` (I/O bits do not order memory). */
function fenceName(ctx: InsnContext, ops: readonly string[]): string {
  if (ops.length === 0) return 'fence.rw.rw';
  const set = (s: string | undefined) => {
    const t = (s ?? '').toLowerCase().replace(/[io]/g, '');
    if (t !== 'r' && t !== 'w' && t !== 'rw') ctx.fail(`unsupported fence set '${s ?? ''}'`);
    return t;
  };
  expectOperands(ctx, ops, [2], 'pred,succ');
  return `fence.${set(ops[0])}.${set(ops[1])}`;
}

function parseInstruction(text: string, ctx: InsnContext): LitmusInsn {
  const { mnemonic, operands: ops } = splitInstruction(text);
  const m = mnemonic.toLowerCase();
  const reg = (t: string | undefined) => registerOperand(ctx, register, t).reg;
  const src = (t: string | undefined) => sourceOperand(ctx, register, t, /^(?=-?\d)/);
  if (m in LOADS) {
    expectOperands(ctx, ops, [2], 'rd,0(rs)');
    return {
      op: 'load',
      dst: reg(ops[0]),
      bits: LOADS[m] as 32,
      base: memoryOperand(ctx, ops[1]),
      ordering: 'plain',
      // LW sign-extends, LWU zero-extends (RISC-V unprivileged spec §4.3).
      ...(m === 'lw' ? { signed: true } : {}),
    };
  }
  if (STORES.has(m)) {
    expectOperands(ctx, ops, [2], 'rs2,0(rs1)');
    return { op: 'store', src: src(ops[0]), base: memoryOperand(ctx, ops[1]), ordering: 'plain' };
  }
  const amo = m.match(/^amoswap\.([wd])(\.aq|\.rl|\.aqrl)?$/);
  if (amo) {
    expectOperands(ctx, ops, [3], 'rd,rs2,(rs1)');
    const ordering: LitmusOrdering =
      amo[2] === '.aq' ? 'acquire' : amo[2] === '.rl' ? 'release' : amo[2] ? 'acqrel' : 'plain';
    return {
      op: 'swap',
      dst: reg(ops[0]),
      src: src(ops[1]),
      base: memoryOperand(ctx, ops[2]),
      bits: amo[1] === 'w' ? 32 : 64,
      ordering,
    };
  }
  const alu = ALU[m] ?? ALU[m.replace(/i$/, '')];
  if (alu) {
    expectOperands(ctx, ops, [3], 'rd,rs1,rs2|imm');
    return { op: 'alu', alu, dst: reg(ops[0]), bits: 64, a: src(ops[1]), b: src(ops[2]) };
  }
  if (m in BRANCHES) {
    expectOperands(ctx, ops, [3], 'rs1,rs2,label');
    return {
      op: 'branchCompare',
      cond: BRANCHES[m] as LitmusCond,
      a: src(ops[0]),
      b: src(ops[1]),
      target: branchTarget(ctx, ops[2], 4),
    };
  }
  switch (m) {
    case 'nop':
      return { op: 'nop' };
    case 'li':
    case 'mv':
      expectOperands(ctx, ops, [2], m === 'li' ? 'rd,imm' : 'rd,rs');
      return { op: 'mov', dst: reg(ops[0]), bits: 64, src: src(ops[1]) };
    case 'la':
      expectOperands(ctx, ops, [2], 'rd,label');
      return { op: 'mov', dst: reg(ops[0]), bits: 64, src: { imm: branchTarget(ctx, ops[1], 4) } };
    case 'beqz':
    case 'bnez':
      expectOperands(ctx, ops, [2], 'rs,label');
      return {
        op: 'branchCompare',
        cond: m === 'beqz' ? 'eq' : 'ne',
        a: src(ops[0]),
        b: { imm: 0n },
        target: branchTarget(ctx, ops[1], 4),
      };
    case 'j':
      expectOperands(ctx, ops, [1], 'label');
      return { op: 'jump', target: branchTarget(ctx, ops[0], 4) };
    case 'jal':
      expectOperands(ctx, ops, [1, 2], '[rd,]label');
      return ops.length === 1
        ? { op: 'jump', target: branchTarget(ctx, ops[0], 4), link: 1 }
        : { op: 'jump', target: branchTarget(ctx, ops[1], 4), link: reg(ops[0]) };
    case 'jr':
      expectOperands(ctx, ops, [1], 'rs');
      return { op: 'jumpReg', reg: reg(ops[0]) };
    case 'jalr': {
      // `jalr rs`, `jalr rd,rs` or `jalr rd,0(rs)`.
      expectOperands(ctx, ops, [1, 2], '[rd,]rs or rd,0(rs)');
      if (ops.length === 1) return { op: 'jumpReg', reg: reg(ops[0]), link: 1 };
      const target = /\(/.test(ops[1] ?? '')
        ? memoryOperand(ctx, ops[1])
        : { reg: reg(ops[1]), bits: 64 as const };
      if (!('reg' in target)) return ctx.fail('expected a jump register');
      return { op: 'jumpReg', reg: target.reg, link: reg(ops[0]) };
    }
    case 'ret':
      return { op: 'jumpReg', reg: 1 };
    case 'fence':
      return { op: 'fence', fence: fenceName(ctx, ops) };
    case 'fence.tso':
      return { op: 'fence', fence: 'fence.tso' };
    case 'fence.i':
      return { op: 'cacheOp', cacheOp: 'fence.i' };
    case 'unimp':
    case 'ebreak':
    case 'ecall':
      // mepc/sepc hold the address of the instruction itself (privileged spec §3.1.14).
      return { op: 'fault', resume: 'same' };
  }
  return ctx.fail(`unsupported instruction '${mnemonic}'`);
}

/** The RISC-V front end (RVWMO + Zifencei fetch rules; `ziccid` adds coherent fetch). */
export const riscvLitmus: LitmusArch = {
  herdName: 'RISCV',
  register,
  zeroRegister: 0,
  instructionBytes: 4,
  registerName: (reg) => ABI[reg] ?? `x${reg}`,
  parseInstruction,
  canonicalInstruction: (text) => canonicalText(text, 'lower'),
  isInstructionWord: (w) => w.toLowerCase() === 'nop',
  model: riscvModel,
  machine: { nop: 'nop', halt: 'wfi', slotBytes: 4 },
};
