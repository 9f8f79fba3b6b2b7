import { isExecmemError } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { aarch64Litmus } from './arch/aarch64Litmus';
import { riscvLitmus } from './arch/riscvLitmus';
import { x86Litmus } from './arch/x86Litmus';
import { formatCondition } from './condition';
import { parseLitmus } from './parseLitmus';

const arches = [aarch64Litmus, riscvLitmus, x86Litmus];

const fault = `AArch64 S-self
(* a comment (* nested *) before the info lines *)
Variant=self
Hash=abc
Stable=X9
CacheType=IDC
{
0:X1=x; [y]=P1:m0;
0:X2=0; (*any invalid instruction value*)
0:X3=label:"P1:m0"; 0:X4=instr:"B .+12";
ins_t *1:X9;
}
 P0          | P1   | P1.F           ;
 MOV W0,#1   |m0:   | MOV W2,#2      ;
 STR W0,[X1] | B l1 | ADR X9,l1      ;
             |l1:   | MSR ELR_EL1,X9 ;
             |      | ERET           ;
locations [x; 1:X9;]
~exists(1:X2=2 /\\ (x=1 \\/ ~y=0))
`;

function parseError(source: string): string {
  try {
    parseLitmus(source, 't.litmus', arches);
  } catch (e) {
    expect(isExecmemError(e, 'EINVAL')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a parse error');
}

describe('parseLitmus', () => {
  it('reads the header, info lines, init block, columns, locations and condition', () => {
    const t = parseLitmus(fault, 't.litmus', arches);
    expect(t.arch).toBe('AArch64');
    expect(t.name).toBe('S-self');
    expect(t.info.get('CacheType')).toBe('IDC');
    expect(t.info.get('Stable')).toBe('X9');
    expect(t.threads).toBe(2);
    expect([...t.code.keys()]).toEqual(['P0', 'P1', 'P1.F']);
    expect(t.code.get('P1')?.labels.get('l1')).toBe(1);
    expect(t.code.get('P1.F')?.slots).toHaveLength(4);
    expect(t.memory.get('y')).toBe('P1:#0');
    const regs = new Map(t.registers.map((r) => [`${r.thread}:${r.reg}`, r.value]));
    expect(regs.get('0:1')).toBe('x');
    expect(regs.get('0:2')).toBe(0n);
    expect(regs.get('0:3')).toBe('P1:#0');
    expect(regs.get('0:4')).toBe('instr:B .+12');
    expect(t.observed.map((c) => (c.kind === 'reg' ? `${c.thread}:${c.name}` : c.loc))).toEqual([
      'x',
      '1:X9',
    ]);
    expect(t.condition && formatCondition(t.condition)).toBe(
      '~exists (1:X2=2 /\\ (x=1 \\/ not (y=0)))',
    );
  });

  it('accepts a test without a condition and the RISC-V and x86 syntaxes', () => {
    const rv = parseLitmus('RISCV T\n{0:a0=x;}\n P0 ;\n sw zero,0(a0) ;\n', 't', arches);
    expect(rv.condition).toBeUndefined();
    const x86 = parseLitmus(
      'X86_64 T\n{ }\n P0 ;\n movq $1,(x) ;\n mfence ;\nforall (x=1)',
      't',
      arches,
    );
    expect(x86.condition?.quantifier).toBe('forall');
    expect(x86.locations).toContain('x');
  });

  it.each([
    ['unknown arch', 'PPC T\n{}\n P0 ;\n', /t\.litmus:1:1: expected one of the supported arches/],
    ['unterminated comment', 'AArch64 T\n(* open\n{}\n', /t\.litmus:2:1: unterminated comment/],
    [
      'bad register',
      'AArch64 T\n{ 0:Q1=1; }\n P0 ;\n NOP ;\n',
      /t\.litmus:2:5: expected a AArch64 register name/,
    ],
    [
      'missing init block',
      'AArch64 T\n P0 ;\n',
      /t\.litmus:2:2: expected a Key=Value line or the init block/,
    ],
    [
      'unsupported instruction',
      'AArch64 T\n{}\n P0 ;\n FOO X1 ;\n',
      /t\.litmus:4:2: unsupported instruction 'FOO'/,
    ],
    [
      'unknown label',
      'AArch64 T\n{}\n P0 ;\n B nowhere ;\n',
      /t\.litmus:4:2: unknown label 'nowhere' in P0/,
    ],
    [
      'label value of a missing thread',
      'AArch64 T\n{ 0:X1=P3:L0; }\n P0 ;\n NOP ;\n',
      /t\.litmus:2:8: expected a thread of this test \(no P3\)/,
    ],
    [
      'bad operand',
      'AArch64 T\n{}\n P0 ;\n LDR W0,X1 ;\n',
      /t\.litmus:4:2: expected an address \[Xn\] or \[Xn,Rm\], found 'X1'/,
    ],
    [
      'bad condition',
      'AArch64 T\n{}\n P0 ;\n NOP ;\nexists (0:X0 1)',
      /t\.litmus:5:14: expected '=' after the register or location/,
    ],
    [
      'unclosed parenthesis',
      'AArch64 T\n{}\n P0 ;\n NOP ;\nexists (0:X0=1',
      /t\.litmus:5:15: expected '\)'/,
    ],
    [
      'bad thread header',
      'AArch64 T\n{}\n Q0 ;\n NOP ;\n',
      /t\.litmus:3:2: expected a thread name/,
    ],
    [
      'unsupported RISC-V instruction',
      'RISCV T\n{}\n P0 ;\n lr.w t0,(a0) ;\n',
      /t\.litmus:4:2: unsupported instruction 'lr\.w'/,
    ],
  ])('%s: names file:line:column and what was expected', (_what, source, message) => {
    expect(parseError(source)).toMatch(message);
  });
});
