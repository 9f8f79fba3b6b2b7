import {
  type Chooser,
  Counter,
  CpuStatus,
  exploreMachine,
  isExecmemError,
  PROT_EXEC,
  PROT_READ,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { riscvArch } from '../riscvArch';
import { CODE, instr, type RiscvMachine, reg, riscvMachine } from '../testing/riscvMachine';
import { FixTextPoke, fixToVirt } from './fixmap';
import { flushIcacheAll } from './flushIcacheAll';
import { patchInsnWrite } from './patchInsnWrite';
import { riscvPatchingRules } from './patchingRules';
import {
  bpfArchTextInvalidate,
  patchText,
  patchTextNosync,
  patchTextSetNosync,
  type StopMachinePatch,
} from './patchText';

const NEW = instr('li s0, 2');
const newBytes = () => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, Number(NEW), true);
  return b;
};

/** Hart 1 has run `li s0, 1` at `mod` (so it fetched it) and waits in WFI; hart 0 is the patcher. */
function ranOnce(chooser?: Chooser): { m: RiscvMachine; mod: bigint } {
  const m = riscvMachine({ threads: ['', 'mod:\nli s0, 1'] }, chooser);
  m.run();
  return { m, mod: CODE + 0x100n };
}

/** Runs hart 1 from `mod` again after `patch`, and returns what it ran. */
function rerun(patch: (m: RiscvMachine, mod: bigint) => void) {
  return exploreMachine(
    (c) => {
      const { m, mod } = ranOnce(c);
      patch(m, mod);
      m.start(1, mod);
      return m;
    },
    (m) => reg(m, 1, 's0'),
  );
}

describe('riscv text patching', () => {
  it('places FIX_TEXT_POKE0/1 in the fixmap as the kernel enum does', () => {
    const sv39 = riscvArch().layout;
    expect(fixToVirt(sv39, FixTextPoke.Poke0)).toBe(0xffffffc4febfa000n);
    expect(fixToVirt(sv39, FixTextPoke.Poke1)).toBe(0xffffffc4febfb000n);
    const sv48 = riscvArch({ mode: 'sv48' }).layout;
    expect(fixToVirt(sv48, FixTextPoke.Poke0)).toBe(0xffff8d7fff000000n - 0x6000n);
  });

  it('writes read-only text through a temporary writable alias, across pages, and leaves no alias', () => {
    const m = riscvMachine({ threads: ['nop'] });
    const text = CODE + 0x200000n;
    m.mapNew(text, 8192, PROT_READ | PROT_EXEC);
    const bytes = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    patchInsnWrite(m, 0, text + 4092n, bytes);
    expect(m.read(text + 4092n, 8)).toEqual(bytes);
    for (const slot of [FixTextPoke.Poke0, FixTextPoke.Poke1]) {
      expect(m.kernel.translate(fixToVirt(m.arch.layout, slot))).toBeUndefined();
    }
    expect(m.kernel.translate(text)?.prot).toBe(PROT_READ | PROT_EXEC);
  });

  it('without the remote fence.i, a hart that ran the old instruction may run it again', () => {
    const r = rerun((m, mod) => patchInsnWrite(m, 0, mod, newBytes()));
    console.log(`patch without flush: ${r.states} states, ${r.executions} executions`);
    expect([...r.outcomes.keys()].sort()).toEqual(['"1n"', '"2n"']);
  });

  it('patch_text_nosync: once the IPIs that run fence.i complete, every hart runs the new instruction', () => {
    const r = rerun((m, mod) => {
      const ipis = m.counters.values[Counter.ipis];
      const batch = patchTextNosync(m, 0, mod, newBytes());
      // One remote fence.i, and one shootdown of the alias (core's kernel unmap is always global).
      expect(batch.pending).toBe(1);
      expect(m.counters.values[Counter.ipis] - ipis).toBe(2);
      while (batch.pending > 0) m.step();
    });
    console.log(
      `patch_text_nosync + remote fence.i: ${r.states} states, ${r.executions} executions`,
    );
    expect([...r.outcomes.keys()]).toEqual(['"2n"']);
  });

  it('patch_text: stop_machine parks every hart, the last to arrive patches, all run fence.i', () => {
    const reader = 'jal mod\nmv s1, s0\njal mod\nmv s3, s0\nj end\nmod:\nli s0, 1\nret\nend:';
    const mod =
      CODE +
      0x100n +
      BigInt(riscvArch({ compressed: false }).isa.assemble(reader).labels.get('mod') ?? 0);
    let patch: StopMachinePatch | undefined;
    const r = exploreMachine(
      (c) =>
        // Hart 0's ECALL asks the kernel to patch; the handler resumes after it.
        riscvMachine(
          {
            threads: ['ecall', reader, 'spin:\nj spin'],
            onTrap: (m, e) => {
              patch = patchText(m, e.cpu, mod, newBytes());
              return { resumeAt: e.pc + 4 };
            },
          },
          c,
        ),
      (m) => {
        expect(patch?.done).toBe(true);
        expect(m.cpus[2].status).toBe(CpuStatus.Running);
        return `${reg(m, 1, 's1')}${reg(m, 1, 's3')}`;
      },
      { maxSteps: 300 },
    );
    console.log(`patch_text under stop_machine: ${r.states} states, ${r.executions} executions`);
    expect(r.complete).toBe(true);
    // New then old would need a stale fetch after the hart's release fence.i.
    expect([...r.outcomes.keys()].sort()).toEqual(['"11"', '"12"', '"22"']);
  });

  it('patch_text on one hart patches at once', () => {
    const m = riscvMachine({ threads: ['mod:\nli s0, 1'] });
    const p = patchText(m, 0, CODE, newBytes());
    expect(p.done).toBe(true);
    expect(p.patcher).toBe(0);
    m.run();
    expect(reg(m, 0, 's0')).toBe(2n);
    const ipis = m.counters.values[Counter.ipis];
    expect(flushIcacheAll(m, 0).pending).toBe(0);
    expect(m.counters.values[Counter.ipis]).toBe(ipis);
  });

  it('bpf_arch_text_invalidate zero-fills freed BPF text: every parcel is illegal', () => {
    const { m, mod } = ranOnce();
    const batch = bpfArchTextInvalidate(m, 0, mod, 8);
    while (batch.pending > 0) m.step();
    expect(m.read(mod, 8)).toEqual(new Uint8Array(8));
    expect(m.arch.isa.decode(m.read(mod, 4), 0, 4)).toBeNull();
    m.start(1, mod);
    m.run();
    expect(m.cpus[1].stopEvent?.pc).toBe(m.kernel.toEngine(mod));
    patchTextSetNosync(m, 0, mod, 0x13, 2);
    expect(m.read(mod, 2)).toEqual(Uint8Array.of(0x13, 0x13));
  });

  it('treats a whole aligned 32-bit instruction as concurrently modifiable (Ziccif), compressed ones not', () => {
    expect(riscvPatchingRules.liveProtocol).toBe('stopMachine');
    expect(riscvPatchingRules.atomicPatchBytes).toBe(4);
    expect(riscvPatchingRules.concurrentlyModifiable(newBytes())).toBe(true);
    expect(riscvPatchingRules.concurrentlyModifiable(Uint8Array.of(0x01, 0x00, 0x01, 0x00))).toBe(
      false,
    );
    expect(riscvPatchingRules.concurrentlyModifiable(new Uint8Array(4))).toBe(false);
  });

  it('rejects bad patches with the bad value named, writing nothing', () => {
    const { m, mod } = ranOnce();
    const before = m.read(mod, 4);
    const expectError = (f: () => unknown, code: string, text: RegExp) => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isExecmemError(e, code as 'EINVAL')).toBe(true);
        expect(String(e)).toMatch(text);
      }
    };
    expectError(
      () => patchTextNosync(m, 0, mod + 1n, newBytes()),
      'EINVAL',
      /0xffffffc600000101.*2-byte/,
    );
    expectError(
      () => patchTextNosync(m, 0, mod, Uint8Array.of(1, 2, 3)),
      'EINVAL',
      /patch of 3 bytes/,
    );
    expectError(() => patchTextNosync(m, 7, mod, newBytes()), 'EINVAL', /CPU 7 does not exist/);
    expectError(() => patchText(m, 0, mod, new Uint8Array(0)), 'EINVAL', /empty patch/);
    expectError(() => patchTextSetNosync(m, 0, mod, 256, 4), 'EINVAL', /fill byte 256/);
    expectError(() => patchTextSetNosync(m, 0, mod, 0, 0), 'EINVAL', /fill length 0/);
    // The second page is not mapped: nothing is written to the first.
    expectError(
      () => patchTextNosync(m, 0, CODE + 0xffcn, new Uint8Array(8)),
      'EFAULT',
      /0xffffffc600001000 is not mapped/,
    );
    expect(m.read(mod, 4)).toEqual(before);
    expect(m.read(CODE + 0xffcn, 4)).toEqual(new Uint8Array(4));
  });
});
