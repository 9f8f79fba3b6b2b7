import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import {
  type BpfConformanceTarget,
  bpfErrorMatches,
  interpreterTarget,
  runConformance,
  runConformanceCase,
} from './bpfConformance';
import { parseBpfDataFile } from './bpfDataFile';

const dir = sharedPath('bpf-conformance');
const fixtures = fileURLToPath(new URL('../../fixtures/bpf', import.meta.url));

describe('conformance suite on the interpreter', () => {
  const results = runConformance(dir, [interpreterTarget]);

  it('runs every .data file of the shared folder', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.data'));
    expect(files.length).toBeGreaterThan(0);
    expect(results.map((r) => r.file).sort()).toEqual(files.sort());
  });

  it.each(results.map((r) => [r.file, r] as const))('%s passes', (_, r) => {
    expect(r.pass, r.reason).toBe(true);
  });
});

describe('package fixtures on the interpreter', () => {
  it('pass: legacy packet loads, code_addr calls and callx errors', () => {
    const results = runConformance(fixtures, [interpreterTarget]);
    expect(results.filter((r) => !r.pass).map((r) => `${r.file}: ${r.reason}`)).toEqual([]);
    expect(results.length).toBe(19);
  });
});

describe('runner verdicts', () => {
  const wrong: BpfConformanceTarget = { name: 'wrong', run: () => 7n };

  it('fails a target whose r0 differs, naming both values', () => {
    const file = parseBpfDataFile('-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n', 'one.data');
    expect(runConformanceCase(file, interpreterTarget)).toMatchObject({
      pass: true,
      reason: 'r0 = 0x1',
    });
    expect(runConformanceCase(file, wrong)).toMatchObject({
      pass: false,
      reason: 'expected 0x1, got 0x7',
    });
  });

  it('passes a negative test only when the program is rejected for the expected reason', () => {
    const bad =
      '-- raw\n0x00000000000000f7\n0x0000000000000095\n-- error\nunknown opcode 0xf7 at PC 0\n';
    expect(runConformanceCase(parseBpfDataFile(bad), interpreterTarget).pass).toBe(true);
    const wrongKind = bad.replace('unknown opcode 0xf7 at PC 0', 'jump out of bounds at PC 0');
    expect(runConformanceCase(parseBpfDataFile(wrongKind), interpreterTarget)).toMatchObject({
      pass: false,
      reason: expect.stringContaining("expected error 'jump out of bounds"),
    });
    const accepted = '-- asm\nmov %r0, 0\nexit\n-- error\nunknown opcode\n';
    expect(runConformanceCase(parseBpfDataFile(accepted), interpreterTarget).pass).toBe(false);
  });

  it('counts undecodable programs and bad call targets as rejections', () => {
    const truncated = '-- raw\n0x0000000100000018\n-- error\nincomplete lddw at PC 0\n';
    expect(runConformanceCase(parseBpfDataFile(truncated), interpreterTarget)).toMatchObject({
      pass: true,
      reason: expect.stringContaining('lddw has no second slot'),
    });
    const badCall =
      '-- raw\n0x0000000a00001085\n0x0000000000000095\n-- error\ninvalid call immediate at PC 0\n';
    expect(runConformanceCase(parseBpfDataFile(badCall), interpreterTarget).pass).toBe(true);
    const syntax = '-- asm\nfrob\n-- result\n0\n';
    expect(runConformanceCase(parseBpfDataFile(syntax), interpreterTarget)).toMatchObject({
      pass: false,
      reason: expect.stringContaining(
        "unexpected error: <data>: EINVAL: line 2:1: unknown mnemonic 'frob'",
      ),
    });
  });

  it('matches error texts by the kind of failure they name', () => {
    expect(
      bpfErrorMatches(
        'Failed to load code: jump out of bounds at PC 3',
        'EINVAL: instruction 3: jump out of bounds: target 9 is outside 0..5',
      ),
    ).toBe(true);
    expect(
      bpfErrorMatches(
        'out of bounds memory store at PC 0',
        'EFAULT: instruction 0: out of bounds memory store of 1 bytes at 0x100000ffc',
      ),
    ).toBe(true);
    expect(
      bpfErrorMatches('infinite loop at PC 0', 'EINVAL: instruction 0: unknown opcode 0x06'),
    ).toBe(false);
    expect(bpfErrorMatches('something went wrong', 'EINVAL: anything')).toBe(true);
  });
});
