import { arm64Arch } from '@execmem/arch-arm64';
import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import {
  type Arch,
  Counter,
  createMachine,
  createWxAuditor,
  findRegion,
  type IsaState,
  isExecmemError,
  type Machine,
  PROT_EXEC,
  PROT_READ,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { patchText, textPokeTrap } from './patchText';
import { defineStaticKey, staticKeyDisable, staticKeyEnable } from './staticKey';

interface Case {
  readonly arch: Arch<unknown, IsaState>;
  readonly protocol: string;
  /** Register numbers of the value the loop sets and of the disabled path's counter. */
  readonly value: number;
  readonly disabledCount: number;
  /** The loop: the site is a NOP; the disabled path sets 1 and counts, the enabled path sets 2. */
  readonly loop: string;
}

const ARM64 = arm64Arch() as unknown as Arch<unknown, IsaState>;
const ARM64_LOOP =
  'loop:\nnop\nmov x19, #1\nadd x20, x20, #1\nb loop\nenabled:\nmov x19, #2\nb loop';

const CASES: Case[] = [
  {
    arch: riscvArch() as never,
    protocol: 'stopMachine',
    value: 8,
    disabledCount: 9,
    loop: 'loop:\nnop\nli s0, 1\naddi s1, s1, 1\nj loop\nenabled:\nli s0, 2\nj loop',
  },
  {
    arch: ARM64,
    protocol: 'stopMachine',
    value: 19,
    disabledCount: 20,
    loop: ARM64_LOOP,
  },
  {
    // Older kernels (FACTS §3): NOP and B are both on the CMODX list, so no stop_machine.
    arch: { ...ARM64, patching: { ...ARM64.patching, liveProtocol: 'concurrentModification' } },
    protocol: 'concurrentModification',
    value: 19,
    disabledCount: 20,
    loop: ARM64_LOOP,
  },
  {
    arch: x86Arch() as never,
    protocol: 'int3',
    value: 3,
    disabledCount: 6,
    loop: 'loop:\n.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\nmov $1, %ebx\nadd $1, %rsi\njmp loop\nenabled:\nmov $2, %ebx\njmp loop',
  },
];

function setup(c: Case) {
  const machine: Machine = createMachine({
    arch: c.arch,
    cpus: 3,
    seed: 7,
    memory: 1 << 22,
    onTrap: (e) => textPokeTrap(machine, e) ?? 'stop',
  });
  const code = findRegion(c.arch.layout, 'vmalloc').start;
  machine.mapNew(code, 4096, PROT_READ | PROT_EXEC);
  const image = c.arch.isa.assemble(c.loop, { origin: code, compressed: false });
  machine.load(code, image.bytes);
  // The instruction after the `enabled:` label (lines are 1-based).
  const label = c.loop.split('\n').indexOf('enabled:') + 1;
  const enabled = image.lines.find((l) => l.line === label + 1);
  machine.start(1, code);
  machine.start(2, code);
  return { machine, site: code, target: code + BigInt(enabled?.offset ?? -1) };
}

describe('static keys flipped under running CPUs', () => {
  for (const c of CASES) {
    it(`${c.arch.name} (${c.protocol}): after staticKeyEnable returns, every CPU takes the jump`, () => {
      const { machine, site, target } = setup(c);
      const reg = (cpu: number, r: number) => machine.cpus[cpu].state.regs[2 * r];
      machine.run({ maxSteps: 500 });
      expect(reg(1, c.value)).toBe(1);
      const key = defineStaticKey(machine, [{ addr: site, target }]);
      const ipis = machine.counters.values[Counter.ipis];
      const done = staticKeyEnable(key);
      expect(done?.protocol).toBe(c.protocol);
      // stop_machine or kick_all_cpus_sync: at least one IPI to each other CPU.
      expect(machine.counters.values[Counter.ipis] - ipis).toBeGreaterThanOrEqual(2);
      // A CPU past the site when the protocol finished may finish that one old iteration.
      machine.run({ maxSteps: 200 });
      const counts = [reg(1, c.disabledCount), reg(2, c.disabledCount)];
      machine.run({ maxSteps: 2000 });
      for (const cpu of [1, 2]) {
        expect(reg(cpu, c.value)).toBe(2);
        expect(reg(cpu, c.disabledCount)).toBe(counts[cpu - 1]);
      }
      expect(staticKeyEnable(key)).toBeUndefined();
      expect(createWxAuditor([machine.kernel]).audit().ok).toBe(true);
      expect(machine.counters.values[Counter.tornFetches]).toBe(0);

      staticKeyDisable(key);
      machine.run({ maxSteps: 2000 });
      for (const cpu of [1, 2]) {
        expect(reg(cpu, c.value)).toBe(1);
        expect(reg(cpu, c.disabledCount)).toBeGreaterThan(counts[cpu - 1]);
      }
    });
  }

  it('flips every slot of a key with several sites', () => {
    const c = CASES[0];
    const { machine, site, target } = setup(c);
    // The slot at `site` and a second NOP-holding slot written after the loop's end.
    const second = target + 16n;
    const nop = c.arch.isa.assemble('nop', { compressed: false }).bytes;
    machine.poke(0, second, nop);
    const key = defineStaticKey(machine, [
      { addr: site, target },
      { addr: second, target: site },
    ]);
    staticKeyEnable(key);
    expect(machine.read(site, 4)).toEqual(key.jumps[0]);
    expect(machine.read(second, 4)).toEqual(key.jumps[1]);
    expect(key.jumps[0]).not.toEqual(key.jumps[1]);
    staticKeyDisable(key);
    expect(machine.read(site, 4)).toEqual(nop);
    expect(machine.read(second, 4)).toEqual(nop);
  });

  it('rejects a slot that does not hold the NOP, naming it', () => {
    const c = CASES[0];
    const { machine, site, target } = setup(c);
    try {
      defineStaticKey(machine, [{ addr: site + 4n, target }]);
      expect.unreachable();
    } catch (e) {
      expect(isExecmemError(e, 'EINVAL')).toBe(true);
      expect(String(e)).toContain((site + 4n).toString(16));
    }
  });
});

describe('patchText batches its sites into one protocol run', () => {
  for (const c of CASES) {
    it(`${c.arch.name} (${c.protocol}): 8 sites take the synchronization rounds of 1`, () => {
      const nop = c.arch.isa.assemble(c.arch.patching.jumpLabel?.nop ?? '', {
        compressed: false,
      }).bytes;
      const rounds = [1, 8].map((n) => {
        const { machine, site, target } = setup(c);
        machine.run({ maxSteps: 200 });
        // The slot the CPUs run, and n - 1 more past the loop's end, in the same page.
        const sites = [{ addr: site, target }];
        for (let i = 1; i < n; i++) {
          const addr = site + 0x800n + BigInt(16 * i);
          machine.poke(0, addr, nop);
          sites.push({ addr, target: site });
        }
        const key = defineStaticKey(machine, sites);
        const ipis = machine.counters.values[Counter.ipis];
        const r = staticKeyEnable(key);
        if (r === undefined) return expect.unreachable();
        // A round is one IPI to each of the two other CPUs; the writer's self-scheduling sends none.
        expect(machine.counters.values[Counter.ipis] - ipis).toBe(2 * r.syncRounds);
        sites.forEach((s, i) => {
          expect(machine.read(s.addr, key.jumps[i].length)).toEqual(key.jumps[i]);
        });
        machine.run({ maxSteps: 2000 });
        expect(machine.cpus[1].state.regs[2 * c.value]).toBe(2);
        return r.syncRounds;
      });
      // x86: text_poke_sync after the INT3s, the tails and the first bytes; else one stop_machine or kick.
      expect(rounds).toEqual(c.protocol === 'int3' ? [3, 3] : [1, 1]);
    });
  }
});

describe('patchText input validation', () => {
  const c = CASES[0];
  const expectEinval = (f: () => unknown, text: string) => {
    try {
      f();
      expect.unreachable();
    } catch (e) {
      expect(isExecmemError(e, 'EINVAL')).toBe(true);
      expect(String(e)).toContain(text);
    }
  };

  it('rejects old bytes that are not in memory and overlapping sites, writing nothing', () => {
    const { machine, site } = setup(c);
    const before = machine.read(site, 16);
    const nop = c.arch.isa.assemble('nop', { compressed: false }).bytes;
    const li = c.arch.isa.assemble('li s0, 2', { compressed: false }).bytes;
    expectEinval(
      () =>
        patchText(machine, [
          { addr: site, old: nop, new: li },
          { addr: site + 4n, old: nop, new: li },
        ]),
      `${(site + 4n).toString(16)}: memory does not hold the old bytes`,
    );
    expectEinval(
      () =>
        patchText(machine, [
          { addr: site, old: nop, new: li },
          { addr: site + 2n, old: machine.read(site + 2n, 4), new: li },
        ]),
      'overlap',
    );
    expectEinval(() => patchText(machine, []), 'at least one site');
    expect(machine.read(site, 16)).toEqual(before);
  });

  it('gives up with EBUSY naming the site when the protocol does not finish in time', () => {
    const { machine, site, target } = setup(c);
    const key = defineStaticKey(machine, [{ addr: site, target }], { maxSteps: 1 });
    try {
      staticKeyEnable(key);
      expect.unreachable();
    } catch (e) {
      expect(isExecmemError(e, 'EBUSY')).toBe(true);
      expect(String(e)).toContain(site.toString(16));
    }
    expect(key.enabled).toBe(false);
  });
});
