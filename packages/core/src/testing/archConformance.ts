import { describe, expect, it } from 'vitest';
import { findRegion } from '../addressSpaceLayout';
import type { Arch } from '../arch';
import { validateCpuProfile } from '../cpuProfile';
import { EXECMEM_TYPES, execmemFillPattern, fillPattern } from '../execmemInfo';
import { checkFetchRules } from '../fetchRules';
import { ExceptionCause, type IsaState, type MemoryPort } from '../isa';
import { createMachine } from '../machine';
import { PROT_EXEC, PROT_GLOBAL, PROT_READ, PROT_WRITE } from '../pageTableFormat';
import { PAGE_SIZE } from '../physicalMemory';
import { describePageTableConformance } from './pageTableConformance';
import { checkRegisterUse, type RegisterUseOracleOptions } from './registerUseOracle';

/** Options for {@link describeArchConformance}. */
export interface ArchConformanceOptions {
  /**
   * Instructions in the exact text the arch's disassembler prints, one
   * per entry; each must assemble (at origin 0) and disassemble back to
   * the same text.
   */
  readonly isaSamples?: readonly string[];
  /** The trapping fill pattern when the arch has no `execmemArchSetup` (otherwise every type's fill is checked). */
  readonly trapFill?: Uint8Array;
  /** Seed passed to `execmemArchSetup`; default 1. */
  readonly seed?: number;
  /**
   * How {@link checkRegisterUse} reads the ISA's state when it checks
   * `registerUse` on the samples: a hard-wired zero register, and the
   * field holding the condition flags.
   */
  readonly registerUse?: Pick<RegisterUseOracleOptions, 'zeroRegister' | 'flags'>;
}

/** A port that records the first exception and refuses every memory access. */
function recordingPort(): MemoryPort & { cause: number; accessed: boolean } {
  const port = {
    cause: -1,
    accessed: false,
    load: () => touched(false),
    store: () => touched(false),
    storeConditional: () => touched(-1),
    atomic: () => touched(false),
    fence: () => {},
    cacheOp: () => false,
    contextSync: () => {},
    tlbOp: () => {},
    exception(cause: number) {
      if (port.cause < 0) port.cause = cause;
    },
    exceptionReturn: () => {},
    readSystemRegister: () => false,
    writeSystemRegister: () => false,
  };
  function touched<T>(result: T): T {
    port.accessed = true;
    return result;
  }
  return port;
}

/**
 * Whether executing from `offset` of `bytes` traps at once: the bytes do
 * not decode (an undefined-instruction exception) or the instruction
 * raises a breakpoint or undefined-instruction exception without
 * touching memory.
 */
function trapsAt<I, S extends IsaState>(
  arch: Arch<I, S>,
  bytes: Uint8Array,
  offset: number,
): boolean {
  const decoded = arch.isa.decode(bytes, offset, bytes.length - offset);
  if (decoded === null) return true;
  const state = arch.isa.createState();
  state.pc = offset;
  state.nextPc = offset + decoded.length;
  const port = recordingPort();
  arch.isa.execute(decoded.insn, state, port);
  return (
    !port.accessed &&
    (port.cause === ExceptionCause.Breakpoint || port.cause === ExceptionCause.Undefined)
  );
}

/**
 * The suite every arch backend must pass (STYLE.md, "one conformance
 * suite for every driver"): the page-table part
 * ({@link describePageTableConformance}), the CPU profile and fetch
 * rules, ISA round trips over the arch's own samples, `registerUse`
 * against the executor on those samples ({@link checkRegisterUse}, when
 * the ISA has it), fetch through the MMU on a small machine, and trap fill: execution entering execmem fill
 * at any instruction boundary traps.
 */
export function describeArchConformance<I, S extends IsaState>(
  arch: Arch<I, S>,
  options: ArchConformanceOptions = {},
): void {
  describePageTableConformance({
    name: arch.name,
    format: arch.pageTableFormat,
    layout: arch.layout,
  });

  const info = arch.execmemArchSetup?.(options.seed ?? 1);
  const fills: [string, Uint8Array][] = info
    ? EXECMEM_TYPES.map((t) => [t, execmemFillPattern(info, t)])
    : options.trapFill
      ? [['trapFill', options.trapFill]]
      : [];
  describe(`${arch.name} arch conformance`, () => {
    it('fills execmem with a trapping pattern (execmemArchSetup, or the trapFill option)', () => {
      expect(fills.length).toBeGreaterThan(0);
    });

    it('has a valid CPU profile, fetch rules and TLB broadcast', () => {
      validateCpuProfile(arch.cpuProfile);
      checkFetchRules(arch.fetchRules);
      expect(['ipi', 'hardware']).toContain(arch.tlbBroadcast);
      expect(arch.isa.minLength).toBeGreaterThan(0);
      expect(arch.isa.maxLength).toBeGreaterThanOrEqual(arch.isa.minLength);
      expect(arch.cpuProfile.fetchBlockSize % arch.isa.alignment).toBe(0);
    });

    const samples = options.isaSamples ?? [];
    if (samples.length > 0) {
      it(`round-trips ${samples.length} ISA samples (assemble → bytes → disassemble)`, () => {
        for (const sample of samples) {
          const { bytes } = arch.isa.assemble(sample);
          const text = arch.isa
            .disassemble(bytes)
            .map((d) => d.text)
            .join('; ');
          expect(text, sample).toBe(sample);
        }
      });
    }

    if (samples.length > 0 && arch.isa.registerUse) {
      it('declares in registerUse the data flow the executor shows, for every sample', () => {
        samples.forEach((sample, i) => {
          const { bytes } = arch.isa.assemble(sample);
          for (let at = 0; at < bytes.length; ) {
            const decoded = arch.isa.decode(bytes, at, bytes.length - at);
            if (!decoded) break;
            checkRegisterUse(arch.isa, decoded, {
              ...options.registerUse,
              seed: 0x5eed + i,
              name: sample,
            });
            at += decoded.length;
          }
        });
      });
    }

    it('fetches through the MMU and iTLB: fill mapped executable traps, non-executable memory faults', () => {
      const pattern = fills[0]?.[1];
      expect(pattern).toBeDefined();
      const m = createMachine({ arch, cpus: 2, memory: 16 * 2 ** 20 });
      const text = findRegion(arch.layout, 'modules').start;
      const data = text + 0x10000n;
      m.mapNew(text, PAGE_SIZE, PROT_READ | PROT_EXEC | PROT_GLOBAL);
      m.mapNew(data, PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_GLOBAL);
      const image = new Uint8Array(PAGE_SIZE);
      fillPattern(image, 0, pattern!);
      m.load(text, image);
      m.start(0, text);
      m.start(1, data);
      m.run({ maxSteps: 100 });
      expect([ExceptionCause.Breakpoint, ExceptionCause.Undefined]).toContain(
        m.cpus[0].stopEvent?.cause,
      );
      expect(m.cpus[0].stopEvent?.pc).toBe(m.kernel.toEngine(text));
      expect(m.cpus[1].stopEvent?.cause).toBe('instructionFault');
      expect(m.counters.get('itlbMisses')).toBeGreaterThanOrEqual(1);
    });

    it.each(fills)('traps on entry anywhere into %s fill', (_type, pattern) => {
      const bytes = new Uint8Array(64 + arch.isa.maxLength);
      fillPattern(bytes, 0, pattern);
      for (let offset = 0; offset < 64; offset += arch.isa.alignment) {
        expect(trapsAt(arch, bytes, offset), `offset ${offset}`).toBe(true);
      }
    });
  });
}
