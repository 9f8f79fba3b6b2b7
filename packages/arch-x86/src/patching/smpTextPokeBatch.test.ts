import { ExceptionCause, ExecmemError, type TrapEvent, word64 } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { Rflags } from '../isa/rflags';
import { x86Isa } from '../isa/x86Isa';
import {
  reg,
  SITE_PAGE,
  STACK_TOP,
  setReg,
  TEXT,
  type X86Machine,
  x86Machine,
} from '../testing/x86Machine';
import { emulatedInsn, int3Emulate } from './int3Emulate';
import { smpTextPokeBatchFinish, smpTextPokeInt3Handler } from './smpTextPokeBatch';
import { pokingInit } from './textPoke';

const FTRACE_NOP = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ExecmemError) return e.message;
    throw e;
  }
  return 'no error';
}

/** The bytes of `source` assembled at `origin`. */
function insn(source: string, origin: bigint): Uint8Array {
  return x86Isa.assemble(source, { origin }).bytes;
}

describe('int3 emulation (text-patching.h int3_emulate_*)', () => {
  const site = SITE_PAGE + 0x40n;
  function emulate(m: X86Machine, source: string): bigint {
    const to = int3Emulate(m.cpus[0], emulatedInsn(insn(source, site)), m.kernel.toEngine(site));
    return to < 0 ? -1n : m.kernel.fromEngine(to);
  }

  it('CALL pushes the return address and jumps; RET pops it', () => {
    const m = x86Machine({ cpus: 1 });
    expect(emulate(m, `call 0x${(TEXT + 0x100n).toString(16)}`)).toBe(TEXT + 0x100n);
    expect(reg(m, 0, 'rsp')).toBe(STACK_TOP - 8n);
    m.storage.flush(0);
    expect(
      word64.toBigint(Uint32Array.from(new Uint32Array(m.read(STACK_TOP - 8n, 8).buffer)), 0),
    ).toBe(site + 5n);
    expect(emulate(m, 'ret')).toBe(site + 5n);
    expect(reg(m, 0, 'rsp')).toBe(STACK_TOP);
  });

  it('JMP goes to its target, Jcc when its condition holds, NOP falls through', () => {
    const m = x86Machine({ cpus: 1 });
    const target = `0x${(SITE_PAGE + 0x200n).toString(16)}`;
    expect(emulate(m, `jmp ${target}`)).toBe(SITE_PAGE + 0x200n);
    m.cpus[0].state.rflags = 0x2 | Rflags.ZF;
    expect(emulate(m, `je ${target}`)).toBe(SITE_PAGE + 0x200n);
    expect(emulate(m, `jne ${target}`)).toBe(site + 6n);
    expect(emulate(m, 'nopl 0x0(%rax,%rax,1)')).toBe(site + 4n);
    expect(emulate(m, 'int3')).toBe(-1n);
  });

  it('faults on a bad stack instead of emulating', () => {
    const m = x86Machine({ cpus: 1 });
    setReg(m, 0, 'rsp', 0x1000n);
    expect(emulate(m, 'ret')).toBe(-1n);
    expect(emulate(m, `call 0x${TEXT.toString(16)}`)).toBe(-1n);
    expect(reg(m, 0, 'rsp')).toBe(0x1000n);
  });

  it('refuses what the handler cannot emulate, naming the bytes', () => {
    expect(() => emulatedInsn(Uint8Array.of(0x89, 0xc3))).toThrow(
      /patch 89c3 is not one CALL, JMP/,
    );
    expect(() => emulatedInsn(Uint8Array.of(0x0f, 0x1f, 0x80, 0, 0, 0, 0))).toThrow(
      /7 bytes, not 1..6/,
    );
    expect(() => emulatedInsn(Uint8Array.of(0xe8, 0, 0))).toThrow(/patch e80000/);
    expect(() => emulatedInsn(Uint8Array.of(0xc2, 8, 0))).toThrow(/patch c20800/);
    expect(() => emulatedInsn(new Uint8Array(0))).toThrow(ExecmemError);
  });
});

describe('smp_text_poke_batch_finish', () => {
  it('patches on one CPU at once: INT3, tail, first byte, each a text_poke', () => {
    const m = x86Machine({ cpus: 1, site: FTRACE_NOP });
    const tp = pokingInit(m);
    const call = insn(`call 0x${TEXT.toString(16)}`, SITE_PAGE);
    const progress = smpTextPokeBatchFinish(tp, 0, [{ addr: SITE_PAGE, opcode: call }]);
    expect(progress).toMatchObject({ done: true, stage: 3 });
    expect(m.read(SITE_PAGE, 5)).toEqual(call);
    expect(m.counters.get('textPokes')).toBe(3);
    expect(tp.textPokeArray).toEqual([]);
  });

  it('emulates the new CALL for a CPU that reaches the site mid-patch, on every seed', () => {
    const program = x86Isa.assemble(
      [
        'mov $0x3,%ecx',
        '1: call site',
        'dec %ecx',
        'jne 1b',
        'ud2',
        'func: inc %r9',
        'ret',
        'site: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00',
        'inc %r8',
        'ret',
      ].join('\n'),
    );
    const site = SITE_PAGE + BigInt(program.labels.get('site') ?? 0);
    const call = insn(
      `call 0x${(SITE_PAGE + BigInt(program.labels.get('func') ?? 0)).toString(16)}`,
      site,
    );
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const m: X86Machine = x86Machine({
        cpus: 3,
        seed,
        site: program.bytes,
        onTrap: (e: TrapEvent) => smpTextPokeInt3Handler(tp, e),
      });
      const tp = pokingInit(m);
      m.start(1, SITE_PAGE);
      let progress: ReturnType<typeof smpTextPokeBatchFinish> | undefined;
      m.ipis.send(0, () => {
        progress = smpTextPokeBatchFinish(tp, 0, [{ addr: site, opcode: call }]);
      });
      m.run();
      expect(progress?.done).toBe(true);
      expect(m.cpus[1].stopEvent?.cause).toBe(ExceptionCause.Undefined);
      // The new CALL runs func, which returns past the site like the old NOP.
      expect(reg(m, 1, 'r8')).toBe(3n);
      expect(reg(m, 1, 'rsp')).toBe(STACK_TOP);
      expect(m.counters.get('tornFetches')).toBe(0);
      seen.add(`${reg(m, 1, 'r9')}${m.counters.get('exceptions') > 1 ? ' via int3' : ''}`);
    }
    expect(seen.size).toBeGreaterThan(2);
  });

  it('rejects bad batches before writing anything', () => {
    const m = x86Machine({ cpus: 2, site: FTRACE_NOP });
    const tp = pokingInit(m);
    const jmp = insn(`jmp 0x${TEXT.toString(16)}`, SITE_PAGE);
    expect(errorOf(() => smpTextPokeBatchFinish(tp, 0, []))).toBe('EINVAL: empty text-poke batch');
    expect(
      errorOf(() => smpTextPokeBatchFinish(tp, 3, [{ addr: SITE_PAGE, opcode: jmp }])),
    ).toMatch(/CPU 3/);
    expect(
      errorOf(() =>
        smpTextPokeBatchFinish(tp, 0, [
          { addr: SITE_PAGE, opcode: jmp },
          { addr: SITE_PAGE + 4n, opcode: Uint8Array.of(0x90) },
        ]),
      ),
    ).toBe('EINVAL: text-poke sites 0xffffffffa0001000 and 0xffffffffa0001004 overlap');
    expect(
      errorOf(() => smpTextPokeBatchFinish(tp, 0, [{ addr: 0xffffffffa0200000n, opcode: jmp }])),
    ).toMatch(/^EFAULT: text address 0xffffffffa0200000/);
    expect(
      errorOf(() =>
        smpTextPokeBatchFinish(tp, 0, [{ addr: SITE_PAGE, opcode: Uint8Array.of(0x0f, 0x0b) }]),
      ),
    ).toMatch(/patch 0f0b is not one CALL/);
    expect(m.read(SITE_PAGE, 5)).toEqual(FTRACE_NOP);
    expect(m.counters.get('textPokes')).toBe(0);
    // While a batch waits for its syncs, another is refused.
    smpTextPokeBatchFinish(tp, 0, [{ addr: SITE_PAGE, opcode: jmp }]);
    expect(errorOf(() => smpTextPokeBatchFinish(tp, 1, [{ addr: SITE_PAGE, opcode: jmp }]))).toBe(
      'EBUSY: a text-poke batch is already in progress',
    );
  });

  it('leaves other traps alone', () => {
    const m = x86Machine({ cpus: 1 });
    const tp = pokingInit(m);
    const event = (cause: TrapEvent['cause']): TrapEvent => ({
      cpu: 0,
      cause,
      detail: 3,
      pc: 16,
      returnPc: 17,
    });
    expect(smpTextPokeInt3Handler(tp, event(ExceptionCause.Breakpoint))).toBe('stop');
    expect(smpTextPokeInt3Handler(tp, event(ExceptionCause.Undefined))).toBe('stop');
  });
});
