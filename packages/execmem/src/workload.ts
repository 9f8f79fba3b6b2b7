import { createPrng, type ExecmemType, fail } from '@execmem/core';

/** What a workload allocates for. */
export type WorkloadKind = 'bpf' | 'module' | 'kprobe' | 'ftrace';

/** One step of a workload: allocate `size` bytes of `type` as allocation `id`, or free allocation `id`. */
export type WorkloadOp =
  | { readonly op: 'alloc'; readonly id: number; readonly type: ExecmemType; readonly size: number }
  | { readonly op: 'free'; readonly id: number };

/** Options of {@link generateWorkload}. */
export interface WorkloadOptions {
  /** Seed of every random choice. */
  readonly seed: number;
  /** Number of arrivals (a module load is one arrival of two allocations: text and data). */
  readonly arrivals: number;
  /** Relative weights of the kinds; default BPF 70, modules 10, kprobes 10, ftrace 10. */
  readonly mix?: Partial<Record<WorkloadKind, number>>;
  /** Mean time between arrivals (exponential); default 1. */
  readonly meanInterarrival?: number;
  /**
   * Mean lifetime (exponential) in the same time unit; modules live ten
   * times longer, trampolines a tenth as long. `Infinity` (the default)
   * never frees, which builds a trace of live programs.
   */
  readonly meanLifetime?: number;
}

const KINDS: readonly WorkloadKind[] = ['bpf', 'module', 'kprobe', 'ftrace'];
const DEFAULT_MIX: Record<WorkloadKind, number> = { bpf: 70, module: 10, kprobe: 10, ftrace: 10 };
const LIFETIME_FACTOR: Record<WorkloadKind, number> = {
  bpf: 1,
  module: 10,
  kprobe: 0.1,
  ftrace: 0.1,
};

/**
 * A seeded trace of allocations and frees, in time order: BPF programs
 * whose JITed size is log-uniform in three bands (half under 500 bytes,
 * three quarters under 2 KiB, the tail up to 64 KiB), module loads with
 * text of 4 KiB to 2 MiB and data of 4 KiB to 512 KiB (log-uniform),
 * kprobe and ftrace trampolines of one page; Poisson arrivals and
 * exponential lifetimes.
 */
export function generateWorkload(options: WorkloadOptions): WorkloadOp[] {
  const { seed, arrivals, meanInterarrival = 1, meanLifetime = Number.POSITIVE_INFINITY } = options;
  if (!Number.isSafeInteger(arrivals) || arrivals < 0)
    fail('EINVAL', `workload arrivals ${arrivals} is not a count`);
  if (!(meanInterarrival > 0))
    fail('EINVAL', `mean interarrival ${meanInterarrival} is not positive`);
  if (!(meanLifetime > 0)) fail('EINVAL', `mean lifetime ${meanLifetime} is not positive`);
  const mix = { ...DEFAULT_MIX, ...options.mix };
  for (const k of KINDS) {
    if (!(mix[k] >= 0))
      fail('EINVAL', `workload weight of ${k} ${mix[k]} is not a non-negative number`);
  }
  const total = KINDS.reduce((n, k) => n + mix[k], 0);
  if (!(total > 0)) fail('EINVAL', 'workload mix has no positive weight');
  const prng = createPrng(seed);
  const uniform = (): number => (prng.next() + 1) / 2 ** 32;
  const exponential = (mean: number): number => -Math.log(uniform()) * mean;
  const logUniform = (lo: number, hi: number): number => Math.floor(lo * (hi / lo) ** uniform());
  const pickKind = (): WorkloadKind => {
    let u = uniform() * total;
    for (const k of KINDS) {
      u -= mix[k];
      if (u <= 0 && mix[k] > 0) return k;
    }
    return KINDS.filter((k) => mix[k] > 0).at(-1)!;
  };
  const bpfSize = (): number => {
    const band = uniform();
    if (band < 0.5) return logUniform(64, 500);
    if (band < 0.75) return logUniform(500, 2048);
    return Math.min(65536, logUniform(2048, 65537));
  };

  const events: { time: number; seq: number; op: WorkloadOp }[] = [];
  let now = 0;
  let id = 0;
  const push = (time: number, op: WorkloadOp) => events.push({ time, seq: events.length, op });
  for (let i = 0; i < arrivals; i++) {
    now += exponential(meanInterarrival);
    const kind = pickKind();
    const lifetime = exponential(meanLifetime * LIFETIME_FACTOR[kind]);
    const allocs: [ExecmemType, number][] =
      kind === 'bpf'
        ? [['bpf', bpfSize()]]
        : kind === 'module'
          ? [
              ['moduleText', logUniform(4096, 2 * 1024 * 1024 + 1)],
              ['moduleData', logUniform(4096, 512 * 1024 + 1)],
            ]
          : [[kind === 'kprobe' ? 'kprobes' : 'ftrace', 4096]];
    for (const [type, size] of allocs) {
      const n = id++;
      push(now, { op: 'alloc', id: n, type, size });
      if (Number.isFinite(lifetime)) push(now + lifetime, { op: 'free', id: n });
    }
  }
  events.sort((a, b) => a.time - b.time || a.seq - b.seq);
  return events.map((e) => e.op);
}
