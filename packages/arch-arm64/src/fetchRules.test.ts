import { readFileSync } from 'node:fs';
import {
  type Chooser,
  createMachine,
  ExceptionCause,
  exploreMachine,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  word64,
} from '@execmem/core';
import { sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { type Arm64ArchOptions, arm64Arch } from './arm64Arch';
import type { CtrEl0 } from './fetchRules';
import { NOP } from './isa/system';

const TEXT = 0xffff800100000000n;
const SITE = 0xffff800100001000n;
const ALIAS = 0xffff800100020000n;
const FLAG = 0xffff800100010000n;

/** The publishing PE's maintenance, one instruction per step of FACTS §4's sequence (`#2` names the second DSB). */
const PUBLISH = ['dc cvau, x7', 'dsb ish', 'ic ivau, x7', 'dsb ish#2'] as const;

const CACHE_OPS = ['dc cvau, x7', 'ic ivau, x7'];

interface Scenario {
  readonly ctrEl0: Partial<CtrEl0>;
  /** Steps of the publish sequence left out. */
  readonly drop?: readonly string[];
  /** Leave out the executing PE's ISB. */
  readonly dropIsb?: boolean;
  /** Synchronize the executing PE with an SVC (exception entry and return) instead of ISB. */
  readonly svc?: boolean;
  /** The writer's instruction-cache invalidation instead of `ic ivau, x7`. */
  readonly ic?: string;
  /** Steps of the publish sequence replaced by other instructions. */
  readonly replace?: Readonly<Record<string, string>>;
  /** Put the patched code 32 bytes into SITE's line while the maintenance names SITE itself (X7). */
  readonly offset32?: boolean;
}

/**
 * Cross-modification, as the kernel publishes code to another CPU: PE0
 * stores NOP over `b l0` at SITE through a writable alias (X6), runs the
 * maintenance on SITE's line (X7) and sets FLAG (X4); PE1
 * waits for FLAG, executes ISB and branches to SITE. X9 = 1 means PE1 ran
 * the new instruction, X9 = 0 the stale one.
 */
function explorePublish(s: Scenario) {
  const options: Arm64ArchOptions = { ctrEl0: s.ctrEl0 };
  const arch = arm64Arch(options);
  const writer = [
    'str w0, [x6]',
    ...PUBLISH.filter((i) => !s.drop?.includes(i))
      .map((i) => (i.startsWith('ic') && s.ic ? s.ic : (s.replace?.[i] ?? i)))
      .map((i) => i.replace('#2', '')),
    'str w5, [x4]',
    'brk #0x0',
  ];
  const sync = s.dropIsb ? [] : [s.svc ? 'svc #0x0' : 'isb'];
  const reader = ['1: ldr w2, [x4]', 'cbz w2, 1b', ...sync, 'br x1'];
  const siteCode = ['b 1f', 'mov x9, #0x1', '1: brk #0x0'];
  const text = arch.isa.assemble(`${writer.join('\n')}\n.p2align 6\n${reader.join('\n')}\n`).bytes;
  const readerOffset = 64n;
  const at = s.offset32 ? 32n : 0n;
  const build = (chooser: Chooser) => {
    const m = createMachine({
      arch,
      cpus: 2,
      chooser,
      // The SVC handler returns at once: only its entry and return matter here.
      onTrap: (e) => (e.cause === ExceptionCause.SystemCall ? 'resume' : 'stop'),
    });
    m.mapNew(TEXT, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
    const site = m.mapNew(SITE, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
    m.kernel.map(ALIAS, BigInt(site), 4096n, PROT_READ | PROT_WRITE | PROT_GLOBAL);
    m.mapNew(FLAG, 4096, PROT_READ | PROT_WRITE | PROT_GLOBAL);
    m.load(TEXT, text);
    m.load(SITE + at, arch.isa.assemble(siteCode.join('\n')).bytes);
    for (const c of m.cpus) {
      word64.fromBigint(c.state.regs, 2, SITE + at);
      word64.fromBigint(c.state.regs, 14, SITE);
      word64.fromBigint(c.state.regs, 8, FLAG);
      word64.fromBigint(c.state.regs, 12, ALIAS + at);
    }
    word64.fromBigint(m.cpus[0].state.regs, 0, BigInt(NOP));
    word64.fromBigint(m.cpus[0].state.regs, 10, 1n);
    m.start(0, TEXT);
    m.start(1, TEXT + readerOffset);
    return m;
  };
  const result = exploreMachine(build, (m) => word64.toBigint(m.cpus[1].state.regs, 18), {
    maxSteps: 200,
  });
  expect(result.complete).toBe(true);
  const outcomes = [...result.outcomes.values()].map((o) => o.outcome).sort();
  return { outcomes, states: result.states, executions: result.executions };
}

const cases: [string, Scenario, bigint[]][] = [
  ['full sequence, IDC=0 DIC=0: stale execution impossible', { ctrEl0: {} }, [1n]],
  ['no DC CVAU with IDC=0: stale possible', { ctrEl0: {}, drop: ['dc cvau, x7'] }, [0n, 1n]],
  ['no IC IVAU with DIC=0: stale possible', { ctrEl0: {}, drop: ['ic ivau, x7'] }, [0n, 1n]],
  ['no ISB on the executing PE: stale possible', { ctrEl0: {}, dropIsb: true }, [0n, 1n]],
  ['no DC CVAU with IDC=1: impossible', { ctrEl0: { idc: true }, drop: ['dc cvau, x7'] }, [1n]],
  [
    'no IC IVAU with IDC=1 DIC=1: impossible',
    { ctrEl0: { idc: true, dic: true }, drop: ['ic ivau, x7'] },
    [1n],
  ],
  [
    'no DC CVAU and no IC IVAU with IDC=1 DIC=1: impossible',
    { ctrEl0: { idc: true, dic: true }, drop: CACHE_OPS },
    [1n],
  ],
  [
    'no barrier either with IDC=1 DIC=1: the flag may overtake the code store',
    { ctrEl0: { idc: true, dic: true }, drop: PUBLISH },
    [0n, 1n],
  ],
  [
    'no ISB with IDC=1 DIC=1: stale still possible',
    { ctrEl0: { idc: true, dic: true }, drop: CACHE_OPS, dropIsb: true },
    [0n, 1n],
  ],
  [
    'SVC instead of ISB (exception entry and return synchronize): impossible',
    { ctrEl0: {}, svc: true },
    [1n],
  ],
  [
    'no IC IVAU with IDC=0 DIC=1: impossible',
    { ctrEl0: { dic: true }, drop: ['ic ivau, x7'] },
    [1n],
  ],
  [
    'no DC CVAU with IDC=0 DIC=1: stale possible',
    { ctrEl0: { dic: true }, drop: ['dc cvau, x7'] },
    [0n, 1n],
  ],
  [
    'maintenance by a neighbour address in the same 64-byte line: impossible',
    { ctrEl0: {}, offset32: true },
    [1n],
  ],
  [
    'the same with 32-byte lines (CTR_EL0 IminLine = DminLine = 3): stale possible',
    { ctrEl0: { iminLine: 32, dminLine: 32 }, offset32: true },
    [0n, 1n],
  ],
  [
    '32-byte data lines, 64-byte instruction lines: the DC misses the write',
    { ctrEl0: { iminLine: 64, dminLine: 32 }, offset32: true },
    [0n, 1n],
  ],
  [
    'no DSB after IC IVAU (the invalidation never completes): stale possible',
    { ctrEl0: {}, drop: ['dsb ish#2'] },
    [0n, 1n],
  ],
  [
    'DSB ISHST after IC IVAU (completes no maintenance): stale possible',
    { ctrEl0: {}, replace: { 'dsb ish#2': 'dsb ishst' } },
    [0n, 1n],
  ],
  ['IC IALLUIS instead of IC IVAU: impossible', { ctrEl0: {}, ic: 'ic ialluis' }, [1n]],
  [
    'IC IALLU (local to the writer) instead of IC IVAU: stale possible',
    { ctrEl0: {}, ic: 'ic iallu' },
    [0n, 1n],
  ],
  [
    'no IC IVAU with IDC=1 DIC=0: stale possible',
    { ctrEl0: { idc: true }, drop: ['ic ivau, x7'] },
    [0n, 1n],
  ],
];

describe('arm64 fetch rules under the exhaustive explorer (issue 5, Must show)', () => {
  it.each(cases)('%s', (name, scenario, expected) => {
    const r = explorePublish(scenario);
    console.log(
      `${name}: X9 in {${r.outcomes.join(', ')}}; ${r.states} states, ${r.executions} executions`,
    );
    expect(r.outcomes).toEqual(expected);
  });
});

/** The catalogue's verdicts by test name (herdtools7 aarch64-ifetch `kinds.txt`). */
function catalogueVerdicts(): Map<string, string> {
  const text = readFileSync(sharedPath('litmus', 'aarch64', 'expected.tsv'), 'utf8');
  return new Map(
    text
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => l.split('\t') as [string, string]),
  );
}

/**
 * The catalogue's SM.B family, written out by hand: one PE stores NOP over
 * `L0: B L1` (through a writable alias of the code page), runs a sequence,
 * and executes L0; `exists 0:X9=0` asks whether it can run the old branch.
 */
const SM_B: Record<string, readonly string[]> = {
  'SM.B+isb': ['isb'],
  'SM.B+dsb.ish-ic.ivau-dsb.ish-isb': ['dsb ish', 'ic ivau, x7', 'dsb ish', 'isb'],
  'SM.B+cachesync-isb': ['dc cvau, x7', 'dsb ish', 'ic ivau, x7', 'dsb ish', 'isb'],
};
const CACHE_TYPES: Record<string, Partial<CtrEl0>> = {
  '': {},
  'IDC1.': { idc: true },
  'DIC1.': { idc: true, dic: true },
};

describe('self-modifying code agrees with the herdtools7 catalogue verdicts', () => {
  const verdicts = catalogueVerdicts();
  const rows = Object.entries(CACHE_TYPES).flatMap(([prefix, ctrEl0]) =>
    Object.entries(SM_B).map(([test, body]) => [`${prefix}${test}`, ctrEl0, body] as const),
  );
  it.each(rows)('%s', (name, ctrEl0, body) => {
    const arch = arm64Arch({ ctrEl0 });
    const code = ['str w0, [x6]', ...body, 'b 1f', 'mov x9, #0x1', '1: brk #0x0'].join('\n');
    const result = exploreMachine(
      (chooser) => {
        const m = createMachine({ arch, cpus: 1, chooser });
        const pa = m.mapNew(TEXT, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
        m.kernel.map(ALIAS, BigInt(pa), 4096n, PROT_READ | PROT_WRITE | PROT_GLOBAL);
        const assembled = arch.isa.assemble(code);
        m.load(TEXT, assembled.bytes);
        const l0 = BigInt(4 * (body.length + 1));
        word64.fromBigint(m.cpus[0].state.regs, 0, BigInt(NOP));
        word64.fromBigint(m.cpus[0].state.regs, 12, ALIAS + l0);
        word64.fromBigint(m.cpus[0].state.regs, 14, TEXT + l0);
        m.start(0, TEXT);
        return m;
      },
      (m) => word64.toBigint(m.cpus[0].state.regs, 18),
      { maxSteps: 100 },
    );
    expect(result.complete).toBe(true);
    const allowed = [...result.outcomes.values()].some((o) => o.outcome === 0n);
    console.log(`${name}: ${allowed ? 'Allowed' : 'Forbidden'}; ${result.states} states`);
    expect(allowed ? 'Allowed' : 'Forbidden').toBe(verdicts.get(name));
  });
});

/**
 * The catalogue's coFF families, written out by hand: PE0 stores NOP over
 * `l1: B j0` (through a writable alias), after `prefix`; PE1 calls l1
 * twice. `exists 1:X1=2 /\ 1:X2=0` asks whether its second fetch can return
 * an older version than its first one did (NOP runs `MOV W9,#2`, the
 * original branch `MOV W9,#0`, `B j1` from the prefix `MOV W9,#1`).
 */
const CO_FF: Record<string, readonly string[]> = {
  coFF: [],
  'coFF+cachesync': ['str w2, [x12]', 'dc cvau, x14', 'dsb ish', 'ic ivau, x14', 'dsb ish'],
};

describe("a PE's fetches agree with the herdtools7 catalogue verdicts on their order", () => {
  const verdicts = catalogueVerdicts();
  const rows = Object.entries(CACHE_TYPES).flatMap(([prefix, ctrEl0]) =>
    Object.entries(CO_FF).map(([test, body]) => [`${prefix}${test}`, ctrEl0, body] as const),
  );
  const B_J1 = 0x14000003n; // b .+12
  it.each(rows)('%s', (name, ctrEl0, body) => {
    const arch = arm64Arch({ ctrEl0 });
    const writer = arch.isa.assemble([...body, 'str w0, [x12]', 'brk #0x0'].join('\n')).bytes;
    const reader = ['blr x14', 'mov w1, w9', 'blr x14', 'mov w2, w9', 'brk #0x0'].join('\n');
    const l1 = ['b 1f', 'mov w9, #0x2', 'ret', 'mov w9, #0x1', 'ret', '1: mov w9, #0x0', 'ret'];
    const result = exploreMachine(
      (chooser) => {
        const m = createMachine({ arch, cpus: 2, chooser });
        m.mapNew(TEXT, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
        const site = m.mapNew(SITE, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
        m.kernel.map(ALIAS, BigInt(site), 4096n, PROT_READ | PROT_WRITE | PROT_GLOBAL);
        m.load(TEXT, writer);
        m.load(TEXT + 64n, arch.isa.assemble(reader).bytes);
        m.load(SITE, arch.isa.assemble(l1.join('\n')).bytes);
        for (const c of m.cpus) word64.fromBigint(c.state.regs, 28, SITE);
        const r = m.cpus[0].state.regs;
        word64.fromBigint(r, 0, BigInt(NOP));
        word64.fromBigint(r, 4, B_J1);
        word64.fromBigint(r, 24, ALIAS);
        m.start(0, TEXT);
        m.start(1, TEXT + 64n);
        return m;
      },
      (m) => {
        const r = m.cpus[1].state.regs;
        return (word64.toBigint(r, 2) << 4n) | word64.toBigint(r, 4);
      },
      { maxSteps: 200 },
    );
    expect(result.complete).toBe(true);
    const allowed = [...result.outcomes.values()].some((o) => o.outcome === 0x20n);
    console.log(`${name}: ${allowed ? 'Allowed' : 'Forbidden'}; ${result.states} states`);
    expect(allowed ? 'Allowed' : 'Forbidden').toBe(verdicts.get(name));
  });
});
