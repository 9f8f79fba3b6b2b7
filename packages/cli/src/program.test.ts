import { describe, expect, it } from 'vitest';
import { ExitCode } from './exitCode';
import { run } from './program';
import { createProgress } from './progress';
import { memoryIo } from './testIo';

describe('execmem', () => {
  it('--help lists every command and exits 0', async () => {
    const io = memoryIo();
    expect(await run(['--help'], io)).toBe(ExitCode.Ok);
    for (const name of ['asm', 'disasm', 'run']) expect(io.stdout()).toContain(name);
  });

  it('every command has --help', async () => {
    for (const name of ['asm', 'disasm', 'run']) {
      const io = memoryIo();
      expect(await run([name, '--help'], io)).toBe(ExitCode.Ok);
      expect(io.stdout()).toContain('--arch');
    }
  });

  it('bad usage exits 2 with a message', async () => {
    const io = memoryIo();
    expect(await run(['no-such-command'], io)).toBe(ExitCode.Usage);
    expect(io.stderr()).toMatch(/unknown command/);
    const io2 = memoryIo();
    expect(await run(['disasm', '--arch', 'vax', '90'], io2)).toBe(ExitCode.Usage);
    expect(io2.stderr()).toMatch(/vax/);
  });
});

describe('progress', () => {
  it('prints plain lines at each tenth when not a terminal', () => {
    let text = '';
    const p = createProgress('files', 20, { write: (s: string) => (text += s) });
    for (let i = 0; i < 20; i++) p.tick();
    p.done();
    expect(text.split('\n').filter(Boolean)).toHaveLength(10);
    expect(text).toContain('files: 20/20');
  });

  it('redraws one bar on a terminal', () => {
    let text = '';
    const p = createProgress('files', 4, {
      write: (s: string) => (text += s),
      isTTY: true,
      columns: 60,
    });
    p.tick('a');
    p.tick('b');
    expect(text).not.toContain('\n');
    expect(text).toContain('2/4 b');
  });
});
