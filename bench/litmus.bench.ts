// Time per litmus test over the development set (../shared/litmus) and our x86 tests:
// parse + every candidate execution under the arch's model, one core. herd7 takes about
// 12 ms per test over the AArch64 ifetch catalogue (FACTS §6); that is the goal.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath } from '@execmem/core/testing';
import { litmusFiles, runLitmusSource } from '@execmem/litmus';
import { machineLine, printTable } from './table.ts';

const ROUNDS = 5;
const sets: [string, string[], { riscvModel?: 'ziccif' | 'ziccid' }][] = [
  ['AArch64 ifetch (60)', [sharedPath('litmus', 'aarch64')], {}],
  ['RISC-V ifetch, Ziccif (12)', [sharedPath('litmus', 'riscv')], { riscvModel: 'ziccif' }],
  ['RISC-V ifetch, Ziccid (12)', [sharedPath('litmus', 'riscv')], { riscvModel: 'ziccid' }],
  [
    'x86-64 ifetch, ours',
    [join(new URL('.', import.meta.url).pathname, '..', 'packages', 'litmus', 'tests', 'x86')],
    {},
  ],
];

const rows: (string | number)[][] = [];
for (const [name, paths, options] of sets) {
  const files = litmusFiles(paths).map((f) => [f, readFileSync(f, 'utf8')] as const);
  for (const [f, src] of files) runLitmusSource(f, src, options); // warm up
  let worst = 0;
  const start = performance.now();
  for (let r = 0; r < ROUNDS; r++)
    for (const [f, src] of files) {
      const t = performance.now();
      const o = runLitmusSource(f, src, options);
      if ('error' in o) throw new Error(o.error.message);
      worst = Math.max(worst, performance.now() - t);
    }
  const perTest = (performance.now() - start) / (ROUNDS * files.length);
  rows.push([name, files.length, perTest, worst, perTest <= 12 ? 'yes' : 'no']);
}
console.log(machineLine());
printTable(['set', 'tests', 'ms per test (mean)', 'ms worst test', 'goal ≤ 12 ms'], rows);
