/**
 * Assembler encoders for branches, barriers, cache and TLB maintenance,
 * system-register moves and exception-generating instructions.
 *
 * @module
 */
import { ExceptionCause } from '@execmem/core';
import {
  type AsmContext,
  branchOffset,
  expectCount,
  gpr,
  type InstructionEncoder,
  immediate,
  regOperand,
  symbolOperand,
} from './asmContext';
import { parseBarrierOption } from './barriers';
import {
  encodeBranch,
  encodeBranchCond,
  encodeBranchRegister,
  encodeCompareBranch,
  encodeTestBranch,
} from './branches';
import { conditionNames, parseCondition } from './conditions';
import type { Operand } from './sourceText';
import {
  ERET,
  encodeBarrier,
  encodeException,
  encodeHint,
  encodeMsrImmediate,
  encodeSys,
  encodeSystemRegister,
  hintNumbers,
  ISB,
  pstateFields,
  sysOperations,
} from './system';
import { parseSystemRegister } from './systemRegisters';

function fixed(word: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 0);
    return word;
  };
}

function branchEncoder(link: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 1);
    return encodeBranch(link, branchOffset(cx, ops[0], 26));
  };
}

function branchCondEncoder(cond: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 1);
    return encodeBranchCond(cond, branchOffset(cx, ops[0], 19));
  };
}

function compareBranchEncoder(nonZero: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 2);
    const wide = regOperand(cx, ops[0]).reg.wide;
    return encodeCompareBranch(
      wide ? 1 : 0,
      nonZero,
      branchOffset(cx, ops[1], 19),
      gpr(cx, ops[0]),
    );
  };
}

function testBranchEncoder(nonZero: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 3);
    const wide = regOperand(cx, ops[0]).reg.wide;
    const bit = immediate(cx, ops[1], 0, wide ? 63 : 31);
    return encodeTestBranch(bit, nonZero, branchOffset(cx, ops[2], 14), gpr(cx, ops[0]));
  };
}

function branchRegisterEncoder(opc: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, opc === 2 ? 0 : 1, 1);
    return encodeBranchRegister(opc, ops[0] ? gpr(cx, ops[0], { wide: true }) : 30);
  };
}

/** A barrier option: a name or `#imm` (0..15). */
function barrierOption(cx: AsmContext, op: Operand | undefined): number {
  if (op?.kind === 'imm') return immediate(cx, op, 0, 15);
  const name = symbolOperand(cx, op, 'a barrier option');
  const option = parseBarrierOption(name);
  if (option === undefined) cx.error(op, `unknown barrier option '${name}'`);
  return option;
}

function barrierEncoder(dsb: number): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 1);
    return encodeBarrier(dsb, barrierOption(cx, ops[0]));
  };
}

const isb: InstructionEncoder = (cx, ops) => {
  expectCount(cx, ops, 0, 1);
  if (!ops[0]) return ISB;
  return (ISB & ~0xf00) | (barrierOption(cx, ops[0]) << 8);
};

function sysEncoder(mnemonic: string): InstructionEncoder {
  return (cx, ops) => {
    const name = symbolOperand(cx, ops[0], `a ${mnemonic} operation`);
    const op = sysOperations.find((s) => s.mnemonic === mnemonic && s.name === name);
    if (!op) return cx.error(ops[0], `unknown ${mnemonic} operation '${name}'`);
    expectCount(cx, ops, op.hasRt ? 2 : 1);
    return encodeSys(op.op, op.hasRt ? gpr(cx, ops[1], { wide: true }) : 31);
  };
}

function systemRegister(cx: AsmContext, op: Operand | undefined): number {
  const name = symbolOperand(cx, op, 'a system register');
  const id = parseSystemRegister(name);
  if (id === undefined) cx.error(op, `unknown system register '${name}'`);
  return id;
}

const mrs: InstructionEncoder = (cx, ops) => {
  expectCount(cx, ops, 2);
  const rt = gpr(cx, ops[0], { wide: true });
  return encodeSystemRegister(1, systemRegister(cx, ops[1]), rt);
};

const msr: InstructionEncoder = (cx, ops) => {
  expectCount(cx, ops, 2);
  if (ops[1].kind === 'imm') {
    const name = symbolOperand(cx, ops[0], 'a PSTATE field');
    const f = pstateFields.find((p) => p.name === name);
    if (!f) return cx.error(ops[0], `unknown PSTATE field '${name}'`);
    return encodeMsrImmediate(f, immediate(cx, ops[1], 0, 15));
  }
  const id = systemRegister(cx, ops[0]);
  return encodeSystemRegister(0, id, gpr(cx, ops[1], { wide: true }));
};

/** A named hint (`yield`, `bti c`, `psb csync` …): the mnemonic plus an optional name operand. */
function namedHintEncoder(mnemonic: string): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 0, 1);
    const name = ops[0] ? `${mnemonic} ${symbolOperand(cx, ops[0], 'a hint operand')}` : mnemonic;
    const imm = hintNumbers.get(name);
    if (imm === undefined)
      return cx.error(ops[0], `bad operand for ${mnemonic}: '${ops[0]?.text}'`);
    return encodeHint(imm);
  };
}

const hint: InstructionEncoder = (cx, ops) => {
  expectCount(cx, ops, 1);
  return encodeHint(immediate(cx, ops[0], 0, 127));
};

function exceptionEncoder(cause: ExceptionCause): InstructionEncoder {
  return (cx, ops) => {
    expectCount(cx, ops, 1);
    return encodeException(cause, immediate(cx, ops[0], 0, 0xffff));
  };
}

/** Encoders of the branch and system mnemonics. */
export const controlEncoders: Readonly<Record<string, InstructionEncoder>> = {
  b: branchEncoder(0),
  bl: branchEncoder(1),
  ...Object.fromEntries(conditionNames.map((c, i) => [`b.${c}`, branchCondEncoder(i)])),
  ...Object.fromEntries(conditionNames.map((c, i) => [`b${c}`, branchCondEncoder(i)])),
  'b.hs': branchCondEncoder(parseCondition('hs')!),
  'b.lo': branchCondEncoder(parseCondition('lo')!),
  cbz: compareBranchEncoder(0),
  cbnz: compareBranchEncoder(1),
  tbz: testBranchEncoder(0),
  tbnz: testBranchEncoder(1),
  br: branchRegisterEncoder(0),
  blr: branchRegisterEncoder(1),
  ret: branchRegisterEncoder(2),
  ...Object.fromEntries(
    [...hintNumbers.keys()].map((name) => [
      name.split(' ')[0],
      namedHintEncoder(name.split(' ')[0]),
    ]),
  ),
  hint,
  eret: fixed(ERET),
  ssbb: fixed(encodeBarrier(1, 0)),
  pssbb: fixed(encodeBarrier(1, 4)),
  isb,
  dmb: barrierEncoder(0),
  dsb: barrierEncoder(1),
  dc: sysEncoder('dc'),
  ic: sysEncoder('ic'),
  tlbi: sysEncoder('tlbi'),
  mrs,
  msr,
  svc: exceptionEncoder(ExceptionCause.SystemCall),
  brk: exceptionEncoder(ExceptionCause.Breakpoint),
  udf: exceptionEncoder(ExceptionCause.Undefined),
};
