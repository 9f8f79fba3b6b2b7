import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath } from '@execmem/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { formatHerd, formatLitmusJson, litmusExitCode } from './formatHerd';
import { runLitmus, runLitmusSource } from './runLitmus';

const dir = mkdtempSync(join(tmpdir(), 'litmus-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runLitmus', () => {
  it('prints herd blocks: states, Ok/No, witnesses, condition, observation', () => {
    const out = runLitmus([sharedPath('litmus', 'aarch64', 'SM.B+isb.litmus')]);
    const text = formatHerd(out);
    expect(text).toContain(
      'Test SM.B+isb Allowed\nStates 2\n0:X9=0;\n0:X9=1;\nOk\nWitnesses\nPositive: 1 Negative: 1\n',
    );
    expect(text).toContain('Condition exists (0:X9=0)\nObservation SM.B+isb Sometimes 1 1\n');
    expect(litmusExitCode(out)).toBe(0);
  });

  it('reports a forbidden outcome as No / Never and a ~exists test as Ok', () => {
    const src =
      'AArch64 T\n{0:X1=x; 1:X1=x;}\n P0 | P1 ;\n MOV W0,#1 | LDR W0,[X1] ;\n STR W0,[X1] | LDR W2,[X1] ;\n';
    const [exists] = [runLitmusSource('a', `${src}exists (1:X0=1 /\\ 1:X2=0)`)];
    const [never] = [runLitmusSource('b', `${src}~exists (1:X0=1 /\\ 1:X2=0)`)];
    if (!('result' in exists) || !('result' in never)) throw new Error('unexpected error');
    expect([exists.result.ok, exists.result.observation]).toEqual([false, 'Never']);
    expect([never.result.ok, never.result.kind]).toEqual([true, 'Forbidden']);
    expect(exists.result.positive + exists.result.negative).toBe(3);
  });

  it('checks a directory, reports a broken file with its line, and goes on', () => {
    writeFileSync(join(dir, 'a.litmus'), 'AArch64 A\n{0:X1=x;}\n P0 ;\n FROB X1 ;\nexists (x=0)\n');
    writeFileSync(
      join(dir, 'b.litmus'),
      'AArch64 B\n{0:X1=x;}\n P0 ;\n STR XZR,[X1] ;\nforall (x=0)\n',
    );
    writeFileSync(join(dir, 'notes.txt'), 'not a test');
    const out = runLitmus([dir, join(dir, 'missing.litmus')]);
    expect(out.map((o) => o.file.split('/').pop())).toEqual([
      'a.litmus',
      'b.litmus',
      'missing.litmus',
    ]);
    const [a, b, missing] = out;
    expect(a && 'error' in a && a.error).toMatchObject({ line: 4 });
    expect(a && 'error' in a && a.error.message).toMatch(/unsupported instruction 'FROB'/);
    expect(b && 'result' in b && b.result.observation).toBe('Always');
    expect(missing && 'error' in missing && missing.error.message).toMatch(/cannot read/);
    expect(formatHerd(out)).toMatch(/Test .*a\.litmus Error\nError .*a\.litmus line 4: /);
    expect(litmusExitCode(out)).toBe(1);
    expect(JSON.parse(formatLitmusJson(out))[1].result.kind).toBe('Required');
  });

  it('stops a state explosion at --max-states with a clear message', () => {
    const threads = [0, 1, 2, 3];
    const src = `AArch64 Big\n{${threads.map((t) => `${t}:X1=x;`).join(' ')}}\n ${threads.map((t) => `P${t}`).join(' | ')} ;\n${[
      1, 2, 3,
    ]
      .map(
        (v) =>
          ` ${threads.map(() => `MOV W0,#${v}`).join(' | ')} ;\n ${threads.map(() => 'STR W0,[X1]').join(' | ')} ;\n`,
      )
      .join('')}exists (x=1)\n`;
    const o = runLitmusSource('big.litmus', src, { maxStates: 1000 });
    expect('error' in o && o.error.message).toMatch(
      /E2BIG: Big: more than 1000 candidate executions \(--max-states 1000\)/,
    );
  });

  it.each([
    [
      'SVC enters P0.F, ERET resumes after it',
      'AArch64 SVC\n{ }\n P0 | P0.F ;\n MOV W0,#1 | MOV W1,#2 ;\n SVC #0 | ERET ;\n MOV W2,#3 | ;\nforall (0:X0=1 /\\ 0:X1=2 /\\ 0:X2=3)',
    ],
    [
      'ADR + ADD moves a code address by instructions',
      'AArch64 ADRADD\n{ }\n P0 ;\n ADR X1,L0 ;\n ADD X1,X1,#8 ;\n BR X1 ;\n L0: MOV W2,#1 ;\n MOV W3,#1 ;\n MOV W4,#1 ;\nforall (0:X2=0 /\\ 0:X3=0 /\\ 0:X4=1)',
    ],
    [
      'fault(P0,L0) names where a thread faulted',
      'AArch64 F\n{ }\n P0 ;\n MOV W0,#1 ;\n L0: UDF #0 ;\n L1: MOV W0,#2 ;\nforall (fault(P0,L0) /\\ ~fault(P0,L1) /\\ fault(P0) /\\ 0:X0=1)\n',
    ],
    [
      'TBNZ tests one bit',
      'AArch64 TB\n{ 0:X0=4; }\n P0 ;\n TBNZ X0,#2,L0 ;\n MOV W1,#1 ;\n L0: TBZ X0,#1,L1 ;\n MOV W2,#1 ;\n L1: NOP ;\nforall (0:X1=0 /\\ 0:X2=0)',
    ],
    [
      'RISC-V jalr rd,0(rs) links and jumps',
      'RISCV J\n{ 0:a0=P0:f; }\n P0 ;\n jalr ra,0(a0) ;\n li s1,2 ;\n j end ;\n f: li s0,1 ;\n ret ;\n end: nop ;\nforall (0:s0=1 /\\ 0:s1=2)',
    ],
  ])('%s', (_what, source) => {
    const o = runLitmusSource('t.litmus', source);
    if ('error' in o) throw new Error(o.error.message);
    expect(o.result.observation).toBe('Always');
  });

  it('names a fault handler run and its return in the final state', () => {
    const o = runLitmus([sharedPath('litmus', 'aarch64', 'S-self+dmb.st+fault.litmus')]);
    const text = formatHerd(o);
    expect(text).toContain('1:X2=0; x=1;');
    expect(text).toContain('1:X2=2; x=2;');
    expect(text).toContain('Observation S-self+dmb.st+fault Never 0 2');
  });
});

describe('herd flags and Hash', () => {
  const result = (file: string, options = {}) => {
    const [o] = runLitmus([sharedPath('litmus', 'aarch64', file)], options);
    if (!o || !('result' in o)) throw new Error(`${file} failed`);
    return o;
  };

  it('flags a concurrent modification outside the CMODX list (an invalid instruction over B)', () => {
    const o = result('S-self+dmb.st+fault.litmus');
    expect(o.result.flags).toEqual(['violates-CMODX-requirements']);
    expect(formatHerd([o])).toMatch(
      /^Positive: 0 Negative: 2\nFlag violates-CMODX-requirements\nCondition exists/m,
    );
    expect(JSON.parse(formatLitmusJson([o]))[0].result.flags).toEqual([
      'violates-CMODX-requirements',
    ]);
  });

  it('does not flag CMODX when every fetch is ordered with the write (DIC: IC-ca) or both are on the list', () => {
    expect(result('DIC1.S-self+dmb.st+fault.litmus').result.flags).toEqual([]);
    expect(result('SM.B+isb.litmus').result.flags).toEqual([]);
    expect(result('coFF.litmus').result.flags).toEqual([]);
  });

  it('flags two modified instructions at different locations (herd assumes separate lines)', () => {
    const o = result('MP.FF+dmb.st+po.litmus');
    expect(o.result.flags).toEqual([
      'Assuming-no-two-modified-instructions-are-on-the-same-cache-line',
    ]);
    expect(result('coFF+cachesync.litmus').result.flags).toEqual([]);
  });

  it('flags the deprecated barrier arguments (aarch64fences.cat) and orders by their class', () => {
    const src = (fence: string) =>
      `AArch64 D\n{ 0:X1=x; 0:X2=y; 1:X1=x; 1:X2=y; }\n P0 | P1 ;\n MOV W0,#1 | LDR W3,[X2] ;\n STR W0,[X1] | ${fence} ;\n ${fence} | LDR W4,[X1] ;\n STR W0,[X2] | ;\nexists (1:X3=1 /\\ 1:X4=0)\n`;
    const flags = (fence: string) => {
      const o = runLitmusSource('d.litmus', src(fence));
      if (!('result' in o)) throw new Error(o.error.message);
      return [o.result.observation, o.result.flags];
    };
    expect(flags('DMB SY')).toEqual(['Never', []]);
    expect(flags('DMB ISH')).toEqual(['Never', ['Shareability-argument-for-DMB-is-deprecated']]);
    expect(flags('DSB ISH')).toEqual(['Never', []]);
    expect(flags('DSB ISHLD')[1]).toEqual(['Maintenance-scope-for-DSB-LD-is-deprecated']);
    expect(flags('DSB ISHST')).toEqual([
      'Sometimes',
      ['Maintenance-scope-for-DSB-ST-is-deprecated'],
    ]);
  });

  it("prints the file's Hash= line after Time, and none for a file without one", () => {
    const src = 'AArch64 H\n{ 0:X1=x; }\n P0 ;\n STR XZR,[X1] ;\nexists (x=0)\n';
    const withHash = runLitmusSource('h.litmus', src.replace('\n{', '\nHash=0123abcd\n{'));
    const without = runLitmusSource('n.litmus', src);
    expect(formatHerd([withHash])).toMatch(/^Time H [\d.]+\nHash=0123abcd\n$/m);
    expect(formatHerd([without])).not.toMatch(/Hash=/);
  });
});
