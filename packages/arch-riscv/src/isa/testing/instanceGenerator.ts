import { createPrng } from '@execmem/core';
import { riscvRegisterNames as regs } from '../registers';
import { amos, iOps, loads, rOps, stores } from './mnemonics';

/**
 * A seeded generator of RV64GC-subset source lines covering every form
 * of the assembler with edge immediates and every register, for the
 * differential tests against GNU as and objdump.
 */

const r3 = ['s0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5'];
const edges12 = [
  -2048, -2047, -33, -32, -31, -17, -16, -1, 0, 1, 15, 16, 31, 32, 33, 64, 255, 256, 2046, 2047,
];
const orders = ['', '.aq', '.rl', '.aqrl'];
const csrs = [
  'cycle',
  'time',
  'instret',
  'sstatus',
  'satp',
  'mstatus',
  'fflags',
  'frm',
  'fcsr',
  '0x7c0',
  '0x5c0',
  '3072',
  'mhartid',
  'sscratch',
];
const fenceSets = ['r', 'w', 'rw', 'i', 'o', 'io', 'iorw', 'ow', 'ir', 'rw'];

/** Returns `count` source lines (no labels) from `seed`. */
export function generateInstances(seed: number, count: number): string[] {
  const random = createPrng(seed);
  const rnd = (n: number) => random.below(n);
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const reg = () => (rnd(3) === 0 ? pick(r3) : pick(regs));
  const imm12 = () => (rnd(2) ? pick(edges12) : rnd(4096) - 2048);
  const scaled = (size: number) => (rnd(2) ? size * rnd(64) : imm12());
  const big = (): string => {
    const kind = rnd(6);
    if (kind === 0) return String(imm12());
    if (kind === 1) return `0x${(rnd(2 ** 20) * 4096 + rnd(4096)).toString(16)}`;
    if (kind === 2) return String(-(rnd(2 ** 31) + 1));
    if (kind === 3)
      return `0x${BigInt(random.next()).toString(16)}${random
        .next()
        .toString(16)
        .padStart(8, '0')}`;
    if (kind === 4) return `0x${(1n << BigInt(rnd(64))).toString(16)}`;
    return `-0x${(BigInt(rnd(2 ** 20)) << BigInt(12 + rnd(31))).toString(16)}`;
  };
  const forms: (() => string)[] = [
    () => {
      const rd = reg();
      const same = rnd(2);
      return `${pick(rOps)} ${rd},${same ? rd : reg()},${rnd(3) === 0 ? rd : reg()}`;
    },
    () => {
      const rd = reg();
      return `${pick(iOps)} ${rd},${rnd(2) ? rd : rnd(4) ? reg() : 'zero'},${imm12()}`;
    },
    () => {
      const rd = reg();
      const w = rnd(2);
      return `${pick(w ? ['slliw', 'srliw', 'sraiw'] : ['slli', 'srli', 'srai'])} ${rd},${rnd(2) ? rd : reg()},${rnd(w ? 32 : 64)}`;
    },
    () => {
      const [op, size] = pick(loads);
      return `${op} ${reg()},${scaled(size)}(${rnd(3) ? reg() : 'sp'})`;
    },
    () => {
      const [op, size] = pick(stores);
      return `${op} ${reg()},${scaled(size)}(${rnd(3) ? reg() : 'sp'})`;
    },
    () =>
      `${pick(['lui', 'auipc'])} ${reg()},${pick([0, 1, 0x1f, 0x20, 0xfffe0, 0xfffdf, 0xfffff, rnd(0x100000)])}`,
    () => `li ${reg()},${big()}`,
    () =>
      `${pick(['mv', 'not', 'neg', 'negw', 'sext.w', 'seqz', 'snez', 'sltz', 'sgtz'])} ${reg()},${reg()}`,
    () =>
      pick([
        'nop',
        'ret',
        'ecall',
        'ebreak',
        'sret',
        'mret',
        'wfi',
        'fence',
        'fence.i',
        'fence.tso',
        'sfence.vma',
        'unimp',
      ]),
    () => `sfence.vma ${reg()}${rnd(2) ? `,${reg()}` : ''}`,
    () => `fence ${pick(fenceSets)},${pick(fenceSets)}`,
    () =>
      pick([
        `jr ${reg()}`,
        `jalr ${reg()}`,
        `jalr ${reg()},${reg()}`,
        `jalr ${reg()},${imm12()}(${reg()})`,
        `jr ${imm12()}(${reg()})`,
        `jalr ${imm12()}(${reg()})`,
      ]),
    () =>
      `${pick(['csrrw', 'csrrs', 'csrrc'])} ${rnd(3) ? reg() : 'zero'},${pick(csrs)},${rnd(3) ? reg() : 'zero'}`,
    () =>
      `${pick(['csrrwi', 'csrrsi', 'csrrci'])} ${rnd(3) ? reg() : 'zero'},${pick(csrs)},${rnd(32)}`,
    () =>
      pick([
        `csrr ${reg()},${pick(csrs)}`,
        `csrw ${pick(csrs)},${reg()}`,
        `csrs ${pick(csrs)},${reg()}`,
        `csrc ${pick(csrs)},${reg()}`,
        `csrwi ${pick(csrs)},${rnd(32)}`,
        `rdcycle ${reg()}`,
        `rdtime ${reg()}`,
        `rdinstret ${reg()}`,
      ]),
    () => `${pick(amos)}.${pick(['w', 'd'])}${pick(orders)} ${reg()},${reg()},(${reg()})`,
    () => `lr.${pick(['w', 'd'])}${pick(orders)} ${reg()},(${reg()})`,
    () => `sc.${pick(['w', 'd'])}${pick(orders)} ${reg()},${reg()},0(${reg()})`,
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(forms[i % forms.length]());
  return out;
}

/**
 * A program with labels whose branches and jumps GNU as must relax:
 * near and far targets (padding with `.skip`), backward and forward,
 * plus `la`, `call`, `tail`, `%hi`/`%lo`/`%pcrel_hi`/`%pcrel_lo` and
 * code alignment. Without RVC only
 * alignments of 8 and more are generated: GNU as 2.40 `-mno-relax
 * -march=rv64g` misplaces the padding of a 4-byte alignment at a 2-byte
 * boundary (it emits it at the end of the section).
 */
export function generateBranchProgram(seed: number, count: number, compressed: boolean): string {
  const random = createPrng(seed);
  const rnd = (n: number) => random.below(n);
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const lines: string[] = [];
  const target = () => `L${rnd(count)}`;
  for (let i = 0; i < count; i++) {
    lines.push(`L${i}:`);
    const rs = rnd(2) ? pick(r3) : pick(regs);
    switch (rnd(9)) {
      case 0:
        lines.push(`${pick(['beqz', 'bnez', 'bltz', 'bgez', 'blez', 'bgtz'])} ${rs},${target()}`);
        break;
      case 1:
        lines.push(
          `${pick(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu', 'bgt', 'ble', 'bgtu', 'bleu'])} ${rs},${pick(regs)},${target()}`,
        );
        break;
      case 2:
        lines.push(`${pick(['j', 'jal', `jal ${pick(regs)},`])} ${target()}`.replace(', ', ','));
        break;
      case 3:
        lines.push(
          `${pick(['la', 'lla'])} ${pick(regs)},${target()}`,
          `${pick(['call', 'tail'])} ${target()}`,
        );
        break;
      case 4:
        lines.push(`.skip ${pick([2, 100, 250, 1000, 2100])}`);
        break;
      case 5: {
        const p2 = compressed ? 1 + rnd(4) : 3 + rnd(2);
        const max = rnd(3) === 0 ? `,,${2 * rnd(8)}` : '';
        lines.push(
          `${pick(['.align', '.p2align'])} ${p2}${max}`,
          `.balign ${2 ** p2}`,
          `.2byte ${rnd(65536)}`,
        );
        break;
      }
      default:
        lines.push(`${pick(['beq', 'bne'])} ${pick(r3)},zero,${target()}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
