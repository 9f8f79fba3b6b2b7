import { createPrng } from '@execmem/core';
import { riscvRegisterNames as regs } from '../registers';
import { amos, iOps, loads, rOps, stores } from './mnemonics';

/**
 * Seeded generator of deterministic unprivileged RV64IMAC programs for the
 * differential execution test against qemu-riscv64. Each program sets
 * every register itself, then runs straight-line code, forward branches
 * over blocks and small counted loops. Memory accesses stay inside a
 * 512-byte window around `sp`, which no program writes; `t5` counts loops
 * and `t6` holds atomic addresses, so generated code writes neither
 * outside those uses.
 */

/** Bytes of data window per program (sp points at its middle). */
export const WINDOW = 512;
/** Bytes each program writes out: the window, then x1..x31. */
export const DUMP = WINDOW + 31 * 8;

const writable = regs.filter((r) => !['sp', 't5', 't6'].includes(r));
const pseudo = ['mv', 'not', 'neg', 'negw', 'sext.w', 'seqz', 'snez', 'sltz', 'sgtz', 'zext.b'];
const branches = ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'bgt', 'ble', 'bgtu', 'bleu'];
const edgeValues = [
  '0',
  '1',
  '-1',
  '0x7fffffffffffffff',
  '-0x8000000000000000',
  '0x80000000',
  '-0x80000000',
  '0xffffffff',
  '0x7fffffff',
];

/** One program: its source text (without the dump epilogue). */
export function generateProgram(seed: number, windowAddress: number): string {
  const random = createPrng(seed);
  const rnd = (n: number) => random.below(n);
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const rd = () => pick(writable);
  const rs = () => pick(regs);
  const imm12 = () => rnd(4096) - 2048;
  const value = () =>
    rnd(3) === 0
      ? pick(edgeValues)
      : `0x${random.next().toString(16)}${random.next().toString(16).padStart(8, '0')}`;
  const lines: string[] = [];
  for (const r of regs) {
    if (r === 'zero') continue;
    lines.push(r === 'sp' ? `li sp,${windowAddress + WINDOW / 2}` : `li ${r},${value()}`);
  }
  const offset = (size: number) => size * (rnd(WINDOW / size) - WINDOW / size / 2);
  const simple = (): string[] => {
    switch (rnd(12)) {
      case 0:
      case 1:
        return [`${pick(rOps)} ${rd()},${rs()},${rs()}`];
      case 2:
        return [`${pick(iOps)} ${rd()},${rs()},${imm12()}`];
      case 3:
        return [
          rnd(2)
            ? `${pick(['slli', 'srli', 'srai'])} ${rd()},${rs()},${rnd(64)}`
            : `${pick(['slliw', 'srliw', 'sraiw'])} ${rd()},${rs()},${rnd(32)}`,
        ];
      case 4:
        return [rnd(2) ? `${pick(pseudo)} ${rd()},${rs()}` : `li ${rd()},${value()}`];
      case 5:
        return [`${pick(['lui', 'auipc'])} ${rd()},${rnd(0x100000)}`];
      case 6: {
        const [op, size] = pick(loads);
        return [`${op} ${rd()},${offset(size)}(sp)`];
      }
      case 7: {
        const [op, size] = pick(stores);
        return [`${op} ${rs()},${offset(size)}(sp)`];
      }
      case 8: {
        const size = rnd(2) ? 4 : 8;
        return [
          `addi t6,sp,${offset(size)}`,
          `${pick(amos)}.${size === 4 ? 'w' : 'd'}${pick(['', '.aq', '.rl', '.aqrl'])} ${rd()},${rs()},(t6)`,
        ];
      }
      case 9: {
        const size = rnd(2) ? 'w' : 'd';
        return [
          `addi t6,sp,${offset(8)}`,
          `lr.${size} ${rd()},(t6)`,
          `sc.${size} ${rd()},${rs()},(t6)`,
        ];
      }
      case 10:
        return [pick(['fence', 'fence rw,rw', 'fence.i', 'fence.tso', 'nop'])];
      default:
        return [
          `${pick(['add', 'sub', 'xor', 'or', 'and', 'addw', 'subw'])} ${pick(['s0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5'])},${rs()},${rs()}`,
        ];
    }
  };
  let label = 0;
  const blocks = 4 + rnd(6);
  for (let b = 0; b < blocks; b++) {
    const kind = rnd(4);
    const body: string[] = [];
    for (let i = 0, n = 2 + rnd(8); i < n; i++) body.push(...simple());
    const name = `P${seed}_${label++}`;
    if (kind === 0) {
      const cond = rnd(2)
        ? `${pick(branches)} ${rs()},${rs()},${name}`
        : `${pick(['beqz', 'bnez', 'bltz', 'bgez', 'blez', 'bgtz'])} ${rs()},${name}`;
      lines.push(cond, ...body, `${name}:`);
    } else if (kind === 1) {
      lines.push(`li t5,${1 + rnd(4)}`, `${name}:`, ...body, 'addi t5,t5,-1', `bnez t5,${name}`);
    } else if (kind === 2) {
      lines.push(`jal ${rd()},${name}`, ...body, `${name}:`);
    } else lines.push(...body);
  }
  return lines.join('\n');
}

/**
 * A whole test: `count` programs, each followed by an epilogue that
 * stores x1..x31 after its window and writes window and registers to
 * stdout; then `exit(0)`. Windows are `.data` quads from the seed.
 */
export function generateProgramSuite(
  seed: number,
  count: number,
  dataAddress: number,
): { text: string; data: string } {
  const random = createPrng(seed);
  const text: string[] = ['.globl _start', '_start:'];
  const data: string[] = [];
  for (let i = 0; i < count; i++) {
    const window = dataAddress + i * (DUMP + 8);
    text.push(generateProgram(seed * 1000 + i, window));
    for (let r = 1; r < 32; r++) text.push(`sd ${regs[r]},${WINDOW / 2 + 8 * (r - 1)}(sp)`);
    text.push('li a7,64', 'li a0,1', `addi a1,sp,-${WINDOW / 2}`, `li a2,${DUMP}`, 'ecall');
    for (let q = 0; q < WINDOW / 8; q++)
      data.push(
        `.quad 0x${random.next().toString(16)}${random.next().toString(16).padStart(8, '0')}`,
      );
    data.push(`.zero ${DUMP - WINDOW + 8}`);
  }
  text.push('li a7,93', 'li a0,0', 'ecall');
  return { text: `${text.join('\n')}\n`, data: `${data.join('\n')}\n` };
}
