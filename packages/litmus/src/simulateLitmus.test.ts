import { isExecmemError } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { aarch64Litmus } from './arch/aarch64Litmus';
import { x86Litmus } from './arch/x86Litmus';
import { formatHerd, litmusExitCode } from './formatHerd';
import { parseLitmus } from './parseLitmus';
import { runLitmusSource } from './runLitmus';
import { runSeed, simulateLitmus } from './simulateLitmus';
import { litmusMachineArch as machineArch } from './testing/litmusMachines';

const x86 = (src: string) => parseLitmus(src, 't.litmus', [x86Litmus]);
const arm = (src: string) => parseLitmus(src, 't.litmus', [aarch64Litmus]);
/** x86 store buffering: the weak outcome is TSO's. */
const sb = () =>
  x86(`X86_64 SB
{ }
 P0          | P1          ;
 movq $1,(x) | movq $1,(y) ;
 movq (y),%rax | movq (x),%rax ;
exists (0:rax=0 /\\ 1:rax=0)`);

describe('simulateLitmus', () => {
  it('reaches store buffering on x86 (TSO) and only states the checker lists', () => {
    const test = sb();
    const s = simulateLitmus(test, x86Litmus, { runs: 200, seed: 7, machineArch });
    expect(s.outside).toEqual([]);
    expect(s.unfinished).toBe(0);
    expect(s.existsHits).toBeGreaterThan(0);
    expect(s.states.reduce((n, st) => n + st.count, 0)).toBe(200);
    expect(s.states.map((st) => st.cells.map(([k, v]) => `${k}=${v}`).join(' ')).sort()).toEqual([
      '0:rax=0 1:rax=0',
      '0:rax=0 1:rax=1',
      '0:rax=1 1:rax=0',
      '0:rax=1 1:rax=1',
    ]);
  });

  it('is deterministic in its seed', () => {
    const test = sb();
    const a = simulateLitmus(test, x86Litmus, { runs: 50, seed: 3, machineArch });
    const b = simulateLitmus(test, x86Litmus, { runs: 50, seed: 3, machineArch });
    expect(b).toEqual(a);
    expect(runSeed(3, 0)).toBe(3);
    expect(runSeed(3, 1)).not.toBe(runSeed(4, 1));
  });

  it('runs a fault handler, whose ERET returns where ELR_EL1 says', () => {
    const test = arm(`AArch64 fault-handler
{ 0:X1=P0:L0; 0:X2=0; }
 P0             | P0.F           ;
 STR W2,[X1]    | MOV W5,#7      ;
 DC CVAU,X1     | ADR X9,end     ;
 DSB ISH        | MSR ELR_EL1,X9 ;
 IC IVAU,X1     | ERET           ;
 DSB ISH        |                ;
 ISB            |                ;
 L0:            |                ;
 B end          |                ;
 MOV W6,#1      |                ;
 end:           |                ;
forall (0:X5=7 /\\ 0:X6=0 /\\ fault(P0,L0))`);
    const s = simulateLitmus(test, aarch64Litmus, { runs: 20, machineArch });
    expect(s.outside).toEqual([]);
    expect(s.existsHits).toBe(20);
    expect(s.states).toHaveLength(1);
  });

  it('decodes symbolic final values: labels, locations and instructions', () => {
    const test = arm(`AArch64 values
{ 0:X1=x; 0:X2=P0:L0; 0:X3=NOP; [y]=P0:L0; }
 P0          ;
 STR X2,[X1] ;
 LDR X4,[X1] ;
 L0:         ;
 MOV X5,X3   ;
exists (x=P0:L0 /\\ 0:X4=P0:L0 /\\ 0:X5=NOP /\\ y=P0:L0)`);
    const s = simulateLitmus(test, aarch64Litmus, { runs: 5, machineArch });
    expect(s.outside).toEqual([]);
    expect(s.existsHits).toBe(5);
    expect(s.states[0]?.cells).toEqual([
      ['x', 'P0:L0'],
      ['0:X4', 'P0:L0'],
      ['0:X5', 'instr:"NOP"'],
      ['y', 'P0:L0'],
    ]);
  });

  it('names the reason when the machine cannot hold a test', () => {
    const test = x86(`X86_64 long-slot
{ 0:rax=instr:"nop"; 0:rbx=P0:L0; }
 P0                 ;
 movq %rax,(%rbx)   ;
 L0: movq $1,(x)    ;
exists (x=1)`);
    let error: unknown;
    try {
      simulateLitmus(test, x86Litmus, { runs: 1, machineArch });
    } catch (e) {
      error = e;
    }
    expect(() => simulateLitmus(test, x86Litmus, { runs: 0, machineArch })).toThrow(
      /EINVAL: simulation runs 0 is not a positive integer/,
    );
    expect(isExecmemError(error, 'ENOSYS')).toBe(true);
    expect((error as Error).message).toMatch(
      /long-slot: cannot simulate: P0 labelled instruction 'movq \$1,-?\d+' takes 12 bytes, more than an instruction value's 8/,
    );
  });

  it('adds a Simulation line to the herd block and fails the run on an unsupported test', () => {
    const ok = runLitmusSource(
      'sb.litmus',
      'X86_64 SB\n{ }\n P0 | P1 ;\n movq $1,(x) | movq $1,(y) ;\n movq (y),%rax | movq (x),%rax ;\nexists (0:rax=0 /\\ 1:rax=0)\n',
      { simulate: { runs: 30, seed: 1, machineArch } },
    );
    expect(formatHerd([ok])).toMatch(
      /^Time SB [\d.]+\nSimulation SB runs 30 exists-hits \d+ states-outside-model 0$/m,
    );
    expect(litmusExitCode([ok])).toBe(0);
    const bad = runLitmusSource(
      'long.litmus',
      'X86_64 L\n{ 0:rbx=P0:L0; }\n P0 ;\n movq %rax,(%rbx) ;\n L0: movq $1,(x) ;\nexists (x=1)\n',
      { simulate: { runs: 1, machineArch } },
    );
    expect(formatHerd([bad])).toMatch(/^Simulation L unsupported: ENOSYS: L: cannot simulate: /m);
    expect(litmusExitCode([bad])).toBe(1);
  });
});
