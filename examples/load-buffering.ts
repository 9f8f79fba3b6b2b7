/**
 * Load buffering (LB) on each arch, under the exhaustive explorer: two CPUs
 * each load one location and then store 1 to the other. Can both loads
 * see the other CPU's store? Only if a store may become visible before the
 * load ahead of it has read: never on x86-64 (TSO), reachable on arm64 and
 * riscv64, and never there either once the stored value depends on the
 * loaded one (a data dependency).
 *
 * Run it with `npx tsx --conditions=source examples/load-buffering.ts`.
 *
 * @module
 */

import { pathToFileURL } from 'node:url';
import { arm64Arch } from '@execmem/arch-arm64';
import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import {
  type Arch,
  createMachine,
  exploreMachine,
  findRegion,
  type IsaState,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  word64,
} from '@execmem/core';

/** One arch's LB test: the thread's code, with the addresses of its two locations preset. */
export interface LoadBufferingTest {
  readonly name: string;
  readonly arch: Arch<unknown, IsaState>;
  /** Each thread: load the location in `from` into `result`, store 1 to the one in `to`, stop. */
  readonly source: string;
  readonly from: string;
  readonly to: string;
  readonly result: string;
}

const x86 = x86Arch() as Arch<unknown, IsaState>;
const arm64 = arm64Arch() as Arch<unknown, IsaState>;
const riscv = riscvArch() as Arch<unknown, IsaState>;

/** The tests: plain LB on each arch, and LB with a data dependency where plain LB is weak. */
export const loadBufferingTests: readonly LoadBufferingTest[] = [
  {
    name: 'LB',
    arch: x86,
    source: 'mov (%rdi), %rax\nmovq $1, (%rsi)\nint3',
    from: 'rdi',
    to: 'rsi',
    result: 'rax',
  },
  {
    name: 'LB',
    arch: arm64,
    source: 'ldr x0, [x1]\nmov x3, #1\nstr x3, [x2]\nbrk #0',
    from: 'x1',
    to: 'x2',
    result: 'x0',
  },
  {
    name: 'LB+datas',
    arch: arm64,
    source: 'ldr x0, [x1]\neor x3, x0, x0\nadd x3, x3, #1\nstr x3, [x2]\nbrk #0',
    from: 'x1',
    to: 'x2',
    result: 'x0',
  },
  {
    name: 'LB',
    arch: riscv,
    source: 'ld a0, 0(a1)\nli t0, 1\nsd t0, 0(a2)\nebreak',
    from: 'a1',
    to: 'a2',
    result: 'a0',
  },
  {
    name: 'LB+datas',
    arch: riscv,
    source: 'ld a0, 0(a1)\nxor t0, a0, a0\naddi t0, t0, 1\nsd t0, 0(a2)\nebreak',
    from: 'a1',
    to: 'a2',
    result: 'a0',
  },
];

/** What {@link exploreLoadBuffering} found. */
export interface LoadBufferingResult {
  readonly arch: string;
  readonly name: string;
  /** Every final (CPU 0 result, CPU 1 result), sorted. */
  readonly outcomes: readonly string[];
  /** True when both loads can read the other CPU's store. */
  readonly bothSeeStores: boolean;
  /** States the explorer visited. */
  readonly states: number;
}

/** Explores every execution of `test` on a two-CPU machine of its arch. */
export function exploreLoadBuffering(test: LoadBufferingTest): LoadBufferingResult {
  const { arch } = test;
  const code = findRegion(arch.layout, 'modules').start;
  const data = code + 0x10000n;
  const { bytes } = arch.isa.assemble(test.source, { origin: code });
  const reg = (name: string) => arch.isa.registerNames.indexOf(name);
  const r = exploreMachine(
    (chooser) => {
      const m = createMachine({ arch, cpus: 2, memory: 16 * 2 ** 20, chooser });
      m.mapNew(code, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
      m.mapNew(data, 4096, PROT_READ | PROT_WRITE | PROT_GLOBAL);
      m.load(code, bytes);
      for (const cpu of [0, 1]) {
        // CPU 0 loads x and stores y; CPU 1 loads y and stores x.
        word64.fromBigint(m.cpus[cpu].state.regs, 2 * reg(test.from), data + BigInt(8 * cpu));
        word64.fromBigint(m.cpus[cpu].state.regs, 2 * reg(test.to), data + BigInt(8 - 8 * cpu));
        m.start(cpu, code);
      }
      return m;
    },
    (m) => m.cpus.map((c) => word64.toBigint(c.state.regs, 2 * reg(test.result))).join(','),
  );
  if (!r.complete) throw new Error(`${arch.name} ${test.name}: ${r.message}`);
  const outcomes = [...r.outcomes.values()].map((o) => o.outcome).sort();
  return {
    arch: arch.name,
    name: test.name,
    outcomes,
    bothSeeStores: outcomes.includes('1,1'),
    states: r.states,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const test of loadBufferingTests) {
    const r = exploreLoadBuffering(test);
    console.log(
      `${r.arch.padEnd(8)} ${r.name.padEnd(9)} both loads see the other's store: ${r.bothSeeStores ? 'reachable' : 'never'} (outcomes ${r.outcomes.join(' ')}; ${r.states} states)`,
    );
  }
}
