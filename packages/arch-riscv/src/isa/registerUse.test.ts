import {
  type AccessKind,
  type AtomicOp,
  type CacheOp,
  type ExceptionCause,
  type MemoryPort,
  RegisterUse,
  RegisterUseFlag,
  word64,
} from '@execmem/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandCompressed } from './compressed';
import { decode, type RiscvInsn } from './decoder';
import { Op, opcodeOf } from './opcodes';
import { riscvIsa } from './riscvIsa';
import { riscvIsaSamples } from './samples';
import { generateBranchProgram, generateInstances } from './testing/instanceGenerator';
import { iOps, rOps } from './testing/mnemonics';

/**
 * Checks `registerUse` against the executor itself: every instance runs on
 * seeded random register states through a recording port, once as is and
 * once per perturbation of each register, and the data flow the runs show
 * must be the one `registerUse` declares.
 */

/** One random machine state an instance runs in. */
interface Env {
  /** x1..x31 and a second value of each, as 64-bit unsigned values. */
  readonly regs: readonly bigint[];
  readonly alt: readonly bigint[];
  readonly pc: number;
  /** What every load and AMO reads. */
  readonly loaded: bigint;
  /** What every CSR read returns. */
  readonly csr: bigint;
  /** What every SC reports (1 = failed). */
  readonly scFailed: number;
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);
const MAX = (1n << 64n) - 1n;

/** An 8-byte aligned canonical address, so that accesses and AMOs succeed. */
const address = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: (1n << 44n) - 1n }))
  .map(([upper, k]) => (upper ? u64(-(k + 1n) * 8n) : k * 8n));
const anyValue = fc.oneof(
  address,
  fc.integer({ min: -64, max: 64 }).map((v) => u64(BigInt(v))),
  fc.bigInt({ min: 0n, max: MAX }),
);
const file = (value: fc.Arbitrary<bigint>) => fc.array(value, { minLength: 31, maxLength: 31 });
const env = (value: fc.Arbitrary<bigint>): fc.Arbitrary<Env> =>
  fc.record({
    regs: file(value),
    alt: file(value),
    pc: fc.bigInt({ min: 0n, max: (1n << 47n) - 8n }).map((k) => Number(k * 2n)),
    loaded: fc.bigInt({ min: 0n, max: MAX }),
    csr: fc.bigInt({ min: 0n, max: MAX }),
    scFailed: fc.integer({ min: 0, max: 1 }),
  });
/**
 * Each run tries a state of any values and one where every register holds
 * one of a few aligned addresses, so that accesses succeed and comparisons
 * often see equal operands.
 */
const envPair = fc.tuple(env(anyValue), env(fc.constantFrom(0n, 8n, 0x1000n, MAX - 7n)));

/** A port that answers from the env and logs every call with the values it was given. */
class RecordingPort implements MemoryPort {
  /** Every call and its arguments (stored values truncated to the access size). */
  readonly log: number[] = [];
  /** The addresses of the data accesses (loads, stores, SC, AMOs) in order. */
  readonly addresses: number[] = [];
  private readonly loadedLo: number;
  private readonly loadedHi: number;

  constructor(
    private readonly env: Env,
    flipLoaded: boolean,
  ) {
    const loaded = flipLoaded ? env.loaded ^ MAX : env.loaded;
    this.loadedLo = Number(loaded & 0xffffffffn);
    this.loadedHi = Number(loaded >> 32n);
  }
  private access(call: number, va: number, size: number, kind: AccessKind): void {
    this.addresses.push(va);
    this.log.push(call, va, size, kind);
  }
  private logValue(src: Uint32Array, index: number, size: number): void {
    const lo = src[index];
    this.log.push(size < 4 ? lo & (2 ** (8 * size) - 1) : lo, size === 8 ? src[index + 1] : 0);
  }
  private readLoaded(size: number, out: Uint32Array, index: number): void {
    out[index] = size < 4 ? this.loadedLo & (2 ** (8 * size) - 1) : this.loadedLo;
    out[index + 1] = size === 8 ? this.loadedHi : 0;
  }
  load(va: number, size: 1 | 2 | 4 | 8, out: Uint32Array, index: number, kind: AccessKind) {
    this.access(1, va, size, kind);
    this.readLoaded(size, out, index);
    return true;
  }
  store(va: number, size: 1 | 2 | 4 | 8, src: Uint32Array, index: number, kind: AccessKind) {
    this.access(2, va, size, kind);
    this.logValue(src, index, size);
    return true;
  }
  storeConditional(va: number, size: 4 | 8, src: Uint32Array, index: number, kind: AccessKind) {
    this.access(3, va, size, kind);
    this.logValue(src, index, size);
    return this.env.scFailed;
  }
  atomic(
    op: AtomicOp,
    va: number,
    size: 1 | 2 | 4 | 8,
    src: Uint32Array,
    srcIndex: number,
    out: Uint32Array,
    outIndex: number,
    kind: AccessKind,
    src2?: Uint32Array,
    src2Index?: number,
  ) {
    this.access(4, va, size, kind);
    this.log.push(op);
    this.logValue(src, srcIndex, size);
    if (src2) this.logValue(src2, src2Index ?? 0, size);
    this.readLoaded(size, out, outIndex);
    return true;
  }
  fence(kind: number) {
    this.log.push(5, kind);
  }
  cacheOp(op: CacheOp, va: number) {
    this.log.push(6, op, va);
    return true;
  }
  contextSync() {
    this.log.push(7);
  }
  tlbOp(op: number, va: number) {
    this.log.push(8, op, va);
  }
  exception(cause: ExceptionCause, detail: number) {
    this.log.push(9, cause, detail);
  }
  exceptionReturn() {
    this.log.push(10);
  }
  readSystemRegister(id: number, out: Uint32Array, index: number) {
    this.log.push(11, id);
    word64.fromBigint(out, index, this.env.csr);
    return true;
  }
  writeSystemRegister(id: number, src: Uint32Array, index: number) {
    this.log.push(12, id);
    this.logValue(src, index, 8);
    return true;
  }
}

/** What one execution did. */
interface Outcome {
  readonly before: Uint32Array;
  readonly after: Uint32Array;
  /** Masks of the registers x1..x31 the executor read and wrote, whatever the values (when watched). */
  readonly reads: number;
  readonly writes: number;
  readonly nextPc: number;
  readonly log: string;
  readonly addresses: string;
}

/** Register number of the element `key` of a register array, or -1 for x0 and non-elements. */
function registerOf(key: string | symbol): number {
  const index = typeof key === 'string' ? Number(key) : Number.NaN;
  return Number.isInteger(index) && index >= 2 ? index >> 1 : -1;
}

/** How {@link run} runs: with every register access recorded (slower), and with the loaded value complemented. */
interface RunOptions {
  readonly watch?: boolean;
  readonly flipLoaded?: boolean;
}

function run(insn: RiscvInsn, env: Env, regs: Uint32Array, options: RunOptions = {}): Outcome {
  const after = regs.slice();
  let reads = 0;
  let writes = 0;
  // Every element access the executor makes, so reads and writes count whatever the values.
  const regsSeen = options.watch
    ? new Proxy(after, {
        get(target, key) {
          const r = registerOf(key);
          if (r > 0) reads |= 1 << r;
          return Reflect.get(target, key);
        },
        set(target, key, value) {
          const r = registerOf(key);
          if (r > 0) writes |= 1 << r;
          return Reflect.set(target, key, value);
        },
      })
    : after;
  const state = { regs: regsSeen, pc: env.pc, nextPc: env.pc + insn.length };
  const port = new RecordingPort(env, options.flipLoaded ?? false);
  riscvIsa.execute(insn, state, port);
  return {
    before: regs,
    after,
    reads: reads >>> 0,
    writes: writes >>> 0,
    nextPc: state.nextPc,
    log: port.log.join(),
    addresses: port.addresses.join(),
  };
}

/** Mask of the registers x1..x31 whose values differ between `a` and `b`. */
function differing(a: Uint32Array, b: Uint32Array): number {
  let mask = 0;
  for (let r = 1; r < 32; r++)
    if (a[2 * r] !== b[2 * r] || a[2 * r + 1] !== b[2 * r + 1]) mask |= 1 << r;
  return mask >>> 0;
}

/** Values register value `x` is perturbed to: the env's other value, zero and its complement. */
function perturbations(x: bigint, alt: bigint): bigint[] {
  return [...new Set([alt, 0n, x ^ MAX])].filter((v) => v !== x);
}

/**
 * RVWMO dependencies are syntactic, so a branch comparing a register with
 * itself is still a branch although its outcome is fixed; for those only
 * "a next pc that depends on registers is a branch" is checked.
 */
function fixedBranch(insn: RiscvInsn): boolean {
  return insn.rs1 === insn.rs2 && insn.rs1 !== 0;
}

/** What the runs of one instance showed, accumulated over its random states. */
interface Observed {
  /** Registers the executor read. */
  reads: number;
  /** Registers whose perturbation changed what the instruction did. */
  sources: number;
  address: number;
  destinations: number;
  loaded: number;
  branch: boolean;
}

const RUNS = 6;
const mask = (m: number) => (m >>> 0).toString(2).padStart(32, '0');

/** What `registerUse` declared for the instance under test. */
interface Declared {
  readonly sources: number;
  readonly address: number;
  readonly destinations: number;
  readonly loaded: number;
  readonly branch: boolean;
}

/** Runs `insn` in `env` and with each register perturbed; adds what it shows to `seen` and checks it against `declared`. */
function probe(insn: RiscvInsn, env: Env, declared: Declared, seen: Observed): void {
  const regs = new Uint32Array(64);
  for (let r = 1; r < 32; r++) word64.fromBigint(regs, 2 * r, env.regs[r - 1]);
  let changed = 0;
  const check = (o: Outcome) => {
    seen.reads |= o.reads;
    seen.destinations |= o.writes;
    changed |= differing(o.before, o.after);
  };
  const base = run(insn, env, regs, { watch: true });
  check(base);
  for (let r = 1; r < 32; r++) {
    const bit = (1 << r) >>> 0;
    for (const v of perturbations(env.regs[r - 1], env.alt[r - 1])) {
      const perturbed = regs.slice();
      word64.fromBigint(perturbed, 2 * r, v);
      const o = run(insn, env, perturbed);
      check(o);
      // r's own final value counts only when one of the runs wrote it.
      const ownValue = (base.writes | differing(o.before, o.after)) & bit;
      const values = differing(base.after, o.after) & (~bit | ownValue);
      if (values || o.log !== base.log || o.nextPc !== base.nextPc) seen.sources |= bit;
      if (o.addresses !== base.addresses) seen.address |= bit;
      if (o.nextPc !== base.nextPc) seen.branch = true;
    }
  }
  seen.loaded |= differing(base.after, run(insn, env, regs, { flipLoaded: true }).after);
  // Every register whose value changed, or that was written at all, is a destination.
  const written = changed | seen.destinations;
  expect(mask(written & ~declared.destinations), 'undeclared destination').toBe(mask(0));
  expect(mask(seen.reads & ~declared.sources), 'undeclared read').toBe(mask(0));
  // Influence on a destination, a memory address, a stored value or the next pc is a source.
  expect(mask(seen.sources & ~declared.sources), 'undeclared source').toBe(mask(0));
  // Registers that move an accessed address are address registers.
  expect(mask(seen.address & ~declared.address), 'undeclared address').toBe(mask(0));
  // Destinations taking the loaded value are loaded destinations.
  expect(mask(seen.loaded & ~declared.loaded), 'undeclared loaded').toBe(mask(0));
  // A next pc that depends on a register is a branch.
  expect(!seen.branch || declared.branch, 'undeclared branch').toBe(true);
}

/** Runs `insn` on `RUNS` pairs of seeded random states (see {@link probe}); returns what they showed. */
function observe(insn: RiscvInsn, use: Uint32Array, seed: number): Observed {
  const seen: Observed = {
    reads: 0,
    sources: 0,
    address: 0,
    destinations: 0,
    loaded: 0,
    branch: false,
  };
  const declared: Declared = {
    sources: use[RegisterUse.Sources],
    address: use[RegisterUse.Address],
    destinations: use[RegisterUse.Destinations],
    loaded: use[RegisterUse.Loaded],
    branch: (use[RegisterUse.Flags] & RegisterUseFlag.Branch) !== 0,
  };
  fc.assert(
    fc.property(envPair, ([mixed, few]) => {
      probe(insn, mixed, declared, seen);
      probe(insn, few, declared, seen);
    }),
    { seed, numRuns: RUNS },
  );
  return seen;
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
      // x0 is in no mask; the subsets the contract names hold; RISC-V has no flags.
      for (let slot = 0; slot < RegisterUse.Flags; slot++) expect(use[slot] & 1, what).toBe(0);
      expect(use[RegisterUse.Address] & ~use[RegisterUse.Sources], what).toBe(0);
      expect(use[RegisterUse.Loaded] & ~use[RegisterUse.Destinations], what).toBe(0);
      expect(use[RegisterUse.Flags] & ~RegisterUseFlag.Branch, what).toBe(0);
      const seen = observe(insn, use, 0x0b5e + i);
      // The converse directions: nothing is declared that the runs never showed.
      expect(mask(seen.destinations), `${what}: destinations`).toBe(
        mask(use[RegisterUse.Destinations]),
      );
      expect(mask(seen.address), `${what}: address`).toBe(mask(use[RegisterUse.Address]));
      expect(mask(seen.loaded), `${what}: loaded`).toBe(mask(use[RegisterUse.Loaded]));
      expect(mask(seen.reads), `${what}: sources`).toBe(mask(use[RegisterUse.Sources]));
      if (fixedBranch(insn)) return;
      exact++;
      expect(seen.branch, `${what}: branch`).toBe(
        (use[RegisterUse.Flags] & RegisterUseFlag.Branch) !== 0,
      );
    });
    // Every operation the executor has is covered (the F/D loads and stores do not decode).
    const executed = Object.values(Op).filter((op) => op !== Op.FpLoad && op !== Op.FpStore);
    expect([...ops].sort((a, b) => a - b)).toEqual(executed);
    console.log(
      `registerUse: ${all.length} encodings of ${kinds.size} instruction kinds (${ops.size} executor operations), ${exact} with Branch checked both ways, ${2 * RUNS} random states each`,
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
