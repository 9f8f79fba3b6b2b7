import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExceptionCause, FlatMemory, runToException, word64 } from '@execmem/core';
import { requireHostTools } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { arm64Isa } from './arm64Isa';
import {
  DATA_ADDRESS,
  DATA_BYTES,
  DUMP_BYTES,
  generatePrograms,
  REGISTER_DUMP_OFFSET,
} from './testing/programGenerator';
import { createRandom } from './testing/random';

const check = requireHostTools(
  ['aarch64-linux-gnu-as', 'aarch64-linux-gnu-ld', 'aarch64-linux-gnu-objcopy', 'qemu-aarch64'],
  'binutils-aarch64-linux-gnu qemu-user',
);
if (check.skip) console.warn(check.reason);

const ORIGIN = 0x400000;
const PROGRAMS = 240;

/** Builds the static ELF with GNU as + ld, runs it under qemu; returns stdout and the linked .text. */
function runUnderQemu(source: string): { stdout: Uint8Array; text: Uint8Array } {
  const dir = mkdtempSync(join(tmpdir(), 'execmem-arm64-run-'));
  try {
    const f = (name: string) => join(dir, name);
    writeFileSync(f('p.s'), `${source}.data\n.space ${DATA_BYTES}\n`);
    execFileSync('aarch64-linux-gnu-as', ['-march=armv8.1-a', '-o', f('p.o'), f('p.s')]);
    const at = (n: number) => `0x${n.toString(16)}`;
    execFileSync('aarch64-linux-gnu-ld', [
      '-static',
      `-Ttext=${at(ORIGIN)}`,
      `-Tdata=${at(DATA_ADDRESS)}`,
      '-o',
      f('p'),
      f('p.o'),
    ]);
    execFileSync('aarch64-linux-gnu-objcopy', ['-O', 'binary', '-j', '.text', f('p'), f('p.bin')]);
    const run = spawnSync('qemu-aarch64', [f('p')], { maxBuffer: 1 << 26 });
    if (run.status !== 0) throw new Error(`qemu-aarch64 exited with ${run.status}: ${run.stderr}`);
    return { stdout: new Uint8Array(run.stdout), text: new Uint8Array(readFileSync(f('p.bin'))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the image on FlatMemory with the A64 executor, emulating the write and exit system calls. */
function runOnExecutor(image: Uint8Array): Uint8Array {
  const isa = arm64Isa();
  const memory = new FlatMemory();
  memory.write(ORIGIN, image);
  memory.map(DATA_ADDRESS, DATA_BYTES);
  const state = isa.createState();
  state.pc = ORIGIN;
  const chunks: Uint8Array[] = [];
  for (;;) {
    const stop = runToException(isa, state, memory);
    if (stop.reason !== ExceptionCause.SystemCall) {
      throw new Error(
        `stopped at 0x${stop.pc.toString(16)}: ${String(stop.reason)} ${stop.detail}`,
      );
    }
    const r = (n: number) => Number(word64.toBigint(state.regs, 2 * n));
    if (r(8) === 93) break;
    expect(r(8)).toBe(64);
    chunks.push(memory.read(r(1), r(2)));
    word64.set64(state.regs, 0, r(2), 0);
    state.pc = stop.pc + 4;
  }
  return Uint8Array.from(chunks.flatMap((c) => Array.from(c)));
}

const names = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'nzcv'];

/** Describes the first difference between two dumps: program, and register or window offset. */
function firstDifference(ours: Uint8Array, theirs: Uint8Array): string | undefined {
  const n = Math.max(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    if (ours[i] === theirs[i]) continue;
    const program = Math.floor(i / DUMP_BYTES);
    const at = i % DUMP_BYTES;
    const reg = at >= REGISTER_DUMP_OFFSET && at < REGISTER_DUMP_OFFSET + 8 * names.length;
    const where = reg ? names[Math.floor((at - REGISTER_DUMP_OFFSET) / 8)] : `window byte ${at}`;
    const hex64 = (b: Uint8Array, o: number) =>
      Array.from(b.slice(o, o + 8))
        .reverse()
        .map((x) => x.toString(16).padStart(2, '0'))
        .join('');
    const base = i - ((at - REGISTER_DUMP_OFFSET) % 8);
    return `program P${program}: ${where} differs (ours ${reg ? hex64(ours, base) : ours[i]}, qemu ${reg ? hex64(theirs, base) : theirs[i]})`;
  }
  return undefined;
}

describe.skipIf(check.skip)('A64 execution vs qemu-aarch64', () => {
  it(`runs ${PROGRAMS} generated programs to the same registers, flags and memory`, () => {
    const source = generatePrograms(createRandom(0xa64), PROGRAMS);
    const gnu = runUnderQemu(source);
    const mine = isaAssemble(source);
    expect(mine.length).toBe(gnu.text.length);
    expect(Buffer.from(mine).equals(Buffer.from(gnu.text))).toBe(true);
    const ours = runOnExecutor(mine);
    expect(gnu.stdout.length).toBe(PROGRAMS * DUMP_BYTES);
    expect(firstDifference(ours, gnu.stdout)).toBeUndefined();
  });
});

function isaAssemble(source: string): Uint8Array {
  return arm64Isa().assemble(source, { origin: BigInt(ORIGIN) }).bytes;
}
