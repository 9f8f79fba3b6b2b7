import { describe, expect, it } from 'vitest';
import { runLitmusSource } from './runLitmus';

/** Classic data-memory litmus tests with herd7's published verdicts for each model. */
const cases: [string, string, 'Allowed' | 'Forbidden'][] = [
  // AArch64 (aarch64.cat): the relaxations and what restores order.
  [
    'MP',
    'AArch64 MP\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | LDR W0,[X1] ;\n STR W0,[X1] | LDR W2,[X3] ;\n MOV W2,#1 | ;\n STR W2,[X3] | ;\nexists (1:X0=1 /\\ 1:X2=0)',
    'Allowed',
  ],
  [
    'MP+dmb.sy+addr',
    'AArch64 MP+dmb.sy+addr\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X4=x;}\n P0 | P1 ;\n MOV W0,#1 | LDR X0,[X1] ;\n STR W0,[X1] | EOR X2,X0,X0 ;\n DMB SY | ADD X5,X4,X2 ;\n MOV W2,#1 | LDR W3,[X5] ;\n STR W2,[X3] | ;\nexists (1:X0=1 /\\ 1:X3=0)',
    'Forbidden',
  ],
  [
    'MP+dmb.sy+addr (index register)',
    'AArch64 MP+dmb.sy+addr\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X4=x;}\n P0 | P1 ;\n MOV W0,#1 | LDR W0,[X1] ;\n STR W0,[X1] | EOR W2,W0,W0 ;\n DMB SY | LDR W3,[X4,W2,SXTW] ;\n MOV W2,#1 | ;\n STR W2,[X3] | ;\nexists (1:X0=1 /\\ 1:X3=0)',
    'Forbidden',
  ],
  [
    'MP+dmb.sy+spin (a loop, unrolled)',
    'AArch64 MP+dmb.sy+spin\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | L0: LDR W0,[X1] ;\n STR W0,[X1] | CBZ W0,L0 ;\n DMB SY | LDR W2,[X3] ;\n MOV W2,#1 | ;\n STR W2,[X3] | ;\nexists (1:X2=0)',
    'Allowed',
  ],
  [
    'MP+dmb.sy+spin-isb',
    'AArch64 MP+dmb.sy+spin-isb\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | L0: LDR W0,[X1] ;\n STR W0,[X1] | CBZ W0,L0 ;\n DMB SY | ISB ;\n MOV W2,#1 | LDR W2,[X3] ;\n STR W2,[X3] | ;\nexists (1:X2=0)',
    'Forbidden',
  ],
  [
    'MP+dmb.sy+ctrl',
    'AArch64 MP+dmb.sy+ctrl\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | LDR W0,[X1] ;\n STR W0,[X1] | CBNZ W0,L0 ;\n DMB SY | L0: LDR W2,[X3] ;\n MOV W2,#1 | ;\n STR W2,[X3] | ;\nexists (1:X0=1 /\\ 1:X2=0)',
    'Allowed',
  ],
  [
    'MP+dmb.sy+ctrlisb',
    'AArch64 MP+dmb.sy+ctrlisb\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | LDR W0,[X1] ;\n STR W0,[X1] | CBNZ W0,L0 ;\n DMB SY | L0: ISB ;\n MOV W2,#1 | LDR W2,[X3] ;\n STR W2,[X3] | ;\nexists (1:X0=1 /\\ 1:X2=0)',
    'Forbidden',
  ],
  [
    'MP+dmb.sy+acq',
    'AArch64 MP+dmb.sy+acq\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | LDAR W0,[X1] ;\n STR W0,[X1] | LDR W2,[X3] ;\n DMB SY | ;\n MOV W2,#1 | ;\n STR W2,[X3] | ;\nexists (1:X0=1 /\\ 1:X2=0)',
    'Forbidden',
  ],
  [
    'MP+rel+acq',
    'AArch64 MP+rel+acq\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | LDAR W0,[X1] ;\n STR W0,[X1] | LDR W2,[X3] ;\n MOV W2,#1 | ;\n STLR W2,[X3] | ;\nexists (1:X0=1 /\\ 1:X2=0)',
    'Forbidden',
  ],
  [
    'SB',
    'AArch64 SB\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | MOV W0,#1 ;\n STR W0,[X1] | STR W0,[X1] ;\n LDR W2,[X3] | LDR W2,[X3] ;\nexists (0:X2=0 /\\ 1:X2=0)',
    'Allowed',
  ],
  [
    'SB+dmb.sys',
    'AArch64 SB+dmb.sys\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#1 | MOV W0,#1 ;\n STR W0,[X1] | STR W0,[X1] ;\n DMB SY | DMB SY ;\n LDR W2,[X3] | LDR W2,[X3] ;\nexists (0:X2=0 /\\ 1:X2=0)',
    'Forbidden',
  ],
  [
    'LB',
    'AArch64 LB\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n LDR W0,[X1] | LDR W0,[X1] ;\n MOV W2,#1 | MOV W2,#1 ;\n STR W2,[X3] | STR W2,[X3] ;\nexists (0:X0=1 /\\ 1:X0=1)',
    'Allowed',
  ],
  [
    'LB+datas',
    'AArch64 LB+datas\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n LDR W0,[X1] | LDR W0,[X1] ;\n EOR W2,W0,W0 | EOR W2,W0,W0 ;\n ADD W2,W2,#1 | ADD W2,W2,#1 ;\n STR W2,[X3] | STR W2,[X3] ;\nexists (0:X0=1 /\\ 1:X0=1)',
    'Forbidden',
  ],
  [
    'CoRR',
    'AArch64 CoRR\n{0:X1=x; 1:X1=x;}\n P0 | P1 ;\n MOV W0,#1 | LDR W0,[X1] ;\n STR W0,[X1] | LDR W2,[X1] ;\nexists (1:X0=1 /\\ 1:X2=0)',
    'Forbidden',
  ],
  [
    '2+2W',
    'AArch64 2+2W\n{0:X1=x; 0:X3=y; 1:X1=y; 1:X3=x;}\n P0 | P1 ;\n MOV W0,#2 | MOV W0,#2 ;\n STR W0,[X1] | STR W0,[X1] ;\n MOV W2,#1 | MOV W2,#1 ;\n STR W2,[X3] | STR W2,[X3] ;\nexists (x=2 /\\ y=2)',
    'Allowed',
  ],
  // RISC-V (riscv.cat, RVWMO).
  [
    'RISCV MP',
    'RISCV MP\n{0:a0=x; 0:a1=y; 1:a0=y; 1:a1=x; 0:t0=1;}\n P0 | P1 ;\n sw t0,0(a0) | lw s0,0(a0) ;\n sw t0,0(a1) | lw s1,0(a1) ;\nexists (1:s0=1 /\\ 1:s1=0)',
    'Allowed',
  ],
  [
    'RISCV lw sign-extends, lwu zero-extends',
    'RISCV EXT\n{0:a0=x; x=0xffffffff;}\n P0 ;\n lw s0,0(a0) ;\n lwu s1,0(a0) ;\nexists (0:s0=-1 /\\ 0:s1=0xffffffff)',
    'Allowed',
  ],
  [
    'RISCV MP+fences',
    'RISCV MP+fences\n{0:a0=x; 0:a1=y; 1:a0=y; 1:a1=x; 0:t0=1;}\n P0 | P1 ;\n sw t0,0(a0) | lw s0,0(a0) ;\n fence w,w | fence r,r ;\n sw t0,0(a1) | lw s1,0(a1) ;\nexists (1:s0=1 /\\ 1:s1=0)',
    'Forbidden',
  ],
  [
    'RISCV SB+fences',
    'RISCV SB+fences\n{0:a0=x; 0:a1=y; 1:a0=y; 1:a1=x; 0:t0=1; 1:t0=1;}\n P0 | P1 ;\n sw t0,0(a0) | sw t0,0(a0) ;\n fence rw,rw | fence rw,rw ;\n lw s0,0(a1) | lw s0,0(a1) ;\nexists (0:s0=0 /\\ 1:s0=0)',
    'Forbidden',
  ],
  [
    'RISCV LB+ctrls',
    'RISCV LB+ctrls\n{0:a0=x; 0:a1=y; 1:a0=y; 1:a1=x; 0:t0=1; 1:t0=1;}\n P0 | P1 ;\n lw s0,0(a0) | lw s0,0(a0) ;\n bnez s0,L0 | bnez s0,L1 ;\n L0: sw t0,0(a1) | L1: sw t0,0(a1) ;\nexists (0:s0=1 /\\ 1:s0=1)',
    'Forbidden',
  ],
  [
    'RISCV SB+amoswaps',
    'RISCV SB+amoswaps\n{0:a0=x; 0:a1=y; 1:a0=y; 1:a1=x; 0:t0=1; 1:t0=1;}\n P0 | P1 ;\n amoswap.w.aqrl t1,t0,(a0) | amoswap.w.aqrl t1,t0,(a0) ;\n lw s0,0(a1) | lw s0,0(a1) ;\nexists (0:s0=0 /\\ 1:s0=0)',
    'Forbidden',
  ],
];

describe('data-memory models on classic tests', () => {
  it.each(cases.map(([name, source, verdict]) => ({ name, source, verdict })))(
    '$name is $verdict',
    ({ source, verdict }) => {
      const o = runLitmusSource('inline.litmus', source);
      if ('error' in o) throw new Error(o.error.message);
      expect(o.result.observation === 'Never' ? 'Forbidden' : 'Allowed').toBe(verdict);
    },
  );
});
