// The random-operation property shared by the per-arch property suites:
// sequences of allocations, frees, restores and reclaims, some with an
// injected failure, checked against every invariant after every step.
import {
  createWxAuditor,
  EXECMEM_TYPES,
  type ExecmemInfo,
  type ExecmemType,
  isExecmemError,
  type PageTableFormat,
} from '@execmem/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createExecmemOnPort, EXECMEM_POLICIES, type ExecmemPolicy } from './execmem';
import type { DumpedAllocation, ExecmemDump } from './execmemDump';
import type { ExecmemPort } from './execmemPort';
import { type FaultPoint, withFaultInjection } from './faultInjection';
import { createKernelPort } from './kernelPort';
import { verifyExecmem } from './verifyExecmem';
import type { Window } from './vmapSpace';

/** One operation of a random sequence. */
export type PropertyOp =
  | {
      readonly op: 'alloc';
      readonly type: ExecmemType;
      readonly size: number;
      readonly rw: boolean;
      readonly fault: Fault | null;
    }
  | { readonly op: 'free'; readonly pick: number; readonly fault: Fault | null }
  | { readonly op: 'restore'; readonly pick: number; readonly fault: Fault | null }
  | { readonly op: 'reclaim' };

/** An injected failure: the `after`-th call (0-based) to `point` during the step fails. */
export interface Fault {
  readonly point: FaultPoint;
  readonly after: number;
}

const MB = 1 << 20;
/** Steps between full W^X audits of the whole machine. */
const FULL_AUDIT_EVERY = 8;

const faultArb: fc.Arbitrary<Fault | null> = fc.option(
  fc.record({
    point: fc.constantFrom<FaultPoint>('allocFrames', 'map', 'setMemory', 'textPoke'),
    after: fc.nat(3),
  }),
  { freq: 4 },
);

// Mostly BPF-like sizes, some trampolines and modules, rarely more than a large page.
const sizeArb = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 1, max: 2048 }) },
  { weight: 15, arbitrary: fc.integer({ min: 2049, max: 65536 }) },
  { weight: 4, arbitrary: fc.integer({ min: 65537, max: 2 * MB }) },
  { weight: 1, arbitrary: fc.integer({ min: 2 * MB + 1, max: 5 * MB }) },
);

const opArb: fc.Arbitrary<PropertyOp> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('alloc' as const),
      type: fc.constantFrom(...EXECMEM_TYPES),
      size: sizeArb,
      rw: fc.nat(4).map((n) => n === 0),
      fault: faultArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat(), fault: faultArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('restore' as const), pick: fc.nat(), fault: faultArb }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'reclaim' as const }) },
);

/**
 * Sequences of at most 50 operations: mostly short ones (the cheap way to
 * many distinct starts), one in ten between 13 and 50 long.
 */
export const opsArb: fc.Arbitrary<PropertyOp[]> = fc.oneof(
  { weight: 9, arbitrary: fc.array(opArb, { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.array(opArb, { minLength: 13, maxLength: 50, size: 'max' }) },
);

/** What a property run needs to know about an arch. */
export interface PropertyArch {
  readonly name: string;
  readonly format: PageTableFormat;
  readonly info: (seed: number) => ExecmemInfo;
}

/** Runs per policy so that the three arch suites together run `EXECMEM_PROPERTY_RUNS` (default 10,000) sequences. */
export const RUNS_PER_POLICY = Math.ceil(Number(process.env.EXECMEM_PROPERTY_RUNS ?? 10000) / 12);

/** Time limit of one policy's run (about 20 s of CPU at the default count; CI machines are shared). */
const PROPERTY_TIMEOUT = 300_000;

/** Registers the property for every policy on `arch` (one vitest `it` each). */
export function describeExecmemProperties(arch: PropertyArch): void {
  describe(`${arch.name} execmem properties`, () => {
    for (const policy of EXECMEM_POLICIES) {
      it(
        `${policy}: random sequences keep every invariant`,
        () => {
          fc.assert(
            fc.property(
              fc.nat(),
              fc.constantFrom(32 * MB, 64 * MB, 128 * MB, 256 * MB),
              opsArb,
              (seed, memory, ops) => runSequence(arch, policy, seed, memory, ops),
            ),
            { numRuns: RUNS_PER_POLICY },
          );
        },
        PROPERTY_TIMEOUT,
      );
    }
  });
}

/**
 * Runs one sequence on a fresh machine of `memory` bytes and checks, after
 * every step: the allocator's invariants ({@link verifyExecmem}), a clean
 * W^X audit, that a failed step left the dump, the free frames and the
 * audit unchanged, and that reclaim left no whole free populated area the
 * policy should have returned.
 */
export function runSequence(
  arch: PropertyArch,
  policy: ExecmemPolicy,
  seed: number,
  memory: number,
  ops: readonly PropertyOp[],
): void {
  const info = arch.info(seed);
  const k = createKernelPort(arch.format, memory, info.directMapBase!);
  let fault: Fault | null = null;
  let calls = 0;
  const port = withFaultInjection(
    k.port,
    (point) => fault !== null && point === fault.point && calls++ === fault.after,
  );
  const execmem = createExecmemOnPort(port, info, {
    policy,
    directMap: seed % 2 ? 'readOnly' : 'removed',
  });
  const audit = createWxAuditor([k.space]);
  const live: bigint[] = [];
  const rw: bigint[] = [];
  for (const [index, step] of ops.entries()) {
    fault = 'fault' in step ? step.fault : null;
    calls = 0;
    const before = execmem.dump();
    const frames = k.memory.freeFrameCount;
    let failed: unknown = null;
    try {
      if (step.op === 'alloc') {
        const p = step.rw
          ? execmem.execmemAllocRw(step.type, step.size)
          : execmem.execmemAlloc(step.type, step.size);
        live.push(p);
        if (step.rw && execmem.execmemIsRox(step.type)) rw.push(p);
      } else if (step.op === 'free' && live.length > 0) {
        const p = live.splice(step.pick % live.length, 1)[0];
        const j = rw.indexOf(p);
        if (j >= 0) rw.splice(j, 1);
        execmem.execmemFree(p);
      } else if (step.op === 'restore' && rw.length > 0) {
        const i = step.pick % rw.length;
        const size = execmem.dump().busy.find((a) => a.address === rw[i])!.size;
        execmem.execmemRestoreRox(rw[i], size);
        rw.splice(i, 1);
      } else if (step.op === 'reclaim') {
        execmem.execmemCacheReclaim();
        checkReclaimed(execmem.dump(), policy, k.port.largePageSize);
      }
    } catch (e) {
      failed = e;
    }
    fault = null;
    if (failed !== null) {
      expect(isExecmemError(failed), String(failed)).toBe(true);
      expect(execmem.dump()).toEqual(before);
      expect(k.memory.freeFrameCount).toBe(frames);
    }
    const after = execmem.dump();
    expect(verifyExecmem(execmem, k.port, { scope: changed(k.port, before, after) })).toEqual([]);
    // The full machine-wide audit on a sample of steps; verifyExecmem's
    // incremental W^X check runs after every step.
    if (index % FULL_AUDIT_EVERY === FULL_AUDIT_EVERY - 1 || index === ops.length - 1) {
      const report = audit.audit();
      expect(report.wx).toEqual([]);
      expect(report.aliasWx).toEqual([]);
    }
  }
  expect(verifyExecmem(execmem, k.port)).toEqual([]);
}

/**
 * What one step changed: allocations and areas in one dump and not the
 * other, and the bytes free now that were not free before. The per-step
 * checks look only there; the full check at the end covers the rest.
 */
function changed(port: ExecmemPort, before: ExecmemDump, now: ExecmemDump): Window[] {
  const engine = (a: bigint) => port.toEngine(a);
  const out: Window[] = [];
  const key = (a: { address: bigint; size: number }, extra = '') =>
    `${a.address}:${a.size}:${extra}`;
  const diff = <T extends { address: bigint; size: number }>(
    xs: readonly T[],
    ys: readonly T[],
    extra: (t: T) => string,
  ) => {
    const seen = new Set(ys.map((y) => key(y, extra(y))));
    for (const x of xs) {
      if (!seen.has(key(x, extra(x))))
        out.push({ start: engine(x.address), end: engine(x.address) + x.size });
    }
  };
  const tag = (a: DumpedAllocation) => `${a.type}:${a.rw}`;
  diff(now.busy, before.busy, tag);
  diff(before.busy, now.busy, tag);
  diff(now.pending, before.pending, tag);
  diff(now.areas, before.areas, () => '');
  const old = before.free.map((f) => [engine(f.address), engine(f.address) + f.size] as const);
  for (const f of now.free) {
    const start = engine(f.address);
    const end = start + f.size;
    let at = start;
    for (const [os, oe] of old) {
      if (oe <= at || os >= end) continue;
      if (os > at) out.push({ start: at, end: Math.min(os, end) });
      at = Math.max(at, oe);
    }
    if (at < end) out.push({ start: at, end });
  }
  return out;
}

/** After reclaim: no free area is a whole populated area the policy returns. */
function checkReclaimed(dump: ExecmemDump, policy: ExecmemPolicy, large: number): void {
  if (policy !== 'roxCache' && policy !== 'indexedCache') return;
  for (const area of dump.areas) {
    const whole = dump.free.some((f) => f.address === area.address && f.size === area.size);
    const eligible =
      policy === 'indexedCache' ||
      (large > 0 && Number(area.address % BigInt(large)) === 0 && area.size % large === 0);
    if (whole && eligible) {
      throw new Error(`reclaim left the whole free area ${area.address.toString(16)}+${area.size}`);
    }
  }
}
