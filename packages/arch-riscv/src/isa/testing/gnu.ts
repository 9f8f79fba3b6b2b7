import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Host commands the differential tests run, and the Debian packages providing them. */
export const gnuTools = [
  'riscv64-linux-gnu-as',
  'riscv64-linux-gnu-ld',
  'riscv64-linux-gnu-objcopy',
  'riscv64-linux-gnu-objdump',
];
export const gnuPackages = 'binutils-riscv64-linux-gnu';

/** Where {@link gnuBuild} links `.text` and `.data`. */
export interface GnuLayout {
  readonly text: number;
  readonly data?: number;
}

/** The linked sections and, when asked, the standard output of running the ELF under qemu-riscv64. */
export interface GnuBuild {
  readonly text: Uint8Array;
  readonly data: Uint8Array;
  readonly stdout?: Uint8Array;
}

/**
 * Assembles `source` with GNU as (`-mno-relax`, so it resolves branches
 * itself), links it without relaxation at `layout`, and returns the
 * section bytes; with `run`, also runs the static ELF under qemu-riscv64.
 */
export function gnuBuild(
  source: string,
  march: 'rv64gc' | 'rv64g',
  layout: GnuLayout = { text: 0 },
  run = false,
): GnuBuild {
  const dir = mkdtempSync(join(tmpdir(), 'execmem-riscv-'));
  const file = (name: string) => join(dir, name);
  try {
    writeFileSync(file('a.s'), source);
    execFileSync('riscv64-linux-gnu-as', [
      `-march=${march}`,
      '-mno-relax',
      '-o',
      file('a.o'),
      file('a.s'),
    ]);
    const sections = [`-Ttext=0x${layout.text.toString(16)}`];
    if (layout.data !== undefined) sections.push(`-Tdata=0x${layout.data.toString(16)}`);
    execFileSync(
      'riscv64-linux-gnu-ld',
      ['--no-relax', '-static', ...sections, '-e', '_start', '-o', file('a.elf'), file('a.o')],
      {
        stdio: ['ignore', 'ignore', 'ignore'],
      },
    );
    const section = (name: string) => {
      execFileSync('riscv64-linux-gnu-objcopy', [
        '-O',
        'binary',
        '-j',
        name,
        file('a.elf'),
        file(`${name}.bin`),
      ]);
      return new Uint8Array(readFileSync(file(`${name}.bin`)));
    };
    const stdout = run
      ? new Uint8Array(execFileSync('qemu-riscv64', [file('a.elf')], { maxBuffer: 1 << 28 }))
      : undefined;
    return {
      text: section('.text'),
      data: layout.data === undefined ? new Uint8Array() : section('.data'),
      stdout,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The `.text` bytes GNU as and ld produce for `source` at address 0. */
export function gnuAssemble(source: string, march: 'rv64gc' | 'rv64g'): Uint8Array {
  return gnuBuild(source, march).text;
}

/** objdump's text for a raw binary, normalized, by offset. */
export function gnuDisassemble(bytes: Uint8Array): Map<number, string> {
  const dir = mkdtempSync(join(tmpdir(), 'execmem-riscv-'));
  try {
    writeFileSync(join(dir, 'a.bin'), bytes);
    const out = execFileSync(
      'riscv64-linux-gnu-objdump',
      ['-b', 'binary', '-m', 'riscv:rv64', '-D', '-z', join(dir, 'a.bin')],
      { maxBuffer: 1 << 28 },
    ).toString();
    const map = new Map<number, string>();
    for (const line of out.split('\n')) {
      const m = /^\s*([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/.exec(line);
      if (!m) continue;
      const text = m[2]
        .replace(/\s+#.*$/, '')
        .replace(/\s*<[^>]*>/g, '')
        .replace(/\s+/g, ' ')
        .trim();
      map.set(Number.parseInt(m[1], 16), text);
    }
    return map;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
