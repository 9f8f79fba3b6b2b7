/**
 * The X86_64 litmus front end: herd's X86_64 syntax (AT&T spelling:
 * `movq $1,(x)`, `movq (y),%rax`, `mfence`), extended for instruction fetch
 * by the AArch64/RISC-V conventions (labels as values `P1:L0`,
 * `instr:"nop"`, fault handlers `P1.F`), and the TSO + SDM fetch model.
 *
 * @module
 */

import type { InsnContext, LitmusArch, LitmusRegister } from '../litmusArch';
import type { LitmusAluOp, LitmusCond, LitmusInsn, LitmusOperand } from '../litmusInsn';
import { x86Model } from '../model/x86Model';
import { branchTarget, canonicalText, expectOperands, splitInstruction } from './operands';

const NAMES64 = [
  'rax',
  'rcx',
  'rdx',
  'rbx',
  'rsp',
  'rbp',
  'rsi',
  'rdi',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
];
const NAMES32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
/**
 * CALL/RET keep the return address in this hidden register: the litmus
 * model has no stack memory, so the push and pop are not events.
 */
const RETURN_ADDRESS = 16;

function register(name: string): LitmusRegister | undefined {
  const n = name.toLowerCase().replace(/^%/, '');
  const r64 = NAMES64.indexOf(n);
  if (r64 >= 0) return { reg: r64, bits: 64 };
  const r32 = NAMES32.indexOf(n);
  if (r32 >= 0) return { reg: r32, bits: 32 };
  const m = n.match(/^r(\d+)d$/);
  return m && Number(m[1]) >= 8 && Number(m[1]) < 16 ? { reg: Number(m[1]), bits: 32 } : undefined;
}

const CONDS: Readonly<Record<string, LitmusCond>> = {
  je: 'eq',
  jz: 'eq',
  jne: 'ne',
  jnz: 'ne',
  jl: 'lt',
  jge: 'ge',
  jg: 'gt',
  jle: 'le',
  jb: 'lo',
  jae: 'hs',
  ja: 'hi',
  jbe: 'ls',
};
const ALU: Readonly<Record<string, LitmusAluOp>> = {
  add: 'add',
  sub: 'sub',
  and: 'and',
  or: 'or',
  xor: 'xor',
};
/** Serializing instructions (SDM vol. 3 §10.3 "Serializing Instructions"). */
const SERIALIZING = new Set([
  'cpuid',
  'serialize',
  'iretq',
  'iret',
  'invd',
  'wbinvd',
  'lidt',
  'lgdt',
  'wrmsr',
]);

/** An operand: `$imm`, `%reg`, `(x)`/`x` for a location, or `(%reg)`. */
type X86Operand =
  | { readonly kind: 'imm'; readonly op: LitmusOperand }
  | { readonly kind: 'reg'; readonly op: { readonly reg: number; readonly bits: 32 | 64 } }
  | { readonly kind: 'mem'; readonly base: LitmusOperand };

function operand(ctx: InsnContext, text: string | undefined): X86Operand {
  const t = (text ?? '').replace(/\s+/g, '');
  if (t.startsWith('$')) {
    if (!/^\$-?(0x[0-9a-fA-F]+|\d+)$/.test(t)) ctx.fail(`expected an immediate, found '${t}'`);
    return { kind: 'imm', op: { imm: BigInt.asUintN(64, BigInt(t.slice(1))) } };
  }
  if (t.startsWith('%')) {
    const r = register(t);
    if (!r) ctx.fail(`unknown register '${t}'`);
    return { kind: 'reg', op: { reg: r.reg, bits: r.bits } };
  }
  const m = t.match(/^\(?(%?[A-Za-z_]\w*)\)?$/);
  if (!m) return ctx.fail(`expected $imm, %reg, (loc) or (%reg), found '${t}'`);
  const inner = m[1] as string;
  if (inner.startsWith('%')) {
    const r = register(inner);
    if (r?.bits !== 64) ctx.fail(`expected a 64-bit base register, found '${inner}'`);
    return { kind: 'mem', base: { reg: r.reg, bits: 64 } };
  }
  return { kind: 'mem', base: { imm: inner } };
}

/** Operand width from the AT&T suffix (`movl`/`movq`), or from a register operand. */
function width(mnemonic: string, ops: readonly X86Operand[]): 32 | 64 {
  if (/l$/.test(mnemonic)) return 32;
  if (/q$/.test(mnemonic)) return 64;
  for (const o of ops) if (o.kind === 'reg') return o.op.bits;
  return 64;
}

function parseInstruction(text: string, ctx: InsnContext): LitmusInsn {
  const { mnemonic, operands: raw } = splitInstruction(text);
  const m = mnemonic.toLowerCase();
  const base = m.replace(/[lq]$/, '');
  if (SERIALIZING.has(m))
    return m.startsWith('iret') ? { op: 'exceptionReturn' } : { op: 'fence', fence: 'SERIALIZE' };
  if (m in CONDS) {
    expectOperands(ctx, raw, [1], 'label');
    return {
      op: 'branchFlags',
      cond: CONDS[m] as LitmusCond,
      target: branchTarget(ctx, raw[0], undefined),
    };
  }
  switch (m) {
    case 'nop':
      return { op: 'nop' };
    case 'mfence':
    case 'lfence':
    case 'sfence':
      return { op: 'fence', fence: m.toUpperCase() };
    case 'ud2':
      return { op: 'fault', resume: 'same' };
    case 'int3':
      // INT3 is a trap: the saved RIP is the next instruction (SDM vol. 3 §6.5).
      return { op: 'fault', resume: 'next' };
    case 'jmp':
    case 'call': {
      expectOperands(ctx, raw, [1], 'label or *%reg');
      const link = m === 'call' ? RETURN_ADDRESS : undefined;
      const t = (raw[0] ?? '').replace(/\s+/g, '');
      if (t.startsWith('*')) {
        const r = operand(ctx, t.slice(1));
        if (r.kind !== 'reg') ctx.fail(`expected *%reg, found '${t}'`);
        return { op: 'jumpReg', reg: r.op.reg, ...(link !== undefined ? { link } : {}) };
      }
      return {
        op: 'jump',
        target: branchTarget(ctx, t, undefined),
        ...(link !== undefined ? { link } : {}),
      };
    }
    case 'ret':
      return { op: 'jumpReg', reg: RETURN_ADDRESS };
  }
  const ops = raw.map((o) => operand(ctx, o));
  const bits = width(m, ops);
  const [a, b] = ops;
  if (base === 'mov') {
    expectOperands(ctx, raw, [2], 'src,dst');
    if (a?.kind === 'mem' && b?.kind === 'reg')
      return { op: 'load', dst: b.op.reg, bits, base: a.base, ordering: 'plain' };
    if (b?.kind === 'mem' && a && a.kind !== 'mem')
      return { op: 'store', src: a.op, base: b.base, ordering: 'plain' };
    if (b?.kind === 'reg' && a && a.kind !== 'mem')
      return { op: 'mov', dst: b.op.reg, bits, src: a.op };
    return ctx.fail('expected mov between a register or immediate and a register or memory');
  }
  if (base === 'xchg') {
    expectOperands(ctx, raw, [2], '%reg,(loc)');
    const reg = a?.kind === 'reg' ? a : b?.kind === 'reg' ? b : undefined;
    const mem = a?.kind === 'mem' ? a : b?.kind === 'mem' ? b : undefined;
    if (!reg || !mem) return ctx.fail('expected xchg between a register and memory');
    return { op: 'swap', dst: reg.op.reg, src: reg.op, base: mem.base, bits, ordering: 'acqrel' };
  }
  if (base === 'cmp') {
    expectOperands(ctx, raw, [2], 'src,dst');
    if (!a || !b || a.kind === 'mem' || b.kind === 'mem')
      return ctx.fail('expected cmp of registers or immediates');
    // AT&T order: `cmp src,dst` sets flags from dst - src.
    return { op: 'cmp', a: b.op, b: a.op };
  }
  const alu = ALU[base];
  if (alu) {
    expectOperands(ctx, raw, [2], 'src,dst');
    if (!a || b?.kind !== 'reg' || a.kind === 'mem')
      return ctx.fail(`expected ${base} into a register`);
    return { op: 'alu', alu, dst: b.op.reg, bits, a: b.op, b: a.op };
  }
  return ctx.fail(`unsupported instruction '${mnemonic}'`);
}

/** The X86_64 front end (TSO + the SDM's self- and cross-modifying-code rules). */
export const x86Litmus: LitmusArch = {
  herdName: 'X86_64',
  register,
  registerName: (reg) => NAMES64[reg] ?? `r${reg}`,
  parseInstruction,
  canonicalInstruction: (text) => canonicalText(text, 'lower'),
  isInstructionWord: (w) =>
    ['nop', 'ud2', 'int3', 'ret', 'cpuid', 'mfence'].includes(w.toLowerCase()),
  recordsBranches: true,
  model: x86Model,
  machine: { nop: 'nop', halt: 'hlt', slotBytes: 8, absoluteLocations: true },
};
