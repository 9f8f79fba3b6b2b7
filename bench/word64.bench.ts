// 64-bit register arithmetic as an executor uses it (each result feeds the next):
// word64 (two 32-bit halves in a Uint32Array) against BigInt on a BigUint64Array.
import { word64 as w } from '@execmem/core';
import { machineLine, opsPerSecond, printTable } from './table.ts';

const regs = new Uint32Array(8);
const big = new BigUint64Array(4);
w.fromBigint(regs, 0, 0x123456789abcdef1n);
w.fromBigint(regs, 2, 0xfedcba9876543n);
w.fromBigint(regs, 4, 7n);
big[0] = 0x123456789abcdef1n;
big[1] = 0xfedcba9876543n;
big[2] = 7n;

const cases: [string, (n: number) => void, (n: number) => void][] = [
  [
    'add',
    (n) => {
      for (let i = 0; i < n; i++) w.add64(regs, 4, regs, 4, regs, 0);
    },
    (n) => {
      for (let i = 0; i < n; i++) big[2] = big[2] + big[0];
    },
  ],
  [
    'mul',
    (n) => {
      for (let i = 0; i < n; i++) w.mul64(regs, 4, regs, 4, regs, 0);
    },
    (n) => {
      for (let i = 0; i < n; i++) big[2] = big[2] * big[0];
    },
  ],
  [
    'divu',
    (n) => {
      for (let i = 0; i < n; i++) {
        w.divu64(regs, 4, regs, 0, regs, 2);
        regs[0] += regs[4];
      }
    },
    (n) => {
      for (let i = 0; i < n; i++) {
        big[2] = big[0] / big[1];
        big[0] += big[2];
      }
    },
  ],
  [
    'shl',
    (n) => {
      for (let i = 0; i < n; i++) w.shl64(regs, 4, regs, 4, i & 63);
    },
    (n) => {
      for (let i = 0; i < n; i++) big[2] = big[2] << BigInt(i & 63);
    },
  ],
];

console.log(machineLine());
printTable(
  ['operation', 'word64 Mops/s', 'BigInt Mops/s', 'ratio'],
  cases.map(([name, a, b]) => {
    const x = opsPerSecond(a) / 1e6;
    const y = opsPerSecond(b) / 1e6;
    return [name, x, y, `${(x / y).toFixed(1)}×`];
  }),
);
