import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('runs each test on a simulated machine with --simulate and prints the Simulation line', async () => {
    const io = memoryIo();
    expect(await run(['litmus', '--simulate', '20', '--seed', '5', dir], io)).toBe(ExitCode.Ok);
    const lines = io
      .stdout()
      .match(/^Simulation \S+ runs 20 exists-hits \d+ states-outside-model 0$/gm);
    expect(lines).toHaveLength(12);
    expect(io.stdout()).toMatch(/^Time SM [\d.]+\nSimulation SM runs 20 /m);
    const json = memoryIo();
    await run(['litmus', '--simulate', '5', '--json', join(dir, 'SM.litmus')], json);
    const [outcome] = JSON.parse(json.stdout());
    expect(outcome.simulation).toMatchObject({ name: 'SM', runs: 5, outside: [] });
  });

  it('exits 1 when the machine cannot run a test, naming why', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'litmus-cli-'));
    try {
      const file = join(tmp, 'long.litmus');
      writeFileSync(
        file,
        'X86_64 L\n{ 0:rbx=P0:L0; }\n P0 ;\n movq %rax,(%rbx) ;\n L0: movq $1,(x) ;\nexists (x=1)\n',
      );
      const io = memoryIo();
      expect(await run(['litmus', '--simulate', '1', file], io)).toBe(ExitCode.CheckFailed);
      expect(io.stdout()).toMatch(
        /^Simulation L unsupported: ENOSYS: L: cannot simulate: P0 labelled/m,
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('rejects a bad --simulate or --seed', async () => {
    for (const args of [
      ['--simulate', '0'],
      ['--simulate', 'x'],
      ['--simulate', '1', '--seed', '-1'],
    ]) {
      const io = memoryIo();
      expect(await run(['litmus', ...args, dir], io)).toBe(ExitCode.Usage);
    }
  });
});
