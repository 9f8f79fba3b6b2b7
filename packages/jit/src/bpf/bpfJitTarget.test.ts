import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arm64BpfJit, arm64BpfRuntime, arm64Isa } from '@execmem/arch-arm64';
import { riscvBpfJit, riscvBpfRuntime, riscvIsa } from '@execmem/arch-riscv';
import { x86BpfJit, x86BpfRuntime, x86Isa } from '@execmem/arch-x86';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_B,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_H,
  BPF_JA,
  BPF_JEQ,
  BPF_JMP,
  BPF_JMP32,
  BPF_JSLE,
  BPF_K,
  BPF_LDDW,
  BPF_LDX,
  BPF_LSH,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TO_BE,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  type BpfInsn,
  type BpfJitBackend,
  type BpfJitEnv,
  bpfSlotAtOffset,
  createPrng,
  type Isa,
  makeBpfInsn,
  type Prng,
} from '@execmem/core';
import { requireHostTools, sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { assembleBpf } from './bpfAssembler';
import { runConformance } from './bpfConformance';
import { bpfDataFileProgram, readBpfDataFile } from './bpfDataFile';
import { disassembleBpf } from './bpfDisassembler';
import { interpretBpf } from './bpfInterpreter';
import { type BpfNativeRuntime, jitTarget, runBpfJit } from './bpfJitTarget';
import type { BpfLoadEnv } from './bpfLoadEnv';
import { BPF_QEMU_HOSTS, runBpfJitUnderQemu } from './bpfQemuRun';
import { verifyBpf } from './bpfVerifier';

/**
 * Nested BPF-to-BPF calls, callx and helper 5 from the innermost frame:
 * returns 1023 for a non-zero `arg` (r6 survives both calls), 0 at once
 * for 0 (the unwind).
 */
const callProgram = (arg: number): string => `
      mov %r1, ${arg}
      mov %r6, 1000
      call local f
      add %r0, %r6
      exit
    f:
      mov %r6, %r1
      call local g
      add %r0, 10
      add %r0, %r6
      exit
    g:
      stdw [%r10-8], 7
      mov %r2, 5
      call %r2
      ldxdw %r3, [%r10-8]
      add %r0, %r3
      mov %r1, %r0
      call 5
      exit
`;

const fixtures = fileURLToPath(new URL('../../fixtures/bpf', import.meta.url));

/** Two maps and a variable, for {@link mapProgram}. */
const mapEnv: BpfLoadEnv = {
  maps: [
    { fd: 3, valueSize: 16, value: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0x0e) },
    { fd: 8, valueSize: 8 },
  ],
  variables: [Uint8Array.of(0, 0, 0, 0, 1)],
};

/**
 * Reads a map's initial value, writes another map's value and reads it
 * back through a second alias (by index, then by fd), reads a map object's
 * fd and a platform variable, and checks that the two names of a map
 * agree: 0x0e + 0x2a000e - 8 + 8 + (1 << 32) when they do.
 */
const mapProgram = `
  lddw %r6, map_val(map_by_fd(3)) + 8
  ldxb %r0, [%r6]
  lddw %r7, map_val(map_by_idx(1))
  stxdw [%r7], %r0
  mov %r1, 0x2a00
  stxh [%r7+1], %r1
  lddw %r8, map_val(map_by_fd(8))
  ldxdw %r2, [%r8]
  add %r0, %r2
  lddw %r3, map_by_fd(8)
  ldxw %r4, [%r3]
  sub %r0, %r4
  lddw %r5, map_by_idx(1)
  jne %r3, %r5, +1
  add %r0, 8
  lddw %r9, var_addr(0)
  ldxdw %r2, [%r9]
  add %r0, %r2
  exit
`;

interface ArchUnderTest {
  readonly name: string;
  readonly backend: BpfJitBackend;
  readonly isa: Isa;
  readonly runtime: BpfNativeRuntime;
}

const arches: ArchUnderTest[] = [
  { name: 'x86_64', backend: x86BpfJit, isa: x86Isa, runtime: x86BpfRuntime },
  { name: 'arm64', backend: arm64BpfJit, isa: arm64Isa(), runtime: arm64BpfRuntime },
  { name: 'riscv64', backend: riscvBpfJit, isa: riscvIsa, runtime: riscvBpfRuntime },
];

const INTERESTING = [0, 1, -1, 2, 7, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0x8000, -2];

/** A value that is often an edge case of RFC 9669 arithmetic. */
function immediate(rng: Prng): number {
  return rng.below(2) === 0 ? INTERESTING[rng.below(INTERESTING.length)] : rng.next() | 0;
}

/** Big enough that offsets pass every arch's short displacement (arm64 ±256, riscv ±2048). */
const MEM_SIZE = 4096;
const ALU_OPS = [
  BPF_ADD,
  BPF_SUB,
  BPF_MUL,
  BPF_DIV,
  BPF_OR,
  BPF_AND,
  BPF_LSH,
  BPF_RSH,
  BPF_NEG,
  BPF_MOD,
  BPF_XOR,
  BPF_MOV,
  BPF_ARSH,
  BPF_END,
];
const ATOMIC_OPS = [
  BPF_ADD,
  BPF_OR,
  BPF_AND,
  BPF_XOR,
  BPF_ADD | BPF_FETCH,
  BPF_OR | BPF_FETCH,
  BPF_AND | BPF_FETCH,
  BPF_XOR | BPF_FETCH,
  BPF_XCHG,
  BPF_CMPXCHG,
];
const SIZES = [BPF_B, BPF_H, BPF_W, BPF_DW];
const SIZE_BYTES = [1, 2, 4, 8];

/**
 * A random valid program over every instruction kind: data registers are
 * r0 and r2–r9 (r1 keeps the input block's address and r10 the frame's,
 * which differ between the interpreter and a JIT, so they only ever serve
 * as bases); jumps go forward; memory accesses stay aligned inside the
 * frame or the block. The result folds every data register together.
 */
function randomProgram(rng: Prng, length: number): BpfInsn[] {
  const p: BpfInsn[] = [];
  const data = (): number => [0, 2, 3, 4, 5, 6, 7, 8, 9][rng.below(9)];
  // The frame starts zeroed, as the interpreter's does; native stacks hold earlier frames.
  for (let off = -8; off >= -512; off -= 8) {
    p.push(makeBpfInsn({ opcode: BPF_ST | BPF_MEM | BPF_DW, dst: 10, off }));
  }
  for (const r of [0, 2, 3, 4, 5, 6, 7, 8, 9]) {
    p.push(makeBpfInsn({ opcode: BPF_LDDW, dst: r, imm: immediate(rng), imm64Hi: immediate(rng) }));
    p.push(makeBpfInsn({ opcode: 0 }));
  }
  // Jump targets are placeholders until the body's length is known.
  const jumps: number[] = [];
  for (let i = 0; i < length; i++) {
    const kind = rng.below(10);
    if (kind < 5) {
      const cls = rng.below(2) ? BPF_ALU64 : BPF_ALU;
      const op = ALU_OPS[rng.below(ALU_OPS.length)];
      const x = rng.below(2) ? BPF_X : BPF_K;
      let off = 0;
      let imm = immediate(rng);
      if (op === BPF_DIV || op === BPF_MOD) off = rng.below(2);
      if (op === BPF_MOV && x === BPF_X) off = [0, 8, 16, 32][rng.below(cls === BPF_ALU64 ? 4 : 3)];
      if (op === BPF_END) imm = [16, 32, 64][rng.below(3)];
      const source = op === BPF_END ? (cls === BPF_ALU64 ? 0 : rng.below(2) ? BPF_TO_BE : 0) : x;
      if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && source === BPF_K)
        imm = rng.below(cls === BPF_ALU64 ? 64 : 32);
      p.push(
        makeBpfInsn({
          opcode: cls | op | (op === BPF_NEG ? 0 : source),
          dst: data(),
          src: data(),
          off,
          imm,
        }),
      );
    } else if (kind < 7) {
      const sizeIndex = rng.below(4);
      const bytes = SIZE_BYTES[sizeIndex];
      const inBlock = rng.below(2) === 0;
      const base = inBlock ? 1 : 10;
      const off = inBlock
        ? bytes * rng.below(MEM_SIZE / bytes)
        : -bytes * (1 + rng.below(512 / bytes));
      const which = rng.below(5);
      const size = SIZES[sizeIndex];
      if (which === 0)
        p.push(makeBpfInsn({ opcode: BPF_LDX | BPF_MEM | size, dst: data(), src: base, off }));
      else if (which === 1 && bytes < 8)
        p.push(makeBpfInsn({ opcode: BPF_LDX | BPF_MEMSX | size, dst: data(), src: base, off }));
      else if (which === 2)
        p.push(
          makeBpfInsn({ opcode: BPF_ST | BPF_MEM | size, dst: base, off, imm: immediate(rng) }),
        );
      else if (which === 3 || bytes < 4)
        p.push(makeBpfInsn({ opcode: BPF_STX | BPF_MEM | size, dst: base, src: data(), off }));
      else {
        const imm = ATOMIC_OPS[rng.below(ATOMIC_OPS.length)];
        // Loading r0 from the same place first makes the exchange succeed.
        if (imm === BPF_CMPXCHG && rng.below(2))
          p.push(makeBpfInsn({ opcode: BPF_LDX | BPF_MEM | size, dst: 0, src: base, off }));
        p.push(
          makeBpfInsn({ opcode: BPF_STX | BPF_ATOMIC | size, dst: base, src: data(), off, imm }),
        );
      }
    } else {
      const cls = rng.below(2) ? BPF_JMP : BPF_JMP32;
      const op = rng.below(12);
      const opcode =
        op === 0
          ? cls | BPF_JA
          : cls |
            [BPF_JEQ, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, BPF_JSLE][op - 1] |
            (rng.below(2) ? BPF_X : BPF_K);
      jumps.push(p.length);
      p.push(makeBpfInsn({ opcode, dst: data(), src: data(), imm: immediate(rng) }));
    }
  }
  const end = p.length;
  for (const r of [2, 3, 4, 5, 6, 7, 8, 9]) {
    p.push(makeBpfInsn({ opcode: BPF_ALU64 | BPF_MUL | BPF_K, dst: 0, imm: 0x9e3779b1 | 0 }));
    p.push(makeBpfInsn({ opcode: BPF_ALU64 | BPF_XOR | BPF_X, dst: 0, src: r }));
  }
  p.push(
    makeBpfInsn({ opcode: BPF_LDX | BPF_MEM | BPF_DW, dst: 2, src: 1, off: 8 * rng.below(8) }),
  );
  p.push(makeBpfInsn({ opcode: BPF_ALU64 | BPF_ADD | BPF_X, dst: 0, src: 2 }));
  p.push(makeBpfInsn({ opcode: BPF_JMP | BPF_EXIT }));
  for (const at of jumps) {
    const target = at + 1 + rng.below(end - at);
    const insn = p[at];
    const ja32 = insn.opcode === (BPF_JMP32 | BPF_JA);
    p[at] = makeBpfInsn({
      ...insn,
      off: ja32 ? 0 : target - at - 1,
      imm: ja32 ? target - at - 1 : insn.imm,
    });
  }
  return p;
}

function randomMem(rng: Prng): Uint8Array {
  return Uint8Array.from({ length: MEM_SIZE }, () => rng.below(256));
}

describe.each(arches)('eBPF JIT on $name', ({ name, backend, isa, runtime }) => {
  const target = jitTarget(name, backend, isa, runtime);

  it('passes every file of the shared bpf-conformance suite', () => {
    const results = runConformance(sharedPath('bpf-conformance'), [target]);
    const failures = results.filter((r) => !r.pass).map((r) => `${r.file}: ${r.reason}`);
    expect(failures).toEqual([]);
    expect(results.length).toBe(40);
  });

  it('agrees with the reference interpreter on 200 seeded random programs', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = createPrng(seed);
      const program = randomProgram(rng, 40);
      const mem = randomMem(rng);
      verifyBpf(program);
      const expected = interpretBpf(program, mem);
      const actual = runBpfJit(program, mem, backend, isa, runtime).r0;
      if (actual !== expected) {
        expect.fail(
          `seed ${seed}: JIT r0 0x${actual.toString(16)}, interpreter 0x${expected.toString(16)}\n${disassembleBpf(program)}`,
        );
      }
    }
  });

  it('runs BPF-to-BPF calls, helper calls by number and by register, and unwinds from depth', () => {
    for (const arg of [0, 3]) {
      const program = assembleBpf(callProgram(arg));
      verifyBpf(program);
      const expected = interpretBpf(program);
      expect(expected).toBe(arg === 0 ? 0n : 1023n);
      expect(runBpfJit(program, new Uint8Array(0), backend, isa, runtime).r0).toBe(expected);
    }
  });

  it('branches forward and back across more code than a short branch reaches', () => {
    const body = Array.from({ length: 3000 }, () => 'add %r0, 1').join('\n');
    const program = assembleBpf(
      `mov %r0, 0\nja over\nback:\nadd %r0, 7\nexit\nover:\n${body}\njeq %r0, 3000, back\nexit`,
    );
    verifyBpf(program);
    expect(runBpfJit(program, new Uint8Array(0), backend, isa, runtime).r0).toBe(3007n);
  });

  it('reports a wild access and a runaway loop in the words the interpreter uses', () => {
    const wild = assembleBpf('lddw %r1, 0x70000000008\nldxdw %r0, [%r1-8]\nexit');
    expect(() => runBpfJit(wild, new Uint8Array(0), backend, isa, runtime)).toThrow(
      /EFAULT: JIT'd code stopped at 0x[0-9a-f]+: out of bounds memory access at 0x70000000000/,
    );
    const loop = assembleBpf('mov %r0, 0\nagain:\nadd %r0, 1\nja again');
    verifyBpf(loop);
    expect(() =>
      runBpfJit(loop, new Uint8Array(0), backend, isa, runtime, { maxSteps: 1000 }),
    ).toThrow(/E2BIG: JIT'd code exceeded 1000 steps/);
  });

  it('runs the package fixtures: legacy packet loads, code_addr and callx errors', () => {
    const results = runConformance(fixtures, [target]);
    const failures = results.filter((r) => !r.pass).map((r) => `${r.file}: ${r.reason}`);
    expect(failures).toEqual([]);
    expect(results.length).toBe(19);
  });

  it('traps a callx with no target and reports it as the interpreter does', () => {
    const cases: [string, RegExp][] = [
      // Past the helper table, an empty table entry, and not quite a function's address.
      ['mov %r2, 77\ncall %r2', /^ENOSYS: instruction 2: call to unknown helper or function 77$/],
      ['mov %r2, 3\ncall %r2', /^ENOSYS: instruction 2: call to unknown helper or function 3$/],
      [
        'lddw %r2, code_addr(f)\nadd %r2, 4\ncall %r2',
        /^ENOSYS: instruction 4: call to unknown helper or function 0x[0-9a-f]+$/,
      ],
    ];
    for (const [body, message] of cases) {
      const program = assembleBpf(`mov %r0, 9\n${body}\nexit\nf:\nmov %r0, 1\nexit`);
      verifyBpf(program);
      expect(() => interpretBpf(program)).toThrow(message);
      expect(() => runBpfJit(program, new Uint8Array(0), backend, isa, runtime)).toThrow(message);
    }
  });

  it('reads and writes map values and variables as the interpreter does', () => {
    const program = assembleBpf(mapProgram);
    verifyBpf(program, { env: mapEnv });
    const expected = interpretBpf(program, new Uint8Array(0), { env: mapEnv });
    expect(expected).toBe(0x1_002a_001cn);
    expect(runBpfJit(program, new Uint8Array(0), backend, isa, runtime, { env: mapEnv }).r0).toBe(
      expected,
    );
    expect(() => runBpfJit(program, new Uint8Array(0), backend, isa, runtime)).toThrow(
      /EINVAL: instruction 0: lddw map_val\(map_by_fd\): unknown map fd 3/,
    );
  });

  it('records where each slot begins and where its traps are', () => {
    const program = assembleBpf('lddw %r0, 0x1122334455667788\nadd %r0, 1\ncall %r0\nexit');
    const env: BpfJitEnv = {
      loadAddress: 0x100000n,
      helpers: new Map([[5, 0x200000n]]),
      helperTable: 0x300000n,
      helperTableLength: 6,
      stackSize: 512,
    };
    const image = backend.generate(program, env);
    const o = image.insnOffsets;
    expect(o.length).toBe(program.length + 1);
    expect(o[1]).toBe(o[2]);
    for (let i = 1; i < o.length; i++) expect(o[i]).toBeGreaterThanOrEqual(o[i - 1]);
    expect(o[3]).toBeLessThanOrEqual(image.code.length);
    expect(o[2] - o[0]).toBeGreaterThan(0);
    // One trap, inside the code of the callx (slot 3).
    expect(image.trapOffsets.length).toBe(1);
    expect(bpfSlotAtOffset(o, image.trapOffsets[0])).toBe(3);
    expect(backend.generate(program.slice(0, 3).concat(program[4]), env).trapOffsets.length).toBe(
      0,
    );
  });
});

describe('helper reach', () => {
  const program = assembleBpf('mov %r1, 1\ncall 5\nexit');
  const env = (helper: bigint): BpfJitEnv => ({
    loadAddress: 0xffffffffc0000000n,
    helpers: new Map([[5, helper]]),
    helperTable: 0xffffffffc1000000n,
    helperTableLength: 6,
    stackSize: 512,
  });
  const near = 0xffffffff40001000n;
  const far = 0xffff888000000000n;

  it('x86_64 calls a helper 2 GiB below by rel32 and refuses one farther with ERANGE', () => {
    expect(x86BpfJit.generate(program, env(near)).code.length).toBeGreaterThan(0);
    expect(() => x86BpfJit.generate(program, env(far))).toThrow(
      /ERANGE: instruction 1: helper at 0xffff888000000000 is out of call rel32 reach of the call at 0xffffffffc0/,
    );
  });

  it('riscv64 reaches the same helper by auipc+jalr and refuses the far one with ERANGE', () => {
    expect(riscvBpfJit.generate(program, env(near)).code.length).toBeGreaterThan(0);
    expect(() => riscvBpfJit.generate(program, env(far))).toThrow(
      /ERANGE: instruction 1: helper at 0xffff888000000000 is out of auipc\+jalr reach of the call at 0xffffffffc0/,
    );
  });

  it('arm64 calls through a register, so any helper address is in reach', () => {
    expect(arm64BpfJit.generate(program, env(far)).code.length).toBeGreaterThan(0);
  });
});

const qemuArches = arches.map((a) => ({ ...a, host: BPF_QEMU_HOSTS[a.name] }));

describe.each(qemuArches)('eBPF JIT output of $name under qemu-user', (target) => {
  const { host } = target;
  const check = requireHostTools(
    [`${host.triple}-as`, `${host.triple}-ld`, host.qemu],
    `binutils-${host.triple.replace('_', '-')} qemu-user`,
  );
  if (check.skip) console.warn(check.reason);

  it.skipIf(check.skip)(
    'returns what the interpreter returns, for the suite and 200 random programs',
    () => {
      const dir = sharedPath('bpf-conformance');
      const cases: { name: string; program: BpfInsn[]; mem: Uint8Array }[] = [];
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.data'))) {
        const file = readBpfDataFile(join(dir, f));
        if (file.error !== undefined) continue;
        cases.push({ name: f, program: bpfDataFileProgram(file), mem: file.mem });
      }
      for (const source of [callProgram(0), callProgram(3)]) {
        cases.push({ name: source, program: assembleBpf(source), mem: new Uint8Array(0) });
      }
      for (const f of readdirSync(fixtures).filter((n) => n.endsWith('.data'))) {
        const file = readBpfDataFile(join(fixtures, f));
        if (file.error !== undefined) continue;
        cases.push({ name: f, program: bpfDataFileProgram(file), mem: file.mem });
      }
      for (let seed = 1001; seed <= 1200; seed++) {
        const rng = createPrng(seed);
        cases.push({ name: `seed ${seed}`, program: randomProgram(rng, 40), mem: randomMem(rng) });
      }
      const { results } = runBpfJitUnderQemu(host, target.backend, target.runtime, cases);
      const mismatches = cases
        .map((c, k) => ({ c, got: results[k], want: interpretBpf(c.program, c.mem) }))
        .filter(({ got, want }) => got !== want)
        .map(
          ({ c, got, want }) =>
            `${c.name}: qemu 0x${got.toString(16)}, interpreter 0x${want.toString(16)}`,
        );
      expect(mismatches).toEqual([]);
      expect(cases.length).toBe(257);
    },
  );
});
