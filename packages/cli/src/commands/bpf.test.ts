import { fileURLToPath } from 'node:url';
import { findSharedDir, sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exitCode';
import { run } from '../program';
import { memoryIo } from '../testIo';

const fixtures = fileURLToPath(new URL('../../../jit/fixtures/bpf', import.meta.url));

describe('execmem bpf', () => {
  it('run prints r0 of assembler text', async () => {
    const io = memoryIo({ 'p.s': 'mov %r0, 6\nmul %r0, 7\nexit\n' });
    expect(await run(['bpf', 'run', 'p.s'], io)).toBe(ExitCode.Ok);
    expect(io.stdout()).toBe('0x2a\n');
  });

  it('run reads a .data file with its memory block', async () => {
    const io = memoryIo({
      'm.data': '-- asm\nldxb %r0, [%r1+1]\nexit\n-- mem\n00 07\n-- result\n0x7\n',
    });
    expect(await run(['bpf', 'run', 'm.data', '--json'], io)).toBe(ExitCode.Ok);
    expect(JSON.parse(io.stdout())).toEqual({ target: 'interp', r0: '0x7' });
  });

  it('run JITs the program for each arch into execmem and runs it on a simulated CPU', async () => {
    for (const arch of ['x86-64', 'arm64', 'riscv64']) {
      for (const policy of ['roxCache', 'bpfProgPack']) {
        const io = memoryIo({ 'p.s': 'mov %r0, 6\nmul %r0, 7\nexit\n' });
        expect(await run(['bpf', 'run', 'p.s', '--arch', arch, '--policy', policy], io)).toBe(
          ExitCode.Ok,
        );
        expect(io.stdout()).toBe('0x2a\n');
      }
    }
  });

  it('run reports a callx with no target as the same ENOSYS on every target, with exit 1', async () => {
    for (const arch of ['interp', 'x86-64', 'arm64', 'riscv64']) {
      const io = memoryIo({ 'p.s': 'mov %r0, 1\nmov %r2, 40\ncall %r2\nexit\n' });
      expect(await run(['bpf', 'run', 'p.s', '--arch', arch], io)).toBe(ExitCode.CheckFailed);
      expect(io.stderr()).toBe(
        `execmem: ${arch}: ENOSYS: instruction 2: call to unknown helper or function 40\n`,
      );
    }
  });

  it('run executes legacy packet loads on the memory block on every target', async () => {
    for (const arch of ['interp', 'x86-64', 'arm64', 'riscv64']) {
      const io = memoryIo({
        'p.data': '-- asm\nmov %r6, 1\nldindh %r6, 1\nexit\n-- mem\n00 00 12 34\n',
      });
      expect(await run(['bpf', 'run', 'p.data', '--arch', arch], io)).toBe(ExitCode.Ok);
      expect(io.stdout()).toBe('0x1234\n');
    }
  });

  it('conformance runs the jit package fixtures on all four targets', async () => {
    const io = memoryIo();
    const code = await run(['bpf', 'conformance', fixtures], io);
    expect(io.stdout().trim().split('\n').at(-1)).toBe('76 passed, 0 failed');
    expect(code).toBe(ExitCode.Ok);
  });

  it('run rejects a program the verifier rejects, with exit 2', async () => {
    const io = memoryIo({ 'bad.s': 'mov %r0, %r5\nexit\n' });
    expect(await run(['bpf', 'run', 'bad.s'], io)).toBe(ExitCode.Usage);
    expect(io.stderr()).toMatch(/r5/);
  });

  it.skipIf(!findSharedDir())(
    'conformance runs the shared suite and ends with the count line',
    async () => {
      const io = memoryIo();
      const code = await run(['bpf', 'conformance', sharedPath('bpf-conformance')], io);
      const last = io.stdout().trim().split('\n').at(-1);
      expect(last).toMatch(/^\d+ passed, 0 failed$/);
      for (const target of ['interp', 'x86-64', 'arm64', 'riscv64']) {
        expect(io.stdout()).toMatch(new RegExp(`^PASS\t${target}\t`, 'm'));
      }
      expect(code).toBe(ExitCode.Ok);
    },
  );
});
