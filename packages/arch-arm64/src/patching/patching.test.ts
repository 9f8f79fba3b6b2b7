import {
  type Chooser,
  Counter,
  CpuStatus,
  createMachine,
  ExceptionCause,
  explore,
  exploreMachine,
  type Machine,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  word64,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { type Arm64ArchOptions, arm64Arch } from '../arm64Arch';
import { NOP } from '../isa/system';
import { kickAllCpusSync } from './cacheMaintenance';
import { cmodxClass, cmodxHazard, insnWord } from './cmodx';
import { aarch64InsnPatchText, type StopMachinePatch } from './insnPatchText';
import { arm64PatchingRules } from './patchingRules';
import {
  AARCH64_BREAK_FAULT,
  ARM64_FIX_TEXT_POKE0,
  aarch64InsnCopy,
  aarch64InsnPatchTextNosync,
  aarch64InsnSet,
  aarch64TextWrite,
} from './textPoke';

const TEXT = 0xffff800100000000n;
const SITE = 0xffff800100001000n;
const FLAG = 0xffff800100010000n;
const RX = PROT_READ | PROT_EXEC | PROT_GLOBAL;

const word = (source: string) => insnWord(arm64Arch().isa.assemble(source).bytes);
const le = (w: number) => Uint8Array.of(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24);

function machine(cpus: number, options: Arm64ArchOptions = {}, chooser?: Chooser): Machine {
  const arch = arm64Arch(options);
  const m = createMachine({ arch, cpus, ...(chooser ? { chooser } : {}) });
  m.mapNew(TEXT, 4096, RX);
  m.mapNew(SITE, 8192, RX);
  m.mapNew(FLAG, 4096, PROT_READ | PROT_WRITE | PROT_GLOBAL);
  return m;
}

/** Steps until every IPI of a batch was taken, as the kernel's waiting caller does. */
function waitFor(m: Machine, batch: { readonly pending: number }): void {
  while (batch.pending > 0) expect(m.step()).toBe(true);
}

describe('aarch64InsnPatchTextNosync', () => {
  it('writes through FIX_TEXT_POKE0 and cleans and invalidates to the PoU', () => {
    const m = machine(1);
    m.load(SITE, le(word('b 0x8')));
    const before = m.counters.snapshot();
    aarch64InsnPatchTextNosync(m, 0, SITE, NOP);
    expect(insnWord(m.read(SITE, 4))).toBe(NOP);
    expect(m.kernel.translate(ARM64_FIX_TEXT_POKE0)).toBeUndefined();
    const after = m.counters.snapshot();
    // One DC CVAU and one IC IVAU for one instruction, then the ISB.
    expect(after.cacheMaintenanceOps - before.cacheMaintenanceOps).toBe(2);
    expect(after.contextSyncs - before.contextSyncs).toBe(1);
  });

  it('skips the DC with CTR_EL0.IDC = 1 and the IC with DIC = 1', () => {
    const m = machine(1, { ctrEl0: { idc: true, dic: true } });
    aarch64InsnPatchTextNosync(m, 0, SITE, NOP);
    expect(m.counters.snapshot().cacheMaintenanceOps).toBe(0);
    expect(insnWord(m.read(SITE, 4))).toBe(NOP);
  });

  it('rejects bad input and changes nothing', () => {
    const m = machine(2);
    expect(() => aarch64InsnPatchTextNosync(m, 0, SITE + 2n, NOP)).toThrow(
      /0xffff800100001002 is not 4-byte aligned/,
    );
    expect(() => aarch64InsnPatchTextNosync(m, 0, 0xffff800200000000n, NOP)).toThrow(
      expect.objectContaining({ code: 'EFAULT' }),
    );
    expect(() => aarch64InsnPatchTextNosync(m, 0, SITE, 2 ** 32)).toThrow(/4294967296/);
    expect(() => aarch64InsnPatchTextNosync(m, 5, SITE, NOP)).toThrow(/CPU 5 does not exist/);
    expect(insnWord(m.read(SITE, 4))).toBe(0);
    expect(m.kernel.translate(ARM64_FIX_TEXT_POKE0)).toBeUndefined();
  });
});

describe('aarch64InsnCopy and aarch64InsnSet', () => {
  it('copy crosses a page, flushes, and kicks every other CPU', () => {
    const m = machine(3);
    const src = Uint8Array.from({ length: 24 }, (_, i) => i + 1);
    const dst = SITE + 4096n - 8n;
    const batch = aarch64InsnCopy(m, 1, dst, src);
    expect(m.read(dst, 24)).toEqual(src);
    expect(m.counters.values[Counter.ipis]).toBe(2);
    waitFor(m, batch);
    expect(batch.pending).toBe(0);
  });

  it('set fills with BRK #0x100 and a CPU entering the fill traps', () => {
    const m = machine(2);
    waitFor(m, aarch64InsnSet(m, 0, SITE, AARCH64_BREAK_FAULT, 64));
    for (let i = 0; i < 64; i += 4) expect(insnWord(m.read(SITE + BigInt(i), 4))).toBe(0xd4202000);
    m.start(1, SITE + 12n);
    m.run();
    expect(m.cpus[1].stopEvent).toMatchObject({ cause: ExceptionCause.Breakpoint, detail: 0x100 });
  });

  it('rejects a length that is not whole instructions', () => {
    const m = machine(1);
    expect(() => aarch64InsnSet(m, 0, SITE, AARCH64_BREAK_FAULT, 6)).toThrow(/length 6/);
    expect(() => aarch64InsnCopy(m, 0, SITE + 1n, new Uint8Array(4))).toThrow(/not 4-byte aligned/);
  });
});

/**
 * CPU0 patches SITE (`mov x9, #0x1` → `#0x2`) with
 * `aarch64_insn_patch_text_nosync()`, optionally kicks every CPU and waits
 * for the kick, then sets FLAG; CPU1, which never executes an ISB, waits
 * for FLAG and runs SITE. Returns the X9 values CPU1 can end with.
 */
function exploreKick(kick: boolean): { x9: bigint[]; states: number; executions: number } {
  const arch = arm64Arch();
  const reader = arch.isa.assemble('1: ldr w2, [x4]\ncbz w2, 1b\nbr x1\n').bytes;
  const r = explore({
    start(chooser: Chooser) {
      const m = machine(2, {}, chooser);
      m.load(TEXT, reader);
      m.load(SITE, arch.isa.assemble('mov x9, #0x1\nbrk #0x0\n').bytes);
      word64.fromBigint(m.cpus[1].state.regs, 2, SITE);
      word64.fromBigint(m.cpus[1].state.regs, 8, FLAG);
      m.start(1, TEXT);
      aarch64InsnPatchTextNosync(m, 0, SITE, word('mov x9, #0x2'));
      return { m, batch: kick ? kickAllCpusSync(m, 0) : { pending: 0 } };
    },
    finish({ m, batch }) {
      while (batch.pending > 0) m.step();
      m.poke(0, FLAG, le(1));
      m.run({ maxSteps: 200 });
      return word64.toBigint(m.cpus[1].state.regs, 18);
    },
    fingerprint: ({ m }) => m.fingerprint(),
  });
  expect(r.complete).toBe(true);
  return {
    x9: [...r.outcomes.values()].map((o) => o.outcome).sort(),
    states: r.states,
    executions: r.executions,
  };
}

describe('kickAllCpusSync', () => {
  it('makes a CPU that never executes ISB run the patched instruction', () => {
    const kicked = exploreKick(true);
    const unkicked = exploreKick(false);
    // Only CPU1 runs, so every decision is a fetch inside a step, where no state is fingerprinted.
    console.log(
      `nosync + kick: ${kicked.states} states, ${kicked.executions} executions; ` +
        `nosync alone: ${unkicked.states} states, ${unkicked.executions} executions`,
    );
    expect(kicked.x9).toEqual([2n]);
    expect(unkicked.x9).toEqual([1n, 2n]);
  });

  it('sends one IPI to every other CPU, each taken as a context synchronization', () => {
    const m = machine(4);
    const syncs = m.counters.values[Counter.ipis];
    const batch = kickAllCpusSync(m, 2);
    expect(m.counters.values[Counter.ipis] - syncs).toBe(3);
    expect(m.ipis.pending(2)).toBe(0);
    waitFor(m, batch);
  });
});

/**
 * PE0 calls `aarch64_insn_patch_text()` on SITE (`mov x9, #0x1` →
 * `mov x9, #0x2`) and, once it returns, sets FLAG; PE1 waits for FLAG and
 * executes SITE; PE2 is idle but still joins the stop. Returns X9 of PE1.
 */
function exploreStopMachine(patch: 'stopMachine' | 'rawWrite' | 'aliasWrite') {
  const arch = arm64Arch();
  const writer = arch.isa.assemble('str w5, [x4]\nbrk #0x0\n').bytes;
  const reader = arch.isa.assemble('1: ldr w2, [x4]\ncbz w2, 1b\nbr x1\n').bytes;
  // The run in progress: the explorer builds one machine per execution.
  let progress: StopMachinePatch | undefined;
  const build = (chooser: Chooser): Machine => {
    const m = machine(3, {}, chooser);
    m.load(TEXT, writer);
    m.load(TEXT + 64n, reader);
    m.load(SITE, arch.isa.assemble('mov x9, #0x1\nbrk #0x0\n').bytes);
    for (const c of m.cpus) {
      word64.fromBigint(c.state.regs, 2, SITE);
      word64.fromBigint(c.state.regs, 8, FLAG);
      word64.fromBigint(c.state.regs, 10, 1n);
    }
    m.start(0, TEXT);
    m.start(1, TEXT + 64n);
    if (patch === 'stopMachine') {
      progress = aarch64InsnPatchText(m, 0, [SITE], [word('mov x9, #0x2')]);
      expect(m.cpus[0].status).toBe(CpuStatus.Stopped);
      return m;
    }
    if (patch === 'aliasWrite') aarch64TextWrite(m, 0, SITE, le(word('mov x9, #0x2')));
    else m.poke(0, SITE, le(word('mov x9, #0x2')));
    return m;
  };
  const result = exploreMachine(
    build,
    (m) => ({
      x9: word64.toBigint(m.cpus[1].state.regs, 18),
      done: progress?.done ?? true,
      arrived: progress?.arrived ?? 3,
    }),
    { maxSteps: 200 },
  );
  expect(result.complete).toBe(true);
  return result;
}

describe('aarch64InsnPatchText (stop_machine)', () => {
  it('no CPU runs the old instruction once the patch returned', () => {
    const r = exploreStopMachine('stopMachine');
    const outcomes = [...r.outcomes.values()].map((o) => o.outcome);
    console.log(`stop_machine patch: ${r.states} states, ${r.executions} executions`);
    expect(outcomes).toEqual([{ x9: 2n, done: true, arrived: 3 }]);
  });

  it('without it, a CPU may run the old instruction after the write', () => {
    const r = exploreStopMachine('rawWrite');
    const x9 = [...r.outcomes.values()].map((o) => o.outcome.x9).sort();
    console.log(`unsynchronized write: ${r.states} states, ${r.executions} executions`);
    expect(x9).toEqual([1n, 2n]);
  });

  it('a write through the fixmap alias without maintenance leaves the old instruction fetchable', () => {
    const r = exploreStopMachine('aliasWrite');
    const x9 = [...r.outcomes.values()].map((o) => o.outcome.x9).sort();
    expect(x9).toEqual([1n, 2n]);
  });

  it('patches at once on a single CPU and rejects bad lists', () => {
    const m = machine(1);
    expect(aarch64InsnPatchText(m, 0, [SITE, SITE + 4n], [NOP, NOP])).toMatchObject({
      done: true,
      patcher: 0,
    });
    expect(() => aarch64InsnPatchText(m, 0, [SITE], [])).toThrow(/1 addresses for 0 instructions/);
    expect(() => aarch64InsnPatchText(m, 0, [SITE + 2n], [NOP])).toThrow(/not 4-byte aligned/);
    expect(() => aarch64InsnPatchText(m, 0, [SITE], [-1])).toThrow(/-1 is not a 32-bit/);
  });
});

describe('CMODX (Arm ARM B2.2.5)', () => {
  it('lists exactly B, B.cond, BL, BRK, CBZ/CBNZ, TBZ/TBNZ, HVC, ISB, NOP, SMC, SVC', () => {
    const safe = [
      'b 0x40',
      'bl 0x40',
      'b.ne 0x40',
      'cbz x1, 0x40',
      'cbnz w1, 0x40',
      'tbz x1, #3, 0x40',
      'tbnz w1, #3, 0x40',
      'nop',
      'isb',
      'brk #0x100',
      'svc #0x0',
    ];
    for (const s of safe) expect(cmodxClass(word(s)), s).toBeDefined();
    for (const w of [0xd4000002, 0xd4000003]) expect(cmodxClass(w)).toBeDefined();
    const unsafe = [
      'add x0, x0, #0x1',
      'ldr x0, [x1]',
      'br x1',
      'ret',
      'dsb ish',
      'udf #0x0',
      'mov x9, #0x1',
    ];
    for (const s of unsafe) expect(cmodxClass(word(s)), s).toBeUndefined();
    expect(cmodxHazard(NOP, word('b 0x40'))).toBe(false);
    expect(cmodxHazard(word('mov x9, #0x1'), word('mov x9, #0x2'))).toBe(true);
    expect(arm64PatchingRules.concurrentlyModifiable(le(NOP))).toBe(true);
    expect(arm64PatchingRules.concurrentlyModifiable(le(word('ret')))).toBe(false);
    expect(arm64PatchingRules.concurrentlyModifiable(new Uint8Array(2))).toBe(false);
  });
});
