import { isExecmemError } from '@execmem/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleBpf } from './bpfAssembler';
import { disassembleBpf } from './bpfDisassembler';
import { interpretBpf } from './bpfInterpreter';
import { readBpfRaw } from './bpfRawReader';

const run = (source: string, mem?: Uint8Array): bigint => interpretBpf(assembleBpf(source), mem);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const _s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** RFC 9669 §4.1 written out with bigints, independent of the interpreter's word64 code. */
function referenceAlu(op: string, wide: boolean, a: bigint, b: bigint): bigint {
  const w = wide ? 64 : 32;
  const u = (v: bigint): bigint => BigInt.asUintN(w, v);
  const s = (v: bigint): bigint => BigInt.asIntN(w, v);
  const x = u(a);
  const y = u(b);
  const trunc = (n: bigint, d: bigint): bigint => n / d; // bigint division truncates toward zero
  switch (op) {
    case 'add':
      return u(x + y);
    case 'sub':
      return u(x - y);
    case 'mul':
      return u(x * y);
    case 'div':
      return y === 0n ? 0n : x / y;
    case 'sdiv':
      return y === 0n ? 0n : u(trunc(s(x), s(y)));
    case 'mod':
      return y === 0n ? x : x % y;
    case 'smod':
      return y === 0n ? x : u(s(x) % s(y));
    case 'or':
      return x | y;
    case 'and':
      return x & y;
    case 'xor':
      return x ^ y;
    case 'lsh':
      return u(x << (y & BigInt(w - 1)));
    case 'rsh':
      return x >> (y & BigInt(w - 1));
    case 'arsh':
      return u(s(x) >> (y & BigInt(w - 1)));
    case 'mov':
      return y;
    default:
      throw new Error(op);
  }
}

const OPS = [
  'add',
  'sub',
  'mul',
  'div',
  'sdiv',
  'mod',
  'smod',
  'or',
  'and',
  'xor',
  'lsh',
  'rsh',
  'arsh',
  'mov',
];
const EDGES = [
  0n,
  1n,
  2n,
  3n,
  31n,
  32n,
  63n,
  64n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  1n << 63n,
  (1n << 63n) - 1n,
  u64(-1n),
  u64(-2n),
  u64(-3n),
  13n,
  u64(-13n),
];
const value = fc.oneof(
  fc.constantFrom(...EDGES),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: 0n, max: 0xffffn }),
);

describe('ALU against a bigint model of RFC 9669 §4.1', () => {
  it('register operands, 64 and 32 bit', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPS), fc.boolean(), value, value, (op, wide, a, b) => {
        const mnemonic = `${op}${wide ? '' : '32'}`;
        const got = run(`lddw %r1, ${a}\nlddw %r2, ${b}\n${mnemonic} %r1, %r2\nmov %r0, %r1\nexit`);
        // 32-bit forms read the low halves and zero the upper half of dst.
        expect(got).toBe(referenceAlu(op, wide, wide ? a : u32(a), wide ? b : u32(b)));
      }),
      { numRuns: 3000, seed: 9669 },
    );
  });

  it('immediate operands are sign-extended to 64 bits in ALU64', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OPS),
        fc.boolean(),
        value,
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        (op, wide, a, imm) => {
          const got = run(`lddw %r0, ${a}\n${op}${wide ? '' : '32'} %r0, ${imm}\nexit`);
          const b = wide ? u64(BigInt(imm)) : u32(BigInt(imm));
          expect(got).toBe(referenceAlu(op, wide, wide ? a : u32(a), b));
        },
      ),
      { numRuns: 2000, seed: 42 },
    );
  });

  it('neg, movsx and byte swaps', () => {
    fc.assert(
      fc.property(value, (a) => {
        const one = (insn: string): bigint => run(`lddw %r1, ${a}\n${insn}\nmov %r0, %r1\nexit`);
        expect(one('neg %r1')).toBe(u64(-a));
        expect(one('neg32 %r1')).toBe(u32(-a));
        expect(run(`lddw %r1, ${a}\nmovsx864 %r0, %r1\nexit`)).toBe(u64(BigInt.asIntN(8, a)));
        expect(run(`lddw %r1, ${a}\nmovsx1664 %r0, %r1\nexit`)).toBe(u64(BigInt.asIntN(16, a)));
        expect(run(`lddw %r1, ${a}\nmovsx3264 %r0, %r1\nexit`)).toBe(u64(BigInt.asIntN(32, a)));
        expect(run(`lddw %r1, ${a}\nmovsx832 %r0, %r1\nexit`)).toBe(u32(BigInt.asIntN(8, a)));
        expect(run(`lddw %r1, ${a}\nmovsx1632 %r0, %r1\nexit`)).toBe(u32(BigInt.asIntN(16, a)));
        const bytes = (n: number): bigint[] =>
          Array.from({ length: n }, (_, i) => (a >> BigInt(8 * i)) & 0xffn);
        const swapped = (n: number): bigint =>
          bytes(n).reduce((acc, byte) => (acc << 8n) | byte, 0n);
        for (const n of [2, 4, 8]) {
          expect(one(`be${n * 8} %r1`)).toBe(swapped(n));
          expect(one(`bswap${n * 8} %r1`)).toBe(swapped(n));
          expect(one(`le${n * 8} %r1`)).toBe(BigInt.asUintN(n * 8, a));
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('ALU edge cases', () => {
  it('INT64_MIN sdiv -1 is INT64_MIN and smod -1 is 0', () => {
    expect(run('lddw %r0, 0x8000000000000000\nsdiv %r0, -1\nexit')).toBe(1n << 63n);
    expect(run('lddw %r0, 0x8000000000000000\nsmod %r0, -1\nexit')).toBe(0n);
    expect(run('mov32 %r0, 0x80000000\nsdiv32 %r0, -1\nexit')).toBe(0x80000000n);
    expect(run('mov32 %r0, 0x80000000\nsmod32 %r0, -1\nexit')).toBe(0n);
  });

  it('division by zero gives 0; modulo by zero keeps the dividend, zero-extended in 32 bits', () => {
    expect(run('lddw %r0, 0x123456789\nmov %r1, 0\ndiv %r0, %r1\nexit')).toBe(0n);
    expect(run('lddw %r0, 0x123456789\nmov %r1, 0\nmod %r0, %r1\nexit')).toBe(0x123456789n);
    expect(run('lddw %r0, 0x123456789\nmov %r1, 0\nmod32 %r0, %r1\nexit')).toBe(0x23456789n);
    expect(run('lddw %r0, -7\nmov %r1, 0\nsmod %r0, %r1\nexit')).toBe(u64(-7n));
  });

  it('shift counts are masked to the operand width', () => {
    expect(run('mov %r0, 1\nmov %r1, 65\nlsh %r0, %r1\nexit')).toBe(2n);
    expect(run('mov %r0, 1\nmov %r1, 33\nlsh32 %r0, %r1\nexit')).toBe(2n);
    expect(run('lddw %r0, 0x8000000000000000\nmov %r1, 127\narsh %r0, %r1\nexit')).toBe(u64(-1n));
  });

  it('32-bit operations zero the upper half', () => {
    expect(run('lddw %r0, 0xffffffffffffffff\nadd32 %r0, 1\nexit')).toBe(0n);
    expect(run('lddw %r0, 0xffffffff00000005\nmov32 %r0, %r0\nexit')).toBe(5n);
    expect(run('lddw %r0, 0xffffffff00001234\nle16 %r0\nexit')).toBe(0x1234n);
  });
});

describe('jumps against a bigint model', () => {
  const conditions: Record<string, (a: bigint, b: bigint, w: number) => boolean> = {
    jeq: (a, b) => a === b,
    jne: (a, b) => a !== b,
    jgt: (a, b) => a > b,
    jge: (a, b) => a >= b,
    jlt: (a, b) => a < b,
    jle: (a, b) => a <= b,
    jset: (a, b) => (a & b) !== 0n,
    jsgt: (a, b, w) => BigInt.asIntN(w, a) > BigInt.asIntN(w, b),
    jsge: (a, b, w) => BigInt.asIntN(w, a) >= BigInt.asIntN(w, b),
    jslt: (a, b, w) => BigInt.asIntN(w, a) < BigInt.asIntN(w, b),
    jsle: (a, b, w) => BigInt.asIntN(w, a) <= BigInt.asIntN(w, b),
  };

  it('JMP and JMP32, register and immediate', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(conditions)),
        fc.boolean(),
        value,
        value,
        fc.boolean(),
        (op, wide, a, b, useImm) => {
          const w = wide ? 64 : 32;
          const imm = s32(b);
          const rhs = useImm ? (wide ? u64(imm) : u32(imm)) : BigInt.asUintN(w, b);
          const source = `lddw %r1, ${a}\nlddw %r2, ${b}\n${op}${wide ? '' : '32'} %r1, ${useImm ? imm : '%r2'}, +2\nmov %r0, 0\nexit\nmov %r0, 1\nexit`;
          expect(run(source)).toBe(conditions[op](BigInt.asUintN(w, a), rhs, w) ? 1n : 0n);
        },
      ),
      { numRuns: 3000, seed: 3 },
    );
  });

  it('ja and ja32 (32-bit offset in imm)', () => {
    expect(run('mov %r0, 1\nja +1\nmov %r0, 2\nexit')).toBe(1n);
    expect(run('mov %r0, 1\nja32 skip\nmov %r0, 2\nskip:\nexit')).toBe(1n);
  });
});

describe('loads, stores and atomics', () => {
  const mem = Uint8Array.from([0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88]);

  it('loads zero- or sign-extend; r1/r2 are the block and its length', () => {
    expect(run('ldxb %r0, [%r1]\nexit', mem)).toBe(0x81n);
    expect(run('ldxsb %r0, [%r1]\nexit', mem)).toBe(u64(-127n));
    expect(run('ldxsh %r0, [%r1+2]\nexit', mem)).toBe(u64(BigInt.asIntN(16, 0x8483n)));
    expect(run('ldxsw %r0, [%r1+4]\nexit', mem)).toBe(u64(BigInt.asIntN(32, 0x88878685n)));
    expect(run('ldxdw %r0, [%r1]\nexit', mem)).toBe(0x8887868584838281n);
    expect(run('mov %r0, %r2\nexit', mem)).toBe(8n);
    expect(run('mov %r0, %r1\nexit')).toBe(0n);
  });

  it('stores truncate; stdw sign-extends its immediate; the caller’s block is untouched', () => {
    const copy = mem.slice();
    expect(run('stdw [%r10-8], -2\nldxdw %r0, [%r10-8]\nexit')).toBe(u64(-2n));
    expect(
      run('lddw %r3, 0x1122334455667788\nstxh [%r1+1], %r3\nldxdw %r0, [%r1]\nexit', copy),
    ).toBe(0x8887868584778881n);
    expect(copy).toEqual(mem);
  });

  it('atomics, 32 and 64 bit, with and without fetch', () => {
    const prologue = 'lddw %r6, 0x00000000ffffffff\nstxdw [%r10-8], %r6\nmov %r1, 1\n';
    expect(run(`${prologue}lock add [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit`)).toBe(0x100000000n);
    expect(run(`${prologue}lock add32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit`)).toBe(0n);
    expect(run(`${prologue}lock fetch add32 [%r10-8], %r1\nmov %r0, %r1\nexit`)).toBe(0xffffffffn);
    expect(run(`${prologue}lock fetch or [%r10-8], %r1\nmov %r0, %r1\nexit`)).toBe(0xffffffffn);
    expect(run(`${prologue}lock xor [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit`)).toBe(0xfffffffen);
    expect(run(`${prologue}lock fetch xor32 [%r10-8], %r1\nldxw %r0, [%r10-8]\nexit`)).toBe(
      0xfffffffen,
    );
    expect(run(`${prologue}lock xchg [%r10-8], %r1\nldxdw %r0, [%r10-8]\nadd %r0, %r1\nexit`)).toBe(
      0x100000000n,
    );
  });

  it('cmpxchg stores only on a match with r0 and returns the old value in r0', () => {
    const prologue = 'lddw %r6, 0x1111111122222222\nstxdw [%r10-8], %r6\nmov %r1, 7\n';
    // 64-bit, mismatch: memory unchanged, r0 = old.
    expect(run(`${prologue}mov %r0, 5\nlock cmpxchg [%r10-8], %r1\nexit`)).toBe(
      0x1111111122222222n,
    );
    // 64-bit, match: memory = r1.
    expect(
      run(`${prologue}mov %r0, %r6\nlock cmpxchg [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit`),
    ).toBe(7n);
    // 32-bit compares the low half only and zero-extends the old value into r0.
    expect(run(`${prologue}lddw %r0, 0xffffffff22222222\nlock cmpxchg32 [%r10-8], %r1\nexit`)).toBe(
      0x22222222n,
    );
    expect(
      run(
        `${prologue}lddw %r0, 0xffffffff22222222\nlock cmpxchg32 [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit`,
      ),
    ).toBe(0x1111111100000007n);
  });

  it('rejects accesses outside the stack and the block with EFAULT naming the instruction', () => {
    const fault = (source: string, m?: Uint8Array): unknown => {
      try {
        run(source, m);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    for (const [source, m] of [
      ['ldxw %r0, [%r1+6]\nexit', mem],
      ['ldxb %r0, [%r10]\nexit', undefined],
      ['stb [%r10-513], 1\nmov %r0, 0\nexit', undefined],
      ['mov %r1, 0\nldxb %r0, [%r1]\nexit', undefined],
      ['mov %r0, 0\nlock add [%r1-8], %r0\nexit', mem],
    ] as const) {
      const e = fault(source, m);
      expect(isExecmemError(e, 'EFAULT'), String(e)).toBe(true);
      expect(String((e as Error).message)).toMatch(/instruction \d+: out of bounds memory/);
    }
  });
});

describe('calls', () => {
  it('helper 5 returns r1, and unwinds with 0 when r1 is 0', () => {
    expect(run('mov %r1, 9\ncall 5\nexit')).toBe(9n);
    expect(run('mov %r1, 0\ncall 5\nmov %r0, 3\nexit')).toBe(0n);
  });

  it('callx calls the helper numbered in a register', () => {
    expect(run('mov %r1, 4\nmov %r2, 5\ncall %r2\nexit')).toBe(4n);
    expect(() => run('mov %r3, 6\ncall %r3\nexit')).toThrow(
      /ENOSYS: instruction 1: call to unknown helper or function 6/,
    );
  });

  it('callx also reads the register from imm, as LLVM encodes it', () => {
    const words = [
      '0x00000004000001b7',
      '0x00000005000002b7',
      '0x000000020000008d',
      '0x0000000000000095',
    ];
    const program = readBpfRaw(words.join('\n'));
    expect(interpretBpf(program)).toBe(4n);
    expect(disassembleBpf(program)).toContain('call %r2');
  });

  it('BPF-to-BPF calls get their own 512-byte frame and keep r6–r9', () => {
    const source = `
      mov %r6, 10
      stdw [%r10-8], 100
      mov %r1, 5
      call local double
      ldxdw %r2, [%r10-8]
      add %r0, %r2
      add %r0, %r6
      exit
    double:
      stdw [%r10-8], 1
      mov %r6, 1000
      mov %r0, %r1
      add %r0, %r1
      exit`;
    expect(run(source)).toBe(120n);
  });

  it('a callee may write its caller’s frame through a pointer', () => {
    const source = `
      mov %r1, %r10
      sub %r1, 8
      call local set
      ldxdw %r0, [%r10-8]
      exit
    set:
      stdw [%r1+0], 77
      exit`;
    expect(run(source)).toBe(77n);
  });

  it('limits recursion to 8 frames and steps to maxSteps', () => {
    expect(() => run('f:\ncall local f\nexit')).toThrow(
      /E2BIG: instruction 0: call depth exceeds 8 frames/,
    );
    expect(() =>
      interpretBpf(assembleBpf('mov %r0, 0\nloop:\nja loop2\nloop2:\nja loop\nexit'), undefined, {
        maxSteps: 100,
      }),
    ).toThrow(/E2BIG/);
  });
});

describe('long programs', () => {
  it('runs a 1,000,000-instruction loop', () => {
    expect(
      run('mov %r0, 0\nmov %r1, 250000\nloop:\nadd %r0, 3\nsub %r1, 1\njne %r1, 0, loop\nexit'),
    ).toBe(750000n);
  });
});
