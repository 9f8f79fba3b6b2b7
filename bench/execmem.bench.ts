// execmem allocators side by side: alloc+free throughput and fragmentation on
// a churning mixed workload, then a trace of 10,000 live BPF programs on each
// arch with its costs (large pages, utilization, direct-map splits, TLB
// shootdowns, IPIs) and the iTLB misses of running them round-robin on 4 CPUs.
import {
  arm64CpuProfile,
  arm64PageTableFormat,
  execmemArchSetup as arm64Setup,
  arm64TlbBroadcast,
} from '@execmem/arch-arm64';
import {
  riscvCpuProfile,
  execmemArchSetup as riscvSetup,
  riscvTlbBroadcast,
  sv39PageTableFormat,
} from '@execmem/arch-riscv';
import {
  x86CpuProfile,
  x86PageTableFormat,
  execmemArchSetup as x86Setup,
  x86TlbBroadcast,
} from '@execmem/arch-x86';
import {
  type CpuProfile,
  createWalkResult,
  type ExecmemInfo,
  type PageTableFormat,
  type TlbBroadcast,
} from '@execmem/core';
import {
  createExecmemOnPort,
  createKernelPort,
  EXECMEM_POLICIES,
  type Execmem,
  type ExecmemPolicy,
  generateWorkload,
  type KernelPort,
  type WorkloadOp,
} from '@execmem/execmem';
import { machineLine, opsPerSecond, printTable } from './table.ts';

interface BenchArch {
  readonly name: string;
  readonly format: PageTableFormat;
  readonly info: ExecmemInfo;
  readonly profile: CpuProfile;
  readonly broadcast: TlbBroadcast;
}

const SEED = 1;
const CPUS = 4;
const MEMORY = 1 << 30;
/** Bytes per instruction when converting program sizes to instruction counts. */
const INSN_BYTES = 4;

const arches: BenchArch[] = [
  {
    name: 'x86-64',
    format: x86PageTableFormat,
    info: x86Setup(SEED),
    profile: x86CpuProfile,
    broadcast: x86TlbBroadcast,
  },
  {
    name: 'arm64',
    format: arm64PageTableFormat,
    info: arm64Setup(SEED),
    profile: arm64CpuProfile,
    broadcast: arm64TlbBroadcast,
  },
  {
    name: 'riscv64',
    format: sv39PageTableFormat,
    info: riscvSetup(SEED),
    profile: riscvCpuProfile,
    broadcast: riscvTlbBroadcast,
  },
];

function setup(arch: BenchArch, policy: ExecmemPolicy): { kernel: KernelPort; execmem: Execmem } {
  const kernel = createKernelPort(arch.format, MEMORY, arch.info.directMapBase!, {
    count: CPUS,
    profile: arch.profile,
    broadcast: arch.broadcast,
  });
  return { kernel, execmem: createExecmemOnPort(kernel.port, arch.info, { policy }) };
}

/** Replays `ops`; returns the live allocations (address, requested size) and how many allocations failed. */
function replay(execmem: Execmem, ops: readonly WorkloadOp[], sample?: () => void) {
  const live = new Map<number, [bigint, number]>();
  let failed = 0;
  ops.forEach((op, i) => {
    if (op.op === 'alloc') {
      try {
        live.set(op.id, [execmem.execmemAlloc(op.type, op.size), op.size]);
      } catch {
        failed++;
      }
    } else {
      const a = live.get(op.id);
      if (a) execmem.execmemFree(a[0]);
      live.delete(op.id);
    }
    if (sample && i % 64 === 0) sample();
  });
  return { live: [...live.values()], failed };
}

console.log(machineLine());

// 1. Throughput and fragmentation under churn (x86-64, the default mix).
const churn = generateWorkload({ seed: SEED, arrivals: 20_000, meanLifetime: 300 });
const pairs = churn.filter((o) => o.op === 'alloc').length;
console.log(
  `\n### Alloc+free throughput, x86-64, ${pairs.toLocaleString('en-US')} allocations (BPF, modules, kprobes, ftrace), mean lifetime 300 arrivals\n`,
);
printTable(
  [
    'policy',
    'alloc+free pairs/s',
    'mean utilization',
    'peak populated MiB',
    'set_memory calls',
    'TLB shootdowns',
    'failed',
  ],
  EXECMEM_POLICIES.map((policy) => {
    const { kernel, execmem } = setup(arches[0], policy);
    let utilization = 0;
    let samples = 0;
    let peak = 0;
    // Sampling is outside the timed run.
    const timed = performance.now();
    const { failed } = replay(execmem, churn);
    const seconds = (performance.now() - timed) / 1000;
    const again = setup(arches[0], policy).execmem;
    replay(again, churn, () => {
      const s = again.stats();
      utilization += s.utilization;
      samples++;
      peak = Math.max(peak, s.populatedBytes);
    });
    return [
      policy,
      Math.round(pairs / seconds),
      `${((utilization / samples) * 100).toFixed(1)}%`,
      (peak / 2 ** 20).toFixed(1),
      kernel.counters.get('setMemoryCalls'),
      kernel.counters.get('tlbShootdowns'),
      failed,
    ];
  }),
);

// 1b. The search itself: a cache fragmented into 20,000 64-byte holes, then
// 128-byte programs allocated and freed. The kernel's first fit walks every
// hole; the indexed cache finds a fit by binary search on size.
const HOLES = 20_000;
console.log(
  `\n### Alloc+free of 128-byte programs in a cache fragmented into ${HOLES.toLocaleString('en-US')} 64-byte holes (x86-64)\n`,
);
printTable(
  ['policy', 'alloc+free pairs/s', 'free areas'],
  (['roxCache', 'indexedCache', 'bpfProgPack'] as const).map((policy) => {
    const { execmem } = setup(arches[0], policy);
    const programs = Array.from({ length: 2 * HOLES }, () => execmem.execmemAlloc('bpf', 64));
    programs.forEach((p, i) => {
      if (i % 2 === 0) execmem.execmemFree(p);
    });
    const rate = opsPerSecond(
      (n) => {
        for (let i = 0; i < n; i++) execmem.execmemFree(execmem.execmemAlloc('bpf', 128));
      },
      1000,
      200,
    );
    return [policy, Math.round(rate), execmem.dump().free.length];
  }),
);

// 2. 10,000 live BPF programs per arch, then round-robin execution on 4 CPUs.
const trace = generateWorkload({
  seed: SEED,
  arrivals: 10_000,
  mix: { bpf: 1, module: 0, kprobe: 0, ftrace: 0 },
});

/**
 * Runs every program once in turn, program i on CPU i mod 4, fetching it
 * front to back one fetch block at a time through that CPU's iTLB (a miss
 * walks the kernel tables and refills); the second round is counted.
 * Returns iTLB misses per 1,000 instructions.
 */
function itlbMissesPerKiloInsn(
  kernel: KernelPort,
  programs: readonly [bigint, number][],
  block: number,
): number {
  const walk = createWalkResult();
  const run = () => {
    programs.forEach(([address, size], i) => {
      const tlb = kernel.tlbs[i % CPUS].itlb;
      const va = kernel.port.toEngine(address);
      for (let off = 0; off < size; off += block) {
        if (!tlb.lookup(va + off) && kernel.space.walk(va + off, walk)) {
          tlb.insert(va + off, walk.pa, walk.prot, walk.reachShift);
        }
      }
    });
  };
  run();
  const before = kernel.counters.get('itlbMisses');
  run();
  const instructions = programs.reduce((n, [, size]) => n + Math.ceil(size / INSN_BYTES), 0);
  return ((kernel.counters.get('itlbMisses') - before) / instructions) * 1000;
}

for (const arch of arches) {
  console.log(
    `\n### ${arch.name}: 10,000 live BPF programs (${CPUS} CPUs, ${arch.broadcast} TLB broadcast)\n`,
  );
  printTable(
    [
      'policy',
      'large pages',
      'areas',
      'utilization',
      'direct-map splits',
      'TLB shootdowns',
      'IPIs',
      'trap bytes MiB',
      'iTLB misses / 1k insns',
      'failed',
    ],
    EXECMEM_POLICIES.map((policy) => {
      const { kernel, execmem } = setup(arch, policy);
      const { live, failed } = replay(execmem, trace);
      const s = execmem.stats();
      const c = kernel.counters;
      return [
        policy,
        s.largePages,
        s.areas,
        `${(s.utilization * 100).toFixed(1)}%`,
        c.get('directMapSplits'),
        c.get('tlbShootdowns'),
        c.get('ipis'),
        (c.get('trapBytesWritten') / 2 ** 20).toFixed(1),
        itlbMissesPerKiloInsn(kernel, live, arch.profile.fetchBlockSize).toFixed(2),
        failed,
      ];
    }),
  );
}
