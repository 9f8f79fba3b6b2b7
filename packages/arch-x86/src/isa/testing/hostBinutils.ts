import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The host tools the differential tests need, and the Debian packages providing them. */
export const hostAsTools = [
  'x86_64-linux-gnu-as',
  'x86_64-linux-gnu-objcopy',
  'x86_64-linux-gnu-objdump',
];
/** Debian packages for {@link hostAsTools} plus `ld` and qemu. */
export const hostPackages = 'binutils-x86-64-linux-gnu qemu-user';

/** One line of `objdump -d` output: offset and normalized text. */
export interface ObjdumpLine {
  readonly offset: number;
  readonly text: string;
}

/** objdump text normalized as the disassembler prints it: one space, no comments or `<symbol>`. */
export function normalizeObjdump(text: string): string {
  return text
    .replace(/#.*$/, '')
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Assembles `source` with GNU as in one call; returns the `.text` bytes and the objdump listing. */
export function hostAssemble(source: string): { bytes: Uint8Array; listing: ObjdumpLine[] } {
  const dir = mkdtempSync(join(tmpdir(), 'execmem-x86-'));
  try {
    writeFileSync(join(dir, 'a.s'), source);
    execFileSync('x86_64-linux-gnu-as', ['--64', '-o', join(dir, 'a.o'), join(dir, 'a.s')], {
      stdio: 'pipe',
    });
    execFileSync('x86_64-linux-gnu-objcopy', [
      '-O',
      'binary',
      '-j',
      '.text',
      join(dir, 'a.o'),
      join(dir, 'a.bin'),
    ]);
    const dump = execFileSync(
      'x86_64-linux-gnu-objdump',
      ['-d', '-M', 'att', '-w', join(dir, 'a.o')],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    );
    return { bytes: new Uint8Array(readFileSync(join(dir, 'a.bin'))), listing: parseListing(dump) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Disassembles raw bytes with `objdump -D -b binary` (how objdump prints a bare code blob at address 0). */
export function hostDisassembleRaw(bytes: Uint8Array): ObjdumpLine[] {
  const dir = mkdtempSync(join(tmpdir(), 'execmem-x86-'));
  try {
    writeFileSync(join(dir, 'a.bin'), bytes);
    const dump = execFileSync(
      'x86_64-linux-gnu-objdump',
      ['-D', '-w', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'att', join(dir, 'a.bin')],
      { encoding: 'utf8' },
    );
    return parseListing(dump);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function parseListing(dump: string): ObjdumpLine[] {
  const listing: ObjdumpLine[] = [];
  for (const line of dump.split('\n')) {
    const m = /^\s*([0-9a-f]+):\t(?:[0-9a-f]{2} )+\s*\t?(.*)$/.exec(line);
    if (m) listing.push({ offset: Number.parseInt(m[1], 16), text: normalizeObjdump(m[2]) });
  }
  return listing;
}
