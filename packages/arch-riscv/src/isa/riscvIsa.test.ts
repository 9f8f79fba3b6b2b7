import { ExceptionCause, FlatMemory, isExecmemError, runToException, word64 } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { CSR_CYCLE } from './csr';
import { FENCE_R, FENCE_TSO, FENCE_W } from './fence';
import { riscvIsa } from './riscvIsa';
import { riscvIsaSamples } from './samples';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Runs `source` at 0x1000 with a stack at 0x8000 and returns the final state and stop. */
function run(source: string, setup?: (m: FlatMemory) => void) {
  const memory = new FlatMemory();
  const code = riscvIsa.assemble(`${source}\nebreak`, { origin: 0x1000n }).bytes;
  memory.write(0x1000, code);
  memory.map(0x7000, 0x2000);
  setup?.(memory);
  const state = riscvIsa.createState();
  state.pc = 0x1000;
  word64.setNumber(state.regs, 4, 0x8000);
  const stop = runToException(riscvIsa, state, memory);
  const reg = (r: number) => word64.toBigint(state.regs, 2 * r);
  return { memory, state, stop, reg };
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);

describe('riscvIsa', () => {
  it('assembles every sample to its expected bytes and disassembles them back to re-assemblable text', () => {
    for (const { source, hex: want } of riscvIsaSamples) {
      const bytes = riscvIsa.assemble(source).bytes;
      expect(hex(bytes), source).toBe(want);
      const text = riscvIsa
        .disassemble(bytes)
        .map((d) => d.text)
        .join('\n');
      expect(hex(riscvIsa.assemble(text).bytes), text).toBe(want);
    }
  });

  it('assembles local labels, .option push/norvc/pop, data directives, fill alignment and expressions like GNU as', () => {
    // Expected bytes from riscv64-linux-gnu-as 2.40 -march=rv64gc -mno-relax.
    const source = [
      '1: addi a0,a0,1',
      'bnez a0,1b',
      'beqz a1,1f',
      '.option push',
      '.option norvc',
      'addi a0,a0,1',
      '.option pop',
      '1: nop',
      '.byte 1, 0xff, -1',
      '.2byte 0x1234',
      '.4byte -2',
      '.8byte 0x123456789abcdef0',
      '.balign 4, 0xaa',
      'li a0, (1 << 12) + 3*4 - 0x10 | 1',
      "li a1, 'A'",
    ].join('\n');
    expect(hex(riscvIsa.assemble(source).bytes)).toBe(
      '05057dfd99c113051500010001ffff3412fefffffff0debc9a78563412aaaaaa05656d3593051004',
    );
  });

  it('resolves la, call and branch targets relative to the origin and prints absolute targets', () => {
    const origin = 0xffffffff80001000n;
    const asm = riscvIsa.assemble('la a0,data\ncall f\nj f\nf: ret\ndata: .8byte 7', { origin });
    expect(asm.labels.get('data')).toBe(20);
    const text = riscvIsa.disassemble(asm.bytes.subarray(0, 20), { origin }).map((d) => d.text);
    expect(text).toEqual([
      'auipc a0,0x0',
      'add a0,a0,20',
      'auipc ra,0x0',
      'jalr 10(ra)',
      'j 0xffffffff80001012',
      'ret',
    ]);
    expect(
      riscvIsa.disassemble(new Uint8Array([0x01, 0x00, 0x13]), { origin }).map((d) => d.text),
    ).toEqual(['nop', 'Address 0xffffffff80001002 is out of bounds.']);
  });

  it('rejects bad input naming the line, column and value', () => {
    const bad: [string, RegExp][] = [
      ['nop\n  frob a0,a1', /line 2, column 3: unknown instruction 'frob'/],
      ['addi a0,a1,3000', /line 1, column 12: immediate 3000 out of range for addi/],
      ['add a0,q1,a2', /line 1, column 8: bad register 'q1'/],
      ['j nowhere', /line 1, column 3: undefined label 'nowhere'/],
      ['slli a0,a0,64', /immediate 64 out of range for slli/],
      ['ld a0,8[sp]', /bad memory operand '8\[sp\]'/],
      ['csrr a0,nosuchcsr', /unknown CSR 'nosuchcsr'/],
      ['x: nop\nx: nop', /line 2, column 1: symbol 'x' is already defined/],
      ['li a0,0x10000000000000000', /immediate 18446744073709551616 out of range for li/],
      ['addi a0,a0,0x10000000000000001', /out of range for addi/],
      ['addi a0,a0,foo', /line 1, column 12: symbol 'foo' is not a constant/],
      ['lui a0,%lo(x)\nx:', /relocation %lo not allowed in lui/],
      ['addi a0,a0,%pcrel_lo(x)\nx: nop', /does not name an auipc with %pcrel_hi/],
      ['.option pop', /.option pop without a matching push/],
    ];
    for (const [source, message] of bad) {
      let error: unknown;
      try {
        riscvIsa.assemble(source);
      } catch (e) {
        error = e;
      }
      expect(isExecmemError(error, 'EINVAL'), source).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('decodes the all-zero parcel, reserved parcels and truncated input as null', () => {
    expect(riscvIsa.decode(new Uint8Array([0, 0]), 0, 2)).toBeNull();
    expect(riscvIsa.decode(new Uint8Array([0x01, 0x61]), 0, 2)).toBeNull();
    expect(riscvIsa.decode(new Uint8Array([0x13, 0, 0, 0]), 0, 3)).toBeNull();
    expect(riscvIsa.decode(new Uint8Array([0x0f, 0x84, 0x34, 0x27]), 0, 4)).toBeNull();
    expect(
      riscvIsa.disassemble(new Uint8Array([0, 0, 0x0f, 0x84, 0x34, 0x27])).map((d) => d.text),
    ).toEqual(['unimp', '.4byte 0x2734840f']);
  });

  it('divides as the M extension defines for zero divisors and overflow', () => {
    const { reg } = run(
      'li a0,7\nli a1,0\ndiv a2,a0,a1\nrem a3,a0,a1\ndivu a4,a0,a1\nli t0,-1\nslli t1,t0,63\ndiv a5,t1,t0\nrem a6,t1,t0\nli s2,0x80000000\ndivw s3,s2,t0\nremuw s4,a0,a1',
    );
    expect(reg(12)).toBe(u64(-1n));
    expect(reg(13)).toBe(7n);
    expect(reg(14)).toBe(u64(-1n));
    expect(reg(15)).toBe(1n << 63n);
    expect(reg(16)).toBe(0n);
    expect(reg(19)).toBe(u64(-(1n << 31n)));
    expect(reg(20)).toBe(7n);
  });

  it('sign-extends the W forms and wraps 64-bit arithmetic', () => {
    const { reg } = run(
      'li a0,0x7fffffff\naddiw a1,a0,1\nli a2,-1\nsrliw a3,a2,1\nmulhu a4,a2,a2\naddi a5,a2,1',
    );
    expect(reg(11)).toBe(u64(-(1n << 31n)));
    expect(reg(13)).toBe(0x7fffffffn);
    expect(reg(14)).toBe(u64(-2n));
    expect(reg(15)).toBe(0n);
  });

  it('runs LR/SC and AMOs through the port', () => {
    const { reg, memory } = run(
      'li a0,0x7800\nli a1,5\nsd a1,0(a0)\nlr.d a2,(a0)\naddi a2,a2,1\nsc.d a3,a2,(a0)\nsc.d a4,a2,(a0)\nli a5,-3\namoadd.w.aqrl a6,a5,(a0)\nlw a7,0(a0)',
    );
    expect(reg(13)).toBe(0n);
    expect(reg(14)).toBe(1n);
    expect(reg(16)).toBe(6n);
    expect(reg(17)).toBe(3n);
    expect(memory.counts.atomics).toBe(1);
  });

  it('passes fences, fence.i, sfence.vma, ecall and CSR reads to the port', () => {
    const fences: number[] = [];
    const { stop, reg, memory } = run(
      'fence r,w\nfence.tso\nfence.i\nsfence.vma\nrdcycle a0\necall',
      (m) => {
        m.setSystemRegister(CSR_CYCLE, 1234n);
        const fence = m.fence.bind(m);
        m.fence = (kind) => {
          fences.push(kind);
          fence(kind);
        };
      },
    );
    expect(fences).toEqual([(FENCE_R << 4) | FENCE_W, FENCE_TSO | 0x33]);
    expect(memory.counts.cacheOps).toBe(1);
    expect(memory.counts.tlbOps).toBe(1);
    expect(reg(10)).toBe(1234n);
    expect(stop.reason).toBe(ExceptionCause.SystemCall);
  });

  it('accesses CSRs as Zicsr specifies: CSRRW with rd=x0 does not read, CSRRS/CSRRC with x0 do not write', () => {
    const log: string[] = [];
    const { reg } = run(
      'li a1,0xf0\ncsrw sscratch,a1\ncsrrs a2,sscratch,zero\ncsrrsi a3,sscratch,3\ncsrrc a4,sscratch,a1\ncsrrw a5,sscratch,zero\ncsrr a6,sscratch',
      (m) => {
        m.setSystemRegister(0x140, 0n);
        const read = m.readSystemRegister.bind(m);
        const write = m.writeSystemRegister.bind(m);
        m.readSystemRegister = (id, out, index) => {
          log.push('r');
          return read(id, out, index);
        };
        m.writeSystemRegister = (id, src, index) => {
          log.push(`w${src[index].toString(16)}`);
          return write(id, src, index);
        };
      },
    );
    expect(log.join(' ')).toBe('wf0 r r wf3 r w3 r w0 r');
    expect([reg(12), reg(13), reg(14), reg(15), reg(16)]).toEqual([0xf0n, 0xf0n, 0xf3n, 3n, 0n]);
  });

  it('returns from traps through the port and halts on WFI', () => {
    const { memory, stop } = run('sret\nmret\nwfi');
    expect(memory.exceptionReturns).toBe(2);
    expect(stop.reason).toBe(ExceptionCause.Halt);
  });

  it('raises Breakpoint for c.ebreak and Undefined for a missing CSR', () => {
    expect(run('nop').stop.reason).toBe(ExceptionCause.Breakpoint);
    expect(run('csrr a0,mhartid').stop.reason).toBe(ExceptionCause.Undefined);
  });
});
