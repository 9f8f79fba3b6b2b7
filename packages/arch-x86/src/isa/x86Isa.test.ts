import {
  AccessKind,
  AtomicOp,
  ExceptionCause,
  ExecmemError,
  FlatMemory,
  runToException,
  word64,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { cpuidLeaf } from './cpuid';
import { X86Fence } from './executor';
import { x86IsaSamples } from './samples';
import { createX86State, type X86State } from './state';
import { x86Isa } from './x86Isa';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));

/** FlatMemory that records the atomic operations and barriers a program performs. */
class RecordingMemory extends FlatMemory {
  readonly atomics: [AtomicOp, AccessKind][] = [];
  readonly fenceKinds: number[] = [];

  override atomic(...args: Parameters<FlatMemory['atomic']>): boolean {
    this.atomics.push([args[0], args[7]]);
    return super.atomic(...args);
  }

  override fence(kind: number): void {
    this.fenceKinds.push(kind);
    super.fence(kind);
  }
}

const CODE = 0x1000;
const DATA = 0x8000;

/** Assembles `source` at CODE, maps a data page, sets registers, and runs to the first exception. */
function run(source: string, regs: Record<number, bigint> = {}, memory = new RecordingMemory()) {
  const a = x86Isa.assemble(source, { origin: BigInt(CODE) });
  memory.write(CODE, a.bytes);
  memory.map(DATA, 4096);
  const state: X86State = createX86State();
  for (const [r, v] of Object.entries(regs)) word64.fromBigint(state.regs, 2 * Number(r), v);
  state.pc = CODE;
  const stop = runToException(x86Isa, state, memory);
  const reg = (r: number): bigint => word64.toBigint(state.regs, 2 * r);
  return { stop, state, memory, reg, end: CODE + a.bytes.length };
}

function errorOf(f: () => unknown): ExecmemError {
  try {
    f();
  } catch (e) {
    if (e instanceof ExecmemError) return e;
    throw e;
  }
  throw new Error('expected an ExecmemError');
}

describe('x86Isa samples', () => {
  it('assembles, disassembles and decodes every sample', () => {
    expect(x86IsaSamples.length).toBeGreaterThan(80);
    for (const { source, hex: want } of x86IsaSamples) {
      expect(hex(x86Isa.assemble(source).bytes), source).toBe(want);
      const d = x86Isa.disassemble(fromHex(want));
      expect(
        d.map((i) => i.text),
        source,
      ).toEqual([source]);
      expect(x86Isa.decode(fromHex(want), 0, 15)?.length, source).toBe(want.length / 2);
    }
  });

  it('describes the register file', () => {
    expect(x86Isa.registerNames).toHaveLength(16);
    expect(x86Isa.registerNames[x86Isa.stackPointer]).toBe('rsp');
    expect(x86Isa.registerNames[15]).toBe('r15');
  });
});

describe('assembler', () => {
  it('relaxes branches to labels and resolves local numeric labels', () => {
    const a = x86Isa.assemble(
      '1: jmp 1b\njne 2f\n.fill:\n2: call 1b\nlea data(%rip),%rax\ndata: .quad data',
    );
    expect(hex(a.bytes)).toBe('ebfe7500e8f7ffffff488d05000000001000000000000000');
    expect(a.labels.get('data')).toBe(16);
  });

  it('honours the {disp8} and {disp32} pseudo-prefixes (the 5-byte ftrace NOP)', () => {
    const a = x86Isa.assemble(
      '{disp8} nopl 0x0(%rax,%rax,1)\n{disp32} mov 8(%rax),%ecx\n{disp8} mov (%rbp),%eax\n{disp32} jmp 1f\n1: {disp8} mov 0x100(%rax),%eax',
    );
    expect(hex(a.bytes)).toBe('0f1f4400008b88080000008b4500e9000000008b8000010000');
  });

  it('pads alignment with the NOPs GNU as uses and honours an explicit fill and a maximum', () => {
    expect(hex(x86Isa.assemble('int3\n.p2align 3').bytes)).toBe('cc0f1f8000000000');
    expect(hex(x86Isa.assemble('int3\n.balign 4,0xcc').bytes)).toBe('cccccccc');
    expect(hex(x86Isa.assemble('int3\n.p2align 4,,3\nint3').bytes)).toBe('cccc');
  });

  it('emits data directives in little-endian order (.word is 16 bits on x86)', () => {
    expect(
      hex(x86Isa.assemble('.byte 1,-1\n.word 0x1234\n.long -2\n.quad 0x0102030405060708').bytes),
    ).toBe('01ff3412feffffff0807060504030201');
  });

  it('rejects bad input naming line, column and the bad value', () => {
    const cases: [string, RegExp][] = [
      ['nop\n  frob %eax', /line 2, column 3: no such instruction: 'frob'/],
      ['mov %eax,%exx', /line 1, column 10: bad register name '%exx'/],
      ['movb $300,%al', /immediate 300 out of range for movb/],
      ['add $0x80000000,%rax', /immediate 2147483648 out of range for add/],
      ['add $1,(%rax)', /can't size 'add'/],
      ['mov %eax,%rbx', /register '%rbx' does not match/],
      ['mov %ah,%sil', /can't encode register '%ah'/],
      ['mov (%rax),(%rbx)', /too many memory references/],
      ['lock mov %eax,(%rbx)', /expecting lockable instruction/],
      ['jmp nowhere', /line 1, column 5: undefined symbol 'nowhere'/],
      ['x: nop\nx: nop', /line 2, column 1: symbol 'x' is already defined/],
      ['mov (%rax,%rsp,1),%eax', /'%rsp' cannot be an index register/],
      ['shl %dl,%eax', /shift count must be %cl/],
      ['.p2align 99', /alignment 99/],
      ['.byte 256', /value 256 out of range/],
      ['.frob 1', /unknown directive '.frob'/],
    ];
    for (const [source, message] of cases) {
      const e = errorOf(() => x86Isa.assemble(source));
      expect(e.code, source).toBe('EINVAL');
      expect(e.message, source).toMatch(message);
    }
  });
});

describe('disassembler and decoder', () => {
  it('prints the ftrace NOP, padding NOPs and branch targets as objdump does', () => {
    const text = x86Isa
      .disassemble(
        fromHex('0f1f440000 662e0f1f840000000000 66662e0f1f840000000000 666690 ebfe e800000000'),
        {
          origin: 0x1000n,
        },
      )
      .map((d) => d.text);
    expect(text).toEqual([
      'nopl 0x0(%rax,%rax,1)',
      'cs nopw 0x0(%rax,%rax,1)',
      'data16 cs nopw 0x0(%rax,%rax,1)',
      'data16 xchg %ax,%ax',
      'jmp 0x101d',
      'call 0x1024',
    ]);
  });

  it('prints undecodable bytes as (bad) and decodes them to null', () => {
    expect(x86Isa.disassemble(fromHex('06 0f0b')).map((d) => d.text)).toEqual(['(bad)', 'ud2']);
    expect(x86Isa.decode(fromHex('06'), 0, 1)).toBeNull();
    // LOCK on a register destination and LEA of a register raise #UD.
    expect(x86Isa.decode(fromHex('f001c0'), 0, 3)).toBeNull();
    expect(x86Isa.decode(fromHex('8dc0'), 0, 2)).toBeNull();
    // Truncated instruction.
    expect(x86Isa.decode(fromHex('48b80102'), 0, 4)).toBeNull();
  });
});

describe('executor: special and privileged instructions', () => {
  it('raises the trap instructions through the port', () => {
    expect(run('int3').stop).toMatchObject({
      reason: ExceptionCause.Breakpoint,
      detail: 3,
      pc: CODE,
    });
    expect(run('nop\nud2').stop).toMatchObject({ reason: ExceptionCause.Undefined, pc: CODE + 1 });
    expect(run('hlt').stop.reason).toBe(ExceptionCause.Halt);
  });

  it('CPUID returns the documented leaf and serializes', () => {
    const r = run('xor %eax,%eax\ncpuid\nint3', { 0: 0xffffffff00000000n });
    const [eax, ebx, ecx, edx] = cpuidLeaf(0, 0);
    expect([r.reg(0), r.reg(3), r.reg(1), r.reg(2)]).toEqual([eax, ebx, ecx, edx].map(BigInt));
    const vendor = Buffer.alloc(12);
    vendor.writeUInt32LE(ebx, 0);
    vendor.writeUInt32LE(edx, 4);
    vendor.writeUInt32LE(ecx, 8);
    expect(vendor.toString('latin1')).toBe('GenuineIntel');
    expect(r.memory.counts.contextSyncs).toBe(1);
    expect(BigInt(cpuidLeaf(7, 0)[3]) & (1n << 14n)).not.toBe(0n); // SERIALIZE enumerated
  });

  it('SERIALIZE synchronizes, MFENCE/LFENCE/SFENCE pass their barrier codes, IRETQ returns', () => {
    const r = run('serialize\nmfence\nlfence\nsfence\niretq\nint3');
    expect(r.memory.counts.contextSyncs).toBe(1);
    // SERIALIZE drains the store buffer like MFENCE, then the three fences.
    expect(r.memory.fenceKinds).toEqual([
      X86Fence.Mfence,
      X86Fence.Mfence,
      X86Fence.Lfence,
      X86Fence.Sfence,
    ]);
    expect(r.memory.exceptionReturns).toBe(1);
  });

  it('locked instructions and XCHG with memory are SeqCst atomics', () => {
    const r = run(
      'lock addq $5,(%rbx)\nlock xadd %rcx,(%rbx)\nxchg %rdx,(%rbx)\nlock cmpxchg %rsi,(%rbx)\nlock notq (%rbx)\nint3',
      { 0: 0n, 1: 10n, 2: 100n, 3: BigInt(DATA), 6: 7n },
    );
    expect(r.memory.atomics).toEqual([
      [AtomicOp.Add, AccessKind.SeqCst],
      [AtomicOp.Add, AccessKind.SeqCst],
      [AtomicOp.Swap, AccessKind.SeqCst],
      [AtomicOp.CompareSwap, AccessKind.SeqCst],
      [AtomicOp.Xor, AccessKind.SeqCst],
    ]);
    expect(r.reg(1)).toBe(5n); // XADD returned the old value
    expect(r.reg(2)).toBe(15n); // XCHG returned 5 + 10
    expect(r.reg(0)).toBe(100n); // CMPXCHG failed (100 != 0): RAX = memory
    expect(new DataView(r.memory.read(DATA, 8).buffer).getBigUint64(0, true)).toBe(
      ~100n & 0xffffffffffffffffn,
    );
  });

  it('DIV and IDIV raise #DE on a zero divisor or an overflowing quotient and change nothing', () => {
    const zero = run('div %rcx', { 0: 7n, 1: 0n });
    expect(zero.stop).toMatchObject({ reason: ExceptionCause.DivideError, detail: 0, pc: CODE });
    expect(zero.reg(0)).toBe(7n);
    expect(
      run('idiv %rcx', { 0: 1n << 63n, 2: 0xffffffffffffffffn, 1: 0xffffffffffffffffn }).stop
        .reason,
    ).toBe(ExceptionCause.DivideError);
    expect(run('div %ecx', { 0: 0n, 2: 5n, 1: 5n }).stop.reason).toBe(ExceptionCause.DivideError);
    const ok = run('div %rcx\nint3', { 0: 0n, 2: 1n, 1: 3n });
    expect([ok.reg(0), ok.reg(2)]).toEqual([(1n << 64n) / 3n, (1n << 64n) % 3n]);
  });

  it('raises #GP for a non-canonical address and stops at a fault', () => {
    expect(run('mov (%rax),%rbx', { 0: 1n << 50n }).stop.reason).toBe(ExceptionCause.Protection);
    expect(run('jmp *%rax', { 0: 1n << 50n }).stop.reason).toBe(ExceptionCause.Protection);
    expect(run('mov (%rax),%rbx', { 0: 0x50000n }).stop).toMatchObject({
      reason: 'fault',
      detail: 0x50000,
    });
  });

  it('leaves RSP unchanged when POP, RET or an indirect CALL fault (the instruction restarts)', () => {
    const sp = BigInt(DATA + 0x100);
    const popFault = run('popq (%rax)', { 0: 0x50000n, 4: sp });
    expect(popFault.stop.reason).toBe('fault');
    expect(popFault.reg(4)).toBe(sp);
    const retFault = run('push %rax\nret', { 0: 1n << 50n, 4: sp });
    expect(retFault.stop).toMatchObject({ reason: ExceptionCause.Protection, pc: CODE + 1 });
    expect(retFault.reg(4)).toBe(sp - 8n);
    const callFault = run('call *%rax', { 0: 1n << 50n, 4: sp });
    expect(callFault.stop.reason).toBe(ExceptionCause.Protection);
    expect(callFault.reg(4)).toBe(sp);
  });

  it('calls, returns and pushes through the stack', () => {
    const r = run('call f\nint3\nf: push $-2\npop %rax\nret', { 4: BigInt(DATA + 0x100) });
    expect(r.stop).toMatchObject({ reason: ExceptionCause.Breakpoint, pc: CODE + 5 });
    expect(r.reg(0)).toBe(0xfffffffffffffffen);
    expect(r.reg(4)).toBe(BigInt(DATA + 0x100));
  });
});
