import {
  AccessKind,
  AtomicOp,
  CacheOp,
  ExceptionCause,
  FlatMemory,
  isExecmemError,
  type MemoryPort,
  runToException,
  word64,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { arm64Isa } from './arm64Isa';
import { dmbCode, dsbCode, FENCE_DSB } from './barriers';
import { decodeBitMasks, encodeBitmaskImmediate } from './bitmaskImmediate';
import { arm64IsaSamples } from './samples';
import { TlbiOp } from './system';
import { SystemRegister } from './systemRegisters';

const isa = arm64Isa();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (b) => Number.parseInt(b, 16));
}

/** A port that records every call and serves a small memory and two system registers. */
function recordingPort() {
  const calls: string[] = [];
  const memory = new Map<number, number>();
  const sysregs = new Map<number, bigint>([[SystemRegister.CTR_EL0, 0x8444c004n]]);
  const value = (src: Uint32Array, i: number) => word64.toBigint(src, i);
  const port: MemoryPort = {
    load(va, size, out, index, kind) {
      calls.push(`load ${va.toString(16)} ${size} ${kind}`);
      word64.fromBigint(out, index, BigInt(memory.get(va) ?? 0));
      return true;
    },
    store(va, size, src, index, kind) {
      calls.push(`store ${va.toString(16)} ${size} ${value(src, index).toString(16)} ${kind}`);
      return true;
    },
    storeConditional(va, size, src, index, kind) {
      calls.push(`stxr ${va.toString(16)} ${size} ${value(src, index).toString(16)} ${kind}`);
      return 0;
    },
    atomic(op, va, size, src, srcIndex, out, outIndex, kind, src2, src2Index) {
      const second = src2 ? ` ${value(src2, src2Index ?? 0).toString(16)}` : '';
      calls.push(
        `atomic ${op} ${va.toString(16)} ${size} ${value(src, srcIndex).toString(16)}${second} ${kind}`,
      );
      word64.fromBigint(out, outIndex, 0x77n);
      return true;
    },
    fence: (code) => void calls.push(`fence ${code}`),
    cacheOp(op, va) {
      calls.push(`cacheOp ${op} ${va.toString(16)}`);
      return true;
    },
    contextSync: () => void calls.push('contextSync'),
    tlbOp: (op, va) => void calls.push(`tlbOp ${op} ${va.toString(16)}`),
    exception: (cause, detail) => void calls.push(`exception ${cause} ${detail}`),
    exceptionReturn: () => void calls.push('exceptionReturn'),
    readSystemRegister(id, out, index) {
      calls.push(`mrs ${id}`);
      const v = sysregs.get(id);
      if (v === undefined) return false;
      word64.fromBigint(out, index, v);
      return true;
    },
    writeSystemRegister(id, src, index) {
      calls.push(`msr ${id} ${value(src, index).toString(16)}`);
      if (!sysregs.has(id) && id !== SystemRegister.VBAR_EL1) return false;
      sysregs.set(id, value(src, index));
      return true;
    },
  };
  return { port, calls };
}

/** Executes one instruction with the given registers; returns the state and the port's calls. */
function step(source: string, regs: Record<number, bigint> = {}) {
  const bytes = isa.assemble(source).bytes;
  const decoded = isa.decode(bytes, 0, 4)!;
  const state = isa.createState();
  state.pc = 0x1000;
  state.nextPc = 0x1004;
  for (const [r, v] of Object.entries(regs)) word64.fromBigint(state.regs, 2 * Number(r), v);
  const { port, calls } = recordingPort();
  isa.execute(decoded.insn, state, port);
  const reg = (r: number) => word64.toBigint(state.regs, 2 * r);
  return { state, calls, reg };
}

function expectError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(isExecmemError(e, 'EINVAL')).toBe(true);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected an EINVAL error');
}

describe('arm64IsaSamples', () => {
  it('assemble to the bytes GNU as emits and disassemble back to their source', () => {
    expect(arm64IsaSamples.length).toBeGreaterThan(100);
    for (const { source, hex: want } of arm64IsaSamples) {
      expect(hex(isa.assemble(source).bytes), source).toBe(want);
      expect(isa.disassemble(fromHex(want))[0].text).toBe(source);
    }
  });
});

describe('assembler directives and layout', () => {
  it('pads alignment in code as GNU as does: zero bytes to a word, then NOPs', () => {
    const a = isa.assemble('.byte 1\n.align 3\nnop\n.balign 16\n.p2align 2, 0xaa');
    expect(hex(a.bytes)).toBe(`01000000${'1f2003d5'.repeat(3)}`);
    const b = isa.assemble('.byte 1, 2\n.p2align 2, 0xaa\n');
    expect(hex(b.bytes)).toBe('0102aaaa');
    const c = isa.assemble('.byte 1\nnop');
    expect(hex(c.bytes)).toBe('010000001f2003d5');
    expect(c.lines[1].offset).toBe(4);
  });

  it('emits data directives little-endian and resolves labels, local labels and separators', () => {
    const a = isa.assemble(
      'start: .short 0x1234 ; .hword -1\n.word 0xdeadbeef // comment\n.quad start + 8\n1: b 1f /* c */ ; b 1b\n1: .4byte 7',
      { origin: 0x1000n },
    );
    expect(hex(a.bytes.slice(0, 16))).toBe('3412ffffefbeadde0810000000000000');
    expect(isa.disassemble(a.bytes.slice(16, 24), { origin: 0x1010n }).map((d) => d.text)).toEqual([
      'b 1018',
      'b 1010',
    ]);
    expect(a.labels.get('start')).toBe(0);
    expect(a.lines.map((l) => l.line)).toEqual([1, 1, 2, 3, 4, 4, 5]);
  });
});

describe('expressions', () => {
  it('evaluate with GNU as precedence (bytes checked against aarch64-linux-gnu-as 2.40)', () => {
    const a = isa.assemble(
      '.word 4 + 1 << 2\n.word 6 - 1 | 2\n.word ~0 & 0xff\n.word -(3 * 5) % 4\nmov x0, #(1 << 12) | 3',
    );
    expect(hex(a.bytes)).toBe('0800000003000000ff000000fdffffff600082d2');
  });

  it('report malformed expressions and division by zero at their column', () => {
    expectError(() => isa.assemble('mov x0, #(1 + 2'), /line 1, column 16: missing '\)'/);
    expectError(() => isa.assemble('.word 1 / 0'), /line 1, column 9: division by zero/);
    expectError(() => isa.assemble('.word 1 @ 2'), /line 1, column 9: bad expression '1 @ 2'/);
  });
});

describe('bad input', () => {
  it('names the line and column of an unknown mnemonic', () => {
    expectError(
      () => isa.assemble('nop\n  frob x0, x1'),
      /line 2, column 3: unknown mnemonic 'frob'/,
    );
  });

  it('names a bad operand', () => {
    expectError(() => isa.assemble('add x0, x1, q3'), /line 1, column 13: .*'q3'/);
    expectError(() => isa.assemble('ldrb x0, [x1]'), /line 1, column 6: register 'x0' not allowed/);
    expectError(
      () => isa.assemble('mov w0, x1'),
      /line 1, column 9: expected a 32-bit \(w\) register, got 'x1'/,
    );
    expectError(() => isa.assemble('dmb foo'), /column 5: unknown barrier option 'foo'/);
    expectError(() => isa.assemble('mrs x0, no_such_el1'), /unknown system register 'no_such_el1'/);
  });

  it('rejects immediates out of range, naming the value', () => {
    expectError(
      () => isa.assemble('add x0, x1, #4097'),
      /column 13: immediate 4097 out of range for add/,
    );
    expectError(
      () => isa.assemble('ldr x0, [x1, #-257]'),
      /immediate -257 out of range -256\.\.255 for ldr/,
    );
    expectError(
      () => isa.assemble('and x0, x1, #0'),
      /immediate 0 is not a valid bitmask immediate for and/,
    );
    expectError(() => isa.assemble('lsl w0, w1, #32'), /immediate 32 out of range 0\.\.31 for lsl/);
    expectError(() => isa.assemble('mov x0, #0x123456789'), /immediate 4886718345 cannot be moved/);
    expectError(
      () => isa.assemble('brk #0x10000'),
      /immediate 65536 out of range 0\.\.65535 for brk/,
    );
    expectError(() => isa.assemble('ldp x0, x1, [sp, #12]'), /immediate 12 out of range for ldp/);
  });

  it('rejects undefined labels and out-of-range branches', () => {
    expectError(() => isa.assemble('b nowhere'), /column 3: undefined symbol 'nowhere'/);
    expectError(
      () => isa.assemble('tbz x0, #1, far\n.space 40000\nfar: nop'),
      /target of tbz out of range/,
    );
    expectError(() => isa.assemble('.fill 3'), /unknown directive '.fill'/);
  });

  it('decodes undecodable words as null and prints them as objdump does', () => {
    const bytes = fromHex('ffffffff');
    expect(isa.decode(bytes, 0, 4)).toBeNull();
    expect(isa.decode(fromHex('1f20'), 0, 2)).toBeNull();
    expect(isa.disassemble(bytes)[0].text).toBe('.inst 0xffffffff');
  });
});

describe('privileged and special instructions', () => {
  it('BRK, UDF and SVC raise their exceptions with the immediate', () => {
    expect(step('brk #0x100').calls).toEqual([`exception ${ExceptionCause.Breakpoint} 256`]);
    expect(step('udf #7').calls).toEqual([`exception ${ExceptionCause.Undefined} 7`]);
    expect(step('svc #0x1').calls).toEqual([`exception ${ExceptionCause.SystemCall} 1`]);
    expect(step('eret').calls).toEqual(['exceptionReturn']);
    expect(step('wfi').calls).toEqual([`exception ${ExceptionCause.Halt} 0`]);
    expect(step('yield').calls).toEqual([]);
  });

  it('barriers pass the option field, with the DSB flag for DSB; ISB synchronizes context', () => {
    expect(step('dmb ish').calls).toEqual([`fence ${dmbCode(11)}`]);
    expect(step('dsb sy').calls).toEqual([`fence ${FENCE_DSB | 15}`]);
    expect(step('dsb ishst').calls).toEqual([`fence ${dsbCode(10)}`]);
    expect(step('isb').calls).toEqual(['contextSync']);
    expect(step('ssbb').calls).toEqual([]);
  });

  it('cache and TLB maintenance reach the port with their addresses', () => {
    expect(step('dc cvau, x3', { 3: 0x12345n }).calls).toEqual([`cacheOp ${CacheOp.DcCvau} 12345`]);
    expect(step('ic ivau, x3', { 3: 0xffff800000001000n }).calls).toEqual([
      `cacheOp ${CacheOp.IcIvau} 1800000001000`,
    ]);
    // The whole-cache forms carry the PC (0x1000 here), a line that is surely mapped.
    expect(step('ic iallu').calls).toEqual([`cacheOp ${CacheOp.IcIallu} 1000`]);
    expect(step('ic ialluis').calls).toEqual([`cacheOp ${CacheOp.IcIalluis} 1000`]);
    // TLBI operand: VA[55:12] in bits 43:0, ASID in 63:48.
    expect(step('tlbi vae1is, x0', { 0: (5n << 48n) | 0x800000123n }).calls).toEqual([
      `tlbOp ${TlbiOp.VAE1IS} 800000123000`,
    ]);
    expect(step('tlbi vaale1is, x0', { 0: 0x0fffffffffn }).calls).toEqual([
      `tlbOp ${TlbiOp.VAALE1IS} fffffffff000`,
    ]);
    // VA[55] (bit 43) set: a TTBR1 page, here the linear map's 0xffff000000001000.
    expect(
      step('tlbi vae1is, x0', { 0: (0xffff000000001000n >> 12n) & 0xfffffffffffn }).calls,
    ).toEqual([`tlbOp ${TlbiOp.VAE1IS} 1000000001000`]);
  });

  it('MRS/MSR go through the port, except NZCV which lives in the state', () => {
    const ctr = step('mrs x5, ctr_el0');
    expect(ctr.calls).toEqual([`mrs ${SystemRegister.CTR_EL0}`]);
    expect(ctr.reg(5)).toBe(0x8444c004n);
    expect(step('msr vbar_el1, x2', { 2: 0xabcn }).calls).toEqual([
      `msr ${SystemRegister.VBAR_EL1} abc`,
    ]);
    expect(step('mrs x0, far_el1').calls).toEqual([
      `mrs ${SystemRegister.FAR_EL1}`,
      `exception ${ExceptionCause.Undefined} ${0xd5386000}`,
    ]);
    const flags = step('msr nzcv, x1', { 1: 0xa0000000n });
    expect(flags.calls).toEqual([]);
    expect(flags.state.nzcv).toBe(0b1010);
    flags.state.nzcv = 0b0110;
    const { port } = recordingPort();
    const mrs = isa.decode(isa.assemble('mrs x2, nzcv').bytes, 0, 4)!;
    isa.execute(mrs.insn, flags.state, port);
    expect(word64.toBigint(flags.state.regs, 4)).toBe(0x60000000n);
  });

  it('MSR (immediate) read-modify-writes DAIF and writes the other PSTATE fields through the port', () => {
    expect(step('msr daifset, #0x3').calls).toEqual([
      `mrs ${SystemRegister.DAIF}`,
      `exception ${ExceptionCause.Undefined} ${0xd50343df}`,
    ]);
    const { port, calls } = recordingPort();
    const state = isa.createState();
    for (const line of [
      'msr vbar_el1, x0',
      'msr daifset, #0xf',
      'msr daifclr, #0x2',
      'msr pan, #1',
    ]) {
      isa.execute(isa.decode(isa.assemble(line).bytes, 0, 4)!.insn, state, port);
    }
    expect(calls).toEqual([
      `msr ${SystemRegister.VBAR_EL1} 0`,
      `mrs ${SystemRegister.DAIF}`,
      `exception ${ExceptionCause.Undefined} ${0xd5034fdf}`,
      `mrs ${SystemRegister.DAIF}`,
      `exception ${ExceptionCause.Undefined} ${0xd50342ff}`,
      `msr ${SystemRegister.PAN} 400000`,
      `exception ${ExceptionCause.Undefined} ${0xd500419f}`,
    ]);
  });

  it('exclusives and acquire/release accesses carry their access kinds', () => {
    expect(step('ldaxr w0, [x1]', { 1: 0x2000n }).calls).toEqual([
      `load 2000 4 ${AccessKind.AcquireExclusive}`,
    ]);
    const st = step('stlxr w3, x0, [x1]', { 0: 0x55n, 1: 0x2000n, 3: 9n });
    expect(st.calls).toEqual([`stxr 2000 8 55 ${AccessKind.ReleaseExclusive}`]);
    expect(st.reg(3)).toBe(0n);
    expect(step('ldar x0, [sp]').calls).toEqual([`load 0 8 ${AccessKind.Acquire}`]);
    expect(step('stlrh w0, [x1]', { 0: 0x1234n, 1: 8n }).calls).toEqual([
      `store 8 2 1234 ${AccessKind.Release}`,
    ]);
  });

  it('LSE atomics and CAS use port.atomic with the A/L/AL kinds', () => {
    const add = step('ldaddal x0, x1, [x2]', { 0: 5n, 2: 0x40n });
    expect(add.calls).toEqual([`atomic ${AtomicOp.Add} 40 8 5 ${AccessKind.SeqCst}`]);
    expect(add.reg(1)).toBe(0x77n);
    expect(step('stclrlb w0, [x2]', { 0: 1n, 2: 0x40n }).calls).toEqual([
      `atomic ${AtomicOp.Clear} 40 1 1 ${AccessKind.Release}`,
    ]);
    expect(step('swpa w0, w1, [x2]', { 0: 3n }).calls).toEqual([
      `atomic ${AtomicOp.Swap} 0 4 3 ${AccessKind.Acquire}`,
    ]);
    const cas = step('casal x0, x1, [x2]', { 0: 1n, 1: 2n, 2: 0x80n });
    expect(cas.calls).toEqual([`atomic ${AtomicOp.CompareSwap} 80 8 1 2 ${AccessKind.SeqCst}`]);
    expect(cas.reg(0)).toBe(0x77n);
  });

  it('a non-canonical address raises a protection fault instead of an access', () => {
    expect(step('ldr x0, [x1]', { 1: 0x0001000000000000n }).calls).toEqual([
      `exception ${ExceptionCause.Protection} 0`,
    ]);
  });
});

describe('execution on FlatMemory', () => {
  it('runs a counted loop with BL/RET and stops at BRK', () => {
    const source = [
      'mov x0, #0',
      'mov x1, #10',
      '1: add x0, x0, x1',
      'subs x1, x1, #1',
      'b.ne 1b',
      'bl f',
      'brk #0x100',
      'f: lsl x0, x0, #1',
      'ret',
    ].join('\n');
    const memory = new FlatMemory();
    memory.write(0x400000, isa.assemble(source, { origin: 0x400000n }).bytes);
    const state = isa.createState();
    state.pc = 0x400000;
    const stop = runToException(isa, state, memory);
    expect(stop).toMatchObject({ reason: ExceptionCause.Breakpoint, detail: 0x100, pc: 0x400018 });
    expect(word64.toBigint(state.regs, 0)).toBe(110n);
    expect(word64.toBigint(state.regs, 60)).toBe(0x400018n);
    expect(state.nzcv).toBe(0b0110);
  });
});

describe('bitmask immediates', () => {
  it('encode every valid 64- and 32-bit pattern back to its unique fields', () => {
    let count = 0;
    for (const width of [32, 64] as const) {
      for (let n = 0; n <= (width === 64 ? 1 : 0); n++) {
        for (let immr = 0; immr < width; immr++) {
          for (let imms = 0; imms < 64; imms++) {
            const masks = decodeBitMasks(n, imms, immr, true, width);
            if (!masks) continue;
            const fields = encodeBitmaskImmediate(masks.wmask, width);
            const element =
              fields && decodeBitMasks(fields.n, fields.imms, fields.immr, true, width);
            expect(element?.wmask).toBe(masks.wmask);
            if (immr < 1 << (31 - Math.clz32((n << 6) | (~imms & 0x3f)))) {
              expect(fields).toEqual({ n, immr, imms });
              count++;
            }
          }
        }
      }
    }
    // 5334 distinct 64-bit patterns and 1302 32-bit ones (Arm ARM C3.4.2).
    expect(count).toBe(5334 + 1302);
  });
});
