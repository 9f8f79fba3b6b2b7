import { ExceptionCause, FlatMemory, runToException, word64 } from '@execmem/core';
import { requireHostTools } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { riscvIsa } from './riscvIsa';
import { gnuBuild, gnuPackages, gnuTools } from './testing/gnu';
import { DUMP, generateProgramSuite } from './testing/programGenerator';

const check = requireHostTools([...gnuTools, 'qemu-riscv64'], `${gnuPackages} qemu-user`);
if (check.skip) console.warn(check.reason);

const TEXT = 0x10000;
const DATA = 0x400000;
const SYS_WRITE = 64;
const SYS_EXIT = 93;

/**
 * Runs the linked image on FlatMemory with our decoder and executor,
 * serving the `write` and `exit` system calls as Linux does for qemu-user.
 */
function runOurs(text: Uint8Array, data: Uint8Array): Uint8Array {
  const memory = new FlatMemory();
  memory.write(TEXT, text);
  memory.write(DATA, data);
  const state = riscvIsa.createState();
  state.pc = TEXT;
  const out: number[] = [];
  const reg = (r: number) => Number(word64.toBigint(state.regs, 2 * r));
  for (;;) {
    const stop = runToException(riscvIsa, state, memory, { maxSteps: 10_000_000 });
    if (stop.reason !== ExceptionCause.SystemCall) {
      throw new Error(
        `stopped at 0x${stop.pc.toString(16)}: ${String(stop.reason)} (detail ${stop.detail})`,
      );
    }
    if (reg(17) === SYS_EXIT) return Uint8Array.from(out);
    if (reg(17) !== SYS_WRITE) throw new Error(`unexpected system call ${reg(17)}`);
    out.push(...memory.read(reg(11), reg(12)));
    word64.setNumber(state.regs, 20, reg(12));
    state.pc = stop.pc + 4;
  }
}

describe.skipIf(check.skip)('execution vs qemu-riscv64', () => {
  for (const [march, seed] of [
    ['rv64gc', 11],
    ['rv64g', 12],
  ] as const) {
    it(`runs 120 generated programs (${march}) to the same registers and memory as qemu`, () => {
      const count = 120;
      const suite = generateProgramSuite(seed, count, DATA);
      const gnu = gnuBuild(
        `.text\n${suite.text}.data\n${suite.data}`,
        march,
        { text: TEXT, data: DATA },
        true,
      );
      // Our assembler must produce the same text as GNU as for the suite.
      const ours = riscvIsa.assemble(suite.text, {
        origin: BigInt(TEXT),
        compressed: march === 'rv64gc',
      });
      expect(
        Buffer.from(ours.bytes).equals(Buffer.from(gnu.text.subarray(0, ours.bytes.length))),
      ).toBe(true);
      const want = gnu.stdout!;
      const got = runOurs(gnu.text, gnu.data);
      expect(want.length).toBe(count * DUMP);
      const mismatches: string[] = [];
      for (let i = 0; i < want.length && mismatches.length < 5; i++) {
        if (want[i] !== got[i]) {
          const program = Math.floor(i / DUMP);
          const at = i % DUMP;
          const where = at < 512 ? `window byte ${at}` : `x${1 + Math.floor((at - 512) / 8)}`;
          mismatches.push(`program ${program}: ${where}`);
          i = (program + 1) * DUMP - 1;
        }
      }
      expect(mismatches).toEqual([]);
      expect(got.length).toBe(want.length);
    });
  }
});
