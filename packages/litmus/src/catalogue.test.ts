import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { type LitmusFileOutcome, runLitmus } from './runLitmus';

/** `expected.tsv`: test name to one verdict per model column. */
function expected(file: string): Map<string, string[]> {
  const [, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  return new Map(rows.map((r) => r.split('\t')).map(([name, ...v]) => [name as string, v]));
}

function verdict(o: LitmusFileOutcome): string {
  if ('error' in o) throw new Error(o.error.message);
  return o.result.observation === 'Never' ? 'Forbidden' : 'Allowed';
}

function agreement(outcomes: LitmusFileOutcome[], want: Map<string, string[]>, column: number) {
  const disagree: string[] = [];
  for (const o of outcomes) {
    const name = 'result' in o ? o.result.name : o.file;
    if (verdict(o) !== want.get(name)?.[column]) disagree.push(name);
  }
  return { disagree, percent: (100 * (outcomes.length - disagree.length)) / outcomes.length };
}

describe('herdtools7 aarch64-ifetch catalogue (aarch64.cat -variant ifetch,fatal)', () => {
  const dir = sharedPath('litmus', 'aarch64');
  const want = expected(join(dir, 'expected.tsv'));
  const outcomes = runLitmus([dir]);

  it('checks all 60 tests', () => {
    expect(outcomes).toHaveLength(60);
    expect(want.size).toBe(60);
  });

  it('agrees with every published verdict (100 %)', () => {
    const { disagree, percent } = agreement(outcomes, want, 0);
    expect(disagree).toEqual([]);
    expect(percent).toBe(100);
  });

  it('takes the cache type from the file unless overridden', () => {
    const file = join(dir, 'coFF.litmus');
    const [plain] = runLitmus([file]);
    const [dic] = runLitmus([file], { cacheType: 'DIC' });
    expect(verdict(plain as LitmusFileOutcome)).toBe('Allowed');
    expect(verdict(dic as LitmusFileOutcome)).toBe(want.get('DIC1.coFF')?.[0]);
  });
});

describe('litmus-tests-riscv-ifetch', () => {
  const dir = sharedPath('litmus', 'riscv');
  const want = expected(join(dir, 'expected.tsv'));

  it.each([
    ['ziccif', 0],
    ['ziccid', 1],
  ] as const)('agrees with every %s verdict (100 %%)', (model, column) => {
    const outcomes = runLitmus([dir], { riscvModel: model });
    expect(outcomes).toHaveLength(12);
    const { disagree, percent } = agreement(outcomes, want, column);
    expect(disagree).toEqual([]);
    expect(percent).toBe(100);
  });
});

describe('our x86-64 ifetch tests (TSO + SDM §10.1.3)', () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'x86');
  const want = expected(join(dir, 'expected.tsv'));
  const outcomes = runLitmus([dir]);

  it('has at least 15 fetch tests, each with its argued verdict', () => {
    const fetchTests = outcomes.filter((o) => 'result' in o && /F|SM|coFF|RF/.test(o.result.name));
    expect(fetchTests.length).toBeGreaterThanOrEqual(15);
    expect(outcomes).toHaveLength(want.size);
  });

  it('agrees with the verdicts argued in the files', () => {
    expect(agreement(outcomes, want, 0).disagree).toEqual([]);
  });
});
