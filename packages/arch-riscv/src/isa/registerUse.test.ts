import { RegisterUse, RegisterUseFlag } from '@execmem/core';
import { checkRegisterUse } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { expandCompressed } from './compressed';
import { decode, type RiscvInsn } from './decoder';
import { Op, opcodeOf } from './opcodes';
import { riscvIsa } from './riscvIsa';
import { riscvIsaSamples } from './samples';
import { generateBranchProgram, generateInstances } from './testing/instanceGenerator';
import { iOps, rOps } from './testing/mnemonics';

/**
 * Checks `registerUse` against the executor itself with the generic oracle
 * of `@execmem/core/testing` (x0 as the hard-wired zero register).
 */

/** Random states per instance and round. */
const RUNS = 6;

/**
 * RVWMO dependencies are syntactic, so a branch comparing a register with
 * itself is still a branch although its outcome is fixed; for those only
 * "a next pc that depends on registers is a branch" is checked.
 */
function fixedBranch(insn: RiscvInsn): boolean {
  return insn.rs1 === insn.rs2 && insn.rs1 !== 0;
}

/** Every instruction the decoder produces from `bytes`, in order (undecodable parcels skipped). */
function decodeAll(bytes: Uint8Array): RiscvInsn[] {
  const out: RiscvInsn[] = [];
  for (let offset = 0; offset + 2 <= bytes.length; ) {
    const d = decode(bytes, offset, bytes.length - offset);
    if (d) out.push(d.insn);
    offset += d?.length ?? 2;
  }
  return out;
}

/** The opcode-table row name of `insn`, prefixed `c.` for a compressed parcel. */
function kindOf(insn: RiscvInsn): string {
  const compressed = insn.length === 2;
  const name = opcodeOf(compressed ? expandCompressed(insn.bits) : insn.bits)?.name;
  return `${compressed ? 'c.' : ''}${name}`;
}

/** The ISA's samples, generated instances and branch programs and every ALU and branch mnemonic, with and without RVC, one instance per encoding. */
function instances(): RiscvInsn[] {
  const byBits = new Map<string, RiscvInsn>();
  for (const compressed of [true, false]) {
    const sources = [
      riscvIsaSamples.map((s) => s.source).join('\n'),
      generateInstances(0x5e9, 360).join('\n'),
      generateBranchProgram(0xb4a, 60, compressed),
      // Every ALU and branch mnemonic at least once, whatever the generators drew.
      [
        ...rOps.map((m) => `${m} a0,a1,a2`),
        ...iOps.map((m) => `${m} a3,a4,-7`),
        'back:',
        ...['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'].map((m) => `${m} a5,s1,back`),
      ].join('\n'),
    ];
    for (const source of sources) {
      for (const insn of decodeAll(riscvIsa.assemble(source, { compressed }).bytes))
        byBits.set(`${insn.length}:${insn.bits}`, insn);
    }
  }
  return [...byBits.values()];
}

describe('riscv registerUse', () => {
  const registerUse = riscvIsa.registerUse;

  it('is wired into the ISA and matches what the executor does on random states', () => {
    if (!registerUse) throw new Error('riscvIsa has no registerUse');
    const all = instances();
    const kinds = new Set<string>();
    const ops = new Set<Op>();
    const use = new Uint32Array(RegisterUse.Length);
    let exact = 0;
    all.forEach((insn, i) => {
      kinds.add(kindOf(insn));
      ops.add(insn.op);
      registerUse(insn, use);
      const what = `${kindOf(insn)} ${riscvIsa.disassemble(bits(insn))[0]?.text}`;
      // RISC-V has no flags.
      expect(use[RegisterUse.Flags] & ~RegisterUseFlag.Branch, what).toBe(0);
      if (!fixedBranch(insn)) exact++;
      checkRegisterUse(
        riscvIsa,
        { insn, length: insn.length },
        {
          seed: 0x0b5e + i,
          runs: RUNS,
          zeroRegister: 0,
          branchWitness: !fixedBranch(insn),
          name: what,
        },
      );
    });
    // Every operation the executor has is covered (the F/D loads and stores do not decode).
    const executed = Object.values(Op).filter((op) => op !== Op.FpLoad && op !== Op.FpStore);
    expect([...ops].sort((a, b) => a - b)).toEqual(executed);
    console.log(
      `registerUse: ${all.length} encodings of ${kinds.size} instruction kinds (${ops.size} executor operations), ${exact} with Branch checked both ways, at least ${RUNS} random states each`,
    );
  });

  it('names the dependencies of jumps, branches, LR/SC, AMOs, stores, x0 destinations and CSR accesses', () => {
    if (!registerUse) throw new Error('riscvIsa has no registerUse');
    const use = new Uint32Array(RegisterUse.Length);
    const of = (source: string) => {
      const [insn] = decodeAll(riscvIsa.assemble(source, { compressed: false }).bytes);
      registerUse(insn, use);
      return [...use];
    };
    const x = (...rs: number[]) => rs.reduce((m, r) => m | (1 << r), 0);
    const { Branch } = RegisterUseFlag;
    // a0 = x10, a1 = x11, a2 = x12, ra = x1.
    expect(of('jal ra,0')).toEqual([0, 0, x(1), 0, 0]);
    expect(of('jalr ra,8(a1)')).toEqual([x(11), 0, x(1), 0, Branch]);
    expect(of('jalr ra,8(zero)')).toEqual([0, 0, x(1), 0, 0]);
    expect(of('bltu a0,a1,0')).toEqual([x(10, 11), 0, 0, 0, Branch]);
    expect(of('amoswap.d.aq a0,a2,(a1)')).toEqual([x(11, 12), x(11), x(10), x(10), 0]);
    expect(of('lr.w a0,(a1)')).toEqual([x(11), x(11), x(10), x(10), 0]);
    expect(of('sc.d a0,a2,(a1)')).toEqual([x(11, 12), x(11), x(10), 0, 0]);
    expect(of('sw a2,4(a1)')).toEqual([x(11, 12), x(11), 0, 0, 0]);
    expect(of('ld zero,0(a1)')).toEqual([x(11), x(11), 0, 0, 0]);
    expect(of('xor a0,a1,a1')).toEqual([x(11), 0, x(10), 0, 0]);
    expect(of('csrrw a0,sscratch,a1')).toEqual([x(11), 0, x(10), 0, 0]);
    expect(of('fence r,r')).toEqual([0, 0, 0, 0, 0]);
  });
});

/** The bytes of `insn` in memory order, for messages. */
function bits(insn: RiscvInsn): Uint8Array {
  const bytes = new Uint8Array(insn.length);
  const view = new DataView(bytes.buffer);
  if (insn.length === 2) view.setUint16(0, insn.bits, true);
  else view.setUint32(0, insn.bits, true);
  return bytes;
}
