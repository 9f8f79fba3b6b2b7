import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findSharedDir } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exitCode';
import { run } from '../program';
import { memoryIo } from '../testIo';

const shared = findSharedDir();

describe.skipIf(!shared)('execmem litmus', () => {
  const dir = join(shared ?? '', 'litmus', 'riscv');

  it('prints one herd block per test of a folder, each agreeing with the published verdict', async () => {
    const io = memoryIo();
    expect(await run(['litmus', dir], io)).toBe(ExitCode.Ok);
    const expected = readFileSync(join(dir, 'expected.tsv'), 'utf8').trim().split('\n').slice(1);
    for (const row of expected) {
      const [name, ziccif] = row.split('\t');
      const observation = ziccif === 'Forbidden' ? 'Never' : '(Sometimes|Always)';
      expect(io.stdout()).toMatch(
        new RegExp(`^Observation ${name.replace(/[.+]/g, '\\$&')} ${observation} \\d+ \\d+$`, 'm'),
      );
    }
  });

  it('switches the RISC-V model with --riscv-model and prints JSON with --json', async () => {
    const io = memoryIo();
    await run(['litmus', '--riscv-model', 'ziccid', '--json', join(dir, 'CoFF.litmus')], io);
    const [outcome] = JSON.parse(io.stdout());
    expect(outcome.result.observation).toBe('Never');
  });

  it('reports an unreadable file as an error block and exits 1', async () => {
    const io = memoryIo();
    expect(await run(['litmus', join(dir, 'CoFF.litmus'), '/nonexistent.litmus'], io)).toBe(
      ExitCode.CheckFailed,
    );
    expect(io.stdout()).toMatch(/^Test CoFF Allowed$/m);
    expect(io.stdout()).toMatch(/nonexistent\.litmus/);
  });
});
