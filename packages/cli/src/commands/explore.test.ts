import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exitCode';
import { run } from '../program';
import { memoryIo } from '../testIo';

describe('execmem explore', () => {
  it('lists the shipped scenarios', async () => {
    const io = memoryIo();
    expect(await run(['explore', '--list'], io)).toBe(ExitCode.Ok);
    expect(io.stdout()).toMatch(/^publish-riscv64\triscv64\texpect safe\t/m);
    expect(io.stdout()).toMatch(/^publish-riscv64-local-fence-i-only\triscv64\texpect hazard\t/m);
  });

  it('proves a shipped protocol safe and catches its broken variant with a trace', async () => {
    const io = memoryIo();
    const code = await run(
      ['explore', 'publish-riscv64', 'publish-riscv64-local-fence-i-only'],
      io,
    );
    expect(code).toBe(ExitCode.Ok);
    expect(io.stdout()).toMatch(/exhaustive: \d+ states/);
    expect(io.stdout()).toMatch(/no hazard/);
    expect(io.stdout()).toMatch(/trace: \d/);
    expect(io.stdout().match(/as expected/g)).toHaveLength(2);
  });

  it('catches x86 patching a live 5-byte call without the int3 protocol: a torn fetch, with a trace', async () => {
    const io = memoryIo();
    expect(await run(['explore', 'patch-x86_64-call-no-int3'], io)).toBe(ExitCode.Ok);
    expect(io.stdout()).toMatch(/^torn: .*\n {2}trace: [\d,]+$/m);
    expect(io.stdout()).toMatch(/expected hazard: as expected/);
  });

  it('with --no-independence interleaves the private steps too: the same verdict from more states', async () => {
    const states = async (...flags: string[]) => {
      const io = memoryIo();
      expect(await run(['explore', 'publish-x86_64', '--json', ...flags], io)).toBe(ExitCode.Ok);
      const [r] = JSON.parse(io.stdout());
      expect(r.asExpected).toBe(true);
      return r.states as number;
    };
    const merged = await states();
    const every = await states('--no-independence');
    expect(merged).toBeGreaterThan(0);
    expect(every).toBeGreaterThan(2 * merged);
  });

  it('names an unknown scenario and exits 2', async () => {
    const io = memoryIo();
    expect(await run(['explore', 'no-such-scenario'], io)).toBe(ExitCode.Usage);
    expect(io.stderr()).toMatch(/no-such-scenario/);
  });
});
