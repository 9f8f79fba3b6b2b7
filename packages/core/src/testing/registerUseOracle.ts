/**
 * The `Isa.registerUse` oracle: checks an instruction's declared data flow
 * against what the ISA's own executor does. The instruction runs on
 * seeded random register states through a recording port, once as is,
 * once per perturbed register (and with the flags, and the data loads
 * return, changed), and what moved must be what `registerUse` declares:
 * registers that change are destinations, registers that change anything
 * are sources, those that move an accessed address are address registers,
 * destinations that follow loaded data are loaded, and a next pc that
 * depends on a register or the flags is a branch. Register reads and
 * writes are watched through a proxy over the register file, so a
 * declared source must be read and a declared destination written (a
 * register read that changes nothing need not be declared); the address,
 * loaded and branch declarations must each have a witness.
 *
 * @module
 */

import {
  type Decoded,
  type Isa,
  type IsaState,
  type MemoryPort,
  RegisterUse,
  RegisterUseFlag,
} from '../isa';
import { createPrng, type Prng } from '../prng';

/** Options of {@link checkRegisterUse}. */
export interface RegisterUseOracleOptions {
  /** Seed of the random states. */
  readonly seed: number;
  /** Random states per round; default 6. Up to 8 rounds run while a declared address, loaded or branch bit has no witness yet. */
  readonly runs?: number;
  /** A hard-wired zero register: kept 0, never perturbed, in no mask. */
  readonly zeroRegister?: number;
  /** The state field holding the condition flags and how many bits they have (checked against `ReadsFlags` and `WritesFlags`). */
  readonly flags?: { readonly field: string; readonly bits: number };
  /**
   * False when the instruction's `Branch` is syntactic only (a compare of
   * a register with itself: no state changes where it goes): `Branch` is
   * then only required where the next pc moved. Default true.
   */
  readonly branchWitness?: boolean;
  /** Engine pc the instruction runs at; default 0x400000. */
  readonly pc?: number;
  /** How failures name the instruction; default its registerUse masks. */
  readonly name?: string;
}

type Word = readonly [number, number];

/** One random state: registers, their alternatives, flags and what loads return. */
interface Trial {
  readonly regs: Uint32Array;
  readonly alt: Uint32Array;
  readonly flags: number;
  readonly altFlags: number;
  readonly loads: readonly Word[];
  readonly altLoads: readonly Word[];
  /** What a store-conditional reports (0 success, 1 failure). */
  readonly status: number;
}

/** What one execution did. */
interface Outcome {
  readonly regs: Uint32Array;
  readonly flags: number;
  readonly nextPc: number;
  /** Every address accessed or maintained, in order. */
  readonly addresses: string;
  /** Every port call with its values. */
  readonly effects: string;
  /** Registers read and written, as masks. */
  readonly read: number;
  readonly written: number;
  readonly flagsRead: boolean;
  readonly flagsWritten: boolean;
}

/** Values that make comparisons equal and accesses aligned, for a state where every register takes one. */
const FEW: readonly Word[] = [
  [0, 0],
  [8, 0],
  [0x1000, 0],
  [0xfffffff8, 0xffffffff],
];

/** A 64-bit value: small, a canonical low or high address, or anything; from {@link FEW} only when `few`. */
function randomWord(rng: Prng, few: boolean): Word {
  if (few) return FEW[rng.below(FEW.length)];
  switch (rng.below(4)) {
    case 0:
      return [rng.below(4), 0];
    case 1:
      return [rng.next(), rng.below(0x8000)];
    case 2:
      return [rng.next(), (0xffff8000 | rng.below(0x8000)) >>> 0];
    default:
      return [rng.next(), rng.next()];
  }
}

function randomTrial(rng: Prng, registers: number, few: boolean, flagBits: number): Trial {
  const file = () => {
    const regs = new Uint32Array(2 * registers);
    for (let r = 0; r < registers; r++) {
      const [lo, hi] = randomWord(rng, few);
      regs[2 * r] = lo;
      regs[2 * r + 1] = hi;
    }
    return regs;
  };
  const flags = () => (flagBits > 0 ? rng.below(2 ** flagBits) : 0);
  const loads = () => [randomWord(rng, false), randomWord(rng, false)];
  return {
    regs: file(),
    alt: file(),
    flags: flags(),
    altFlags: flags(),
    loads: loads(),
    altLoads: loads(),
    status: rng.below(2),
  };
}

const hexOf = (src: Uint32Array, i: number) => `${src[i + 1].toString(16)}:${src[i].toString(16)}`;

/** Registers outside `ignore` (a mask) whose values differ between two register files. */
function differing(a: Uint32Array, b: Uint32Array, ignore: number): number {
  let mask = 0;
  for (let r = 0; 2 * r < a.length; r++) {
    if (ignore & (1 << r)) continue;
    if (a[2 * r] !== b[2 * r] || a[2 * r + 1] !== b[2 * r + 1]) mask |= 1 << r;
  }
  return mask >>> 0;
}

/**
 * True when `b` observably differs from `a`, which ran on the same state
 * except for the registers in `perturbed` (and the flags with
 * `flagsPerturbed`): those differ at the end only where the instruction
 * wrote them.
 */
function differs(a: Outcome, b: Outcome, perturbed: number, flagsPerturbed: boolean): boolean {
  const flagsDiffer = a.flags !== b.flags && (!flagsPerturbed || a.flagsWritten || b.flagsWritten);
  return (
    a.addresses !== b.addresses ||
    a.effects !== b.effects ||
    a.nextPc !== b.nextPc ||
    flagsDiffer ||
    differing(a.regs, b.regs, perturbed & ~(a.written | b.written)) !== 0
  );
}

/**
 * Checks `registerUse` of `decoded` against `isa.execute` (see the module
 * comment); throws an `Error` naming the instruction and what is wrong.
 */
export function checkRegisterUse<I, S extends IsaState>(
  isa: Isa<I, S>,
  decoded: Decoded<I>,
  options: RegisterUseOracleOptions,
): void {
  if (!isa.registerUse) throw new Error('the ISA has no registerUse');
  const registers = isa.registerNames.length;
  const zero = options.zeroRegister === undefined ? 0 : 1 << options.zeroRegister;
  const flagField = options.flags?.field;
  const flagBits = options.flags?.bits ?? 0;
  const pc = options.pc ?? 0x400000;
  const use = new Uint32Array(RegisterUse.Length);
  isa.registerUse(decoded.insn, use);
  const sources = use[RegisterUse.Sources] >>> 0;
  const address = use[RegisterUse.Address] >>> 0;
  const destinations = use[RegisterUse.Destinations] >>> 0;
  const loaded = use[RegisterUse.Loaded] >>> 0;
  const flags = use[RegisterUse.Flags];
  const names = (mask: number) =>
    `{${isa.registerNames.filter((_, r) => (mask >>> r) & 1).join(',')}}`;
  const what =
    options.name ??
    `instruction declaring sources ${names(sources)} destinations ${names(destinations)}`;
  const fail = (message: string): never => {
    throw new Error(`${what}: ${message}`);
  };
  const within = (label: string, a: number, b: number) => {
    if ((a & ~b) !== 0) fail(`${label}: ${names(a)} is not within ${names(b)}`);
  };
  within('Address within Sources', address, sources);
  within('Loaded within Destinations', loaded, destinations);
  if ((sources | address | destinations | loaded) & zero) fail('a mask names the zero register');
  if (flags & ~7) fail(`unknown flag bits ${flags}`);

  const run = (initial: Uint32Array, flagValue: number, t: Trial, loads: readonly Word[]) => {
    const regs = initial.slice();
    let read = 0;
    let written = 0;
    const index = (p: string | symbol) => (typeof p === 'string' ? Number(p) : Number.NaN);
    const file = new Proxy(regs, {
      get(target, p) {
        const i = index(p);
        if (Number.isInteger(i)) read |= 1 << (i >> 1);
        return Reflect.get(target, p);
      },
      set(target, p, value) {
        const i = index(p);
        if (Number.isInteger(i)) written |= 1 << (i >> 1);
        return Reflect.set(target, p, value);
      },
    });
    let flagsNow = flagValue;
    let flagsRead = false;
    let flagsWritten = false;
    const state = { ...isa.createState(), regs: file, pc, nextPc: pc + decoded.length } as S;
    if (flagField) {
      Object.defineProperty(state, flagField, {
        get() {
          flagsRead = true;
          return flagsNow;
        },
        set(v: number) {
          flagsWritten = true;
          flagsNow = v;
        },
      });
    }
    const addresses: number[] = [];
    const effects: string[] = [];
    let served = 0;
    // Loads return `size` bytes zero-extended, as the port contract says.
    const serve = (out: Uint32Array, i: number, size: number) => {
      const [lo, hi] = loads[served++ % loads.length];
      out[i] = size >= 4 ? lo : lo & ((1 << (8 * size)) - 1);
      out[i + 1] = size === 8 ? hi : 0;
    };
    const port: MemoryPort = {
      load(va, size, out, i, kind) {
        addresses.push(va);
        effects.push(`load ${size} ${kind}`);
        serve(out, i, size);
        return true;
      },
      store(va, size, src, i, kind) {
        addresses.push(va);
        const lo = size >= 4 ? src[i] : src[i] & ((1 << (8 * size)) - 1);
        effects.push(`store ${size} ${size === 8 ? hexOf(src, i) : lo.toString(16)} ${kind}`);
        return true;
      },
      storeConditional(va, size, src, i, kind) {
        addresses.push(va);
        effects.push(`sc ${size} ${size === 8 ? hexOf(src, i) : src[i].toString(16)} ${kind}`);
        return t.status;
      },
      atomic(op, va, size, src, si, out, oi, kind, src2, s2i) {
        addresses.push(va);
        effects.push(
          `atomic ${op} ${size} ${hexOf(src, si)} ${src2 ? hexOf(src2, s2i ?? 0) : ''} ${kind}`,
        );
        serve(out, oi, size);
        return true;
      },
      fence: (kind) => void effects.push(`fence ${kind}`),
      cacheOp(op, va) {
        addresses.push(va);
        effects.push(`cache ${op}`);
        return true;
      },
      contextSync: () => void effects.push('sync'),
      tlbOp: (op, va) => void effects.push(`tlb ${op} ${va}`),
      exception: (cause, detail) => void effects.push(`exception ${cause} ${detail}`),
      exceptionReturn: () => void effects.push('eret'),
      readSystemRegister(id, out, i) {
        // A fixed value per register, the same in every run.
        out[i] = Math.imul(id, 0x9e3779b1) >>> 0;
        out[i + 1] = id;
        effects.push(`mrs ${id}`);
        return true;
      },
      writeSystemRegister(id, src, i) {
        effects.push(`msr ${id} ${hexOf(src, i)}`);
        return true;
      },
    };
    isa.execute(decoded.insn, state, port);
    return {
      regs,
      flags: flagsNow,
      nextPc: state.nextPc,
      addresses: addresses.join(','),
      effects: effects.join(';'),
      read: read >>> 0,
      written: written >>> 0,
      flagsRead,
      flagsWritten,
    } satisfies Outcome;
  };

  let everRead = 0;
  let everWritten = 0;
  let everAddress = 0;
  let everLoaded = 0;
  let everFlagsRead = false;
  let everFlagsWritten = false;
  let everRedirected = false;
  const seen = (o: Outcome) => {
    everRead |= o.read;
    everWritten |= o.written;
    everFlagsRead ||= o.flagsRead;
    everFlagsWritten ||= o.flagsWritten;
  };
  const all = (registers >= 32 ? 0xffffffff : 2 ** registers - 1) >>> 0;
  const trial = (t: Trial) => {
    if (options.zeroRegister !== undefined) {
      for (const f of [t.regs, t.alt])
        f.fill(0, 2 * options.zeroRegister, 2 * options.zeroRegister + 2);
    }
    const base = run(t.regs, t.flags, t, t.loads);
    seen(base);
    within('changed registers within Destinations', differing(t.regs, base.regs, 0), destinations);
    if (base.flags !== t.flags && !(flags & RegisterUseFlag.WritesFlags))
      fail('changed the flags without WritesFlags');
    const perturbed = (mask: number) => {
      const regs = t.regs.slice();
      for (let r = 0; r < registers; r++) {
        if (!((mask >>> r) & 1)) continue;
        regs[2 * r] = t.alt[2 * r];
        regs[2 * r + 1] = t.alt[2 * r + 1];
      }
      const o = run(regs, t.flags, t, t.loads);
      seen(o);
      return o;
    };
    let influence = 0;
    let addressInfluence = 0;
    let redirected = false;
    const perturbEach = (mask: number) => {
      for (let r = 0; r < registers; r++) {
        if (!((mask >>> r) & 1)) continue;
        const o = perturbed(1 << r);
        if (differs(base, o, 1 << r, false)) influence |= 1 << r;
        if (o.addresses !== base.addresses) addressInfluence |= 1 << r;
        if (o.nextPc !== base.nextPc) redirected = true;
      }
    };
    perturbEach(sources & ~zero);
    // Every other register at once: any difference means one of them matters (then find which).
    const others = (all & ~sources & ~zero) >>> 0;
    const rest = perturbed(others);
    if (differs(base, rest, others, false)) {
      perturbEach(others);
      if (!(influence & others)) fail('depends on registers outside Sources');
    }
    if (rest.nextPc !== base.nextPc) redirected = true;
    within('influencing registers within Sources', influence >>> 0, sources);
    within('address-forming registers within Address', addressInfluence >>> 0, address);
    everAddress |= addressInfluence;
    if (flagField && t.altFlags !== t.flags) {
      const o = run(t.regs, t.altFlags, t, t.loads);
      seen(o);
      if (differs(base, o, 0, true) && !(flags & RegisterUseFlag.ReadsFlags))
        fail('depends on the flags without ReadsFlags');
      if (o.nextPc !== base.nextPc) redirected = true;
    }
    if (redirected && !(flags & RegisterUseFlag.Branch))
      fail('its next pc depends on registers or flags without Branch');
    everRedirected ||= redirected;
    const other = run(t.regs, t.flags, t, t.altLoads);
    seen(other);
    const fromMemory = differing(base.regs, other.regs, 0);
    within('registers taking loaded data within Loaded', fromMemory, loaded);
    everLoaded |= fromMemory;
  };
  const branchWitness = options.branchWitness ?? true;
  // Exactness needs a witness (a state where the register does matter): more rounds until one turns up.
  const exact = () =>
    address === everAddress >>> 0 &&
    loaded === everLoaded >>> 0 &&
    (!branchWitness || ((flags & RegisterUseFlag.Branch) !== 0) === everRedirected);
  const rng = createPrng(options.seed);
  const runs = options.runs ?? 6;
  for (let round = 0; round === 0 || (round < 8 && !exact()); round++)
    for (let i = 0; i < runs; i++) trial(randomTrial(rng, registers, i % 2 === 1, flagBits));
  within('Sources within registers read', sources, everRead >>> 0);
  within('Destinations within registers written', destinations, everWritten >>> 0);
  if (address !== everAddress >>> 0)
    fail(`Address ${names(address)}, but only ${names(everAddress)} moved an address`);
  if (loaded !== everLoaded >>> 0)
    fail(`Loaded ${names(loaded)}, but only ${names(everLoaded)} took loaded data`);
  if (branchWitness && ((flags & RegisterUseFlag.Branch) !== 0) !== everRedirected)
    fail(everRedirected ? 'redirects without Branch' : 'declares Branch but never redirects');
  if (flags & RegisterUseFlag.ReadsFlags && !everFlagsRead)
    fail('declares ReadsFlags, never reads them');
  if (flags & RegisterUseFlag.WritesFlags && !everFlagsWritten)
    fail('declares WritesFlags, never writes them');
}
