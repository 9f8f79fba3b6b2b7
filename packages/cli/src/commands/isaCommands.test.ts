import { describe, expect, it } from 'vitest';
import { ExitCode } from '../exitCode';
import { run } from '../program';
import { memoryIo } from '../testIo';

describe('execmem asm', () => {
  it('prints offset, bytes in memory order and the disassembly (x86-64)', async () => {
    const io = memoryIo({ 'a.s': 'mov $6, %eax\nint3\n' });
    expect(await run(['asm', '--arch', 'x86-64', 'a.s'], io)).toBe(ExitCode.Ok);
    expect(io.stdout()).toBe('0:\tb8 06 00 00 00\tmov $0x6,%eax\n5:\tcc\tint3\n');
  });

  it('compresses riscv64 code by default and not with --no-rvc', async () => {
    const src = { 'r.s': 'li a0, 1\nebreak\n' };
    const on = memoryIo(src);
    await run(['asm', '--arch', 'riscv64', 'r.s'], on);
    expect(on.stdout().split('\n')[0]).toMatch(/^0:\t05 45\t/);
    const off = memoryIo(src);
    await run(['asm', '--arch', 'riscv64', '--no-rvc', 'r.s'], off);
    expect(off.stdout().split('\n')[0]).toMatch(/^0:\t13 05 10 00\t/);
  });

  it('reports a bad mnemonic with its line and exits 2', async () => {
    const io = memoryIo({ 'b.s': 'nop\nfrobnicate x0\n' });
    expect(await run(['asm', '--arch', 'arm64', 'b.s'], io)).toBe(ExitCode.Usage);
    expect(io.stderr()).toMatch(/line 2/);
  });
});

describe('execmem disasm', () => {
  it('reads byte streams in memory order', async () => {
    const io = memoryIo();
    expect(await run(['disasm', '--arch', 'x86-64', 'cc', '0f 1f 44 00 00'], io)).toBe(ExitCode.Ok);
    expect(io.stdout()).toBe('0:\tcc\tint3\n0:\t0f 1f 44 00 00\tnopl 0x0(%rax,%rax,1)\n');
  });

  it('reads instruction words with --words', async () => {
    const io = memoryIo();
    await run(['disasm', '--arch', 'arm64', '--words', 'd503201f d4202000'], io);
    expect(io.stdout()).toBe('0:\t1f 20 03 d5\tnop\n4:\t00 20 20 d4\tbrk #0x100\n');
    const rv = memoryIo();
    await run(['disasm', '--arch', 'riscv64', '--words', '9002 00100073'], rv);
    expect(rv.stdout()).toBe('0:\t02 90\tebreak\n2:\t73 00 10 00\tebreak\n');
  });

  it('rejects bad hex with exit 2', async () => {
    const io = memoryIo();
    expect(await run(['disasm', '--arch', 'x86-64', 'zz'], io)).toBe(ExitCode.Usage);
    expect(io.stderr()).toMatch(/zz/);
  });
});

describe('execmem run', () => {
  it('prints every general register in encoding order, then the counters', async () => {
    const io = memoryIo({
      'p.s': 'mov $6, %eax\nimul $7, %eax, %eax\npush %rax\npop %rbx\nint3\n',
    });
    expect(await run(['run', '--arch', 'x86-64', 'p.s'], io)).toBe(ExitCode.Ok);
    const lines = io.stdout().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'rax=0x000000000000002a',
      'rcx=0x0000000000000000',
      'rdx=0x0000000000000000',
      'rbx=0x000000000000002a',
    ]);
    expect(lines[4]).toBe('rsp=0x0000000007ff0000');
    expect(lines[15]).toMatch(/^r15=/);
    expect(io.stdout()).toMatch(/^instructions=4$/m);
  });

  it('names registers x0 … x30, sp on arm64 and ra … t6 on riscv64', async () => {
    const a = memoryIo({ 'p.s': 'mov x0, #1\nbrk #0\n' });
    await run(['run', '--arch', 'arm64', 'p.s'], a);
    const names = a
      .stdout()
      .split('\n')
      .slice(0, 32)
      .map((l) => l.split('=')[0]);
    expect(names).toEqual([...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp']);
    const r = memoryIo({ 'p.s': 'li a0, 1\nebreak\n' });
    await run(['run', '--arch', 'riscv64', 'p.s'], r);
    expect(r.stdout().split('\n')[0]).toBe('ra=0x0000000000000000');
    expect(r.stdout()).toContain('a0=0x0000000000000001');
    expect(r.stdout().split('\n')[30]).toMatch(/^t6=/);
  });

  it('prints the cause of a fault and exits 1', async () => {
    const io = memoryIo({ 'f.s': 'mov $0x10, %rax\nmov (%rax), %rbx\nint3\n' });
    expect(await run(['run', '--arch', 'x86-64', 'f.s'], io)).toBe(ExitCode.CheckFailed);
    expect(io.stderr()).toMatch(/memory fault at 0x40000\w+: address 0x10 is not mapped/);
  });
});
