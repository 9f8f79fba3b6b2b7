import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createMachine } from '@execmem/core';
import {
  createExecmem,
  EXECMEM_POLICIES,
  type ExecmemDump,
  type ExecmemPolicy,
  generateWorkload,
  type WorkloadKind,
} from '@execmem/execmem';
import { Command, Option } from 'commander';
import { archOption, findArch } from '../arches';
import { ExitCode } from '../exitCode';
import { renderSvgMap } from '../svgMap';
import { UsageError } from '../usageError';
import type { CommandFactory } from './index';

/** The workloads `execmem map` offers, as weights of the workload generator's kinds. */
export const MAP_WORKLOADS: Readonly<Record<string, Partial<Record<WorkloadKind, number>>>> = {
  bpf: { bpf: 1, module: 0, kprobe: 0, ftrace: 0 },
  modules: { bpf: 0, module: 1, kprobe: 0, ftrace: 0 },
  mixed: {},
};

/** What {@link mapWorkload} runs. */
export interface MapWorkloadOptions {
  /** An arch name the CLI knows (`x86-64`, `arm64`, `riscv64`). */
  readonly arch: string;
  /** The execmem policy. */
  readonly policy: ExecmemPolicy;
  /** A key of {@link MAP_WORKLOADS}. */
  readonly workload: string;
  /** Seed of KASLR and of the workload. */
  readonly seed: number;
  /** Arrivals of the workload. */
  readonly count: number;
}

/**
 * Runs a seeded workload through `policy` on a 4-CPU machine of the arch,
 * with lifetimes a quarter of the run, up to the last arrival, so the
 * cache shows both live code and the holes frees leave; returns the dump
 * and its SVG map.
 */
export function mapWorkload(options: MapWorkloadOptions): { dump: ExecmemDump; svg: string } {
  const { policy, workload, seed, count } = options;
  const mix = Object.hasOwn(MAP_WORKLOADS, workload) ? MAP_WORKLOADS[workload] : undefined;
  if (!mix)
    throw new UsageError(
      `unknown workload '${workload}' (known: ${Object.keys(MAP_WORKLOADS).join(', ')})`,
    );
  const arch = findArch(options.arch).arch({});
  if (!arch.execmemArchSetup) throw new UsageError(`arch '${options.arch}' has no execmem setup`);
  const machine = createMachine({ arch, cpus: 4, memory: 512 * 2 ** 20, seed });
  const execmem = createExecmem(machine, arch.execmemArchSetup(seed), { policy });
  const live = new Map<number, bigint>();
  const ops = generateWorkload({
    seed,
    arrivals: count,
    mix,
    meanLifetime: Math.max(1, count / 4),
  });
  // Stop at the last arrival: the frees after it would empty the cache.
  let last = ops.length - 1;
  while (last >= 0 && ops[last].op !== 'alloc') last--;
  for (const op of ops.slice(0, last + 1)) {
    if (op.op === 'alloc') live.set(op.id, execmem.execmemAlloc(op.type, op.size));
    else {
      execmem.execmemFree(live.get(op.id)!);
      live.delete(op.id);
    }
  }
  const dump = execmem.dump();
  const svg = renderSvgMap(dump, {
    title: `execmem map: ${options.arch}, ${policy}`,
    subtitle: `workload ${workload}, ${count} arrivals, seed ${seed}; direct map ${dump.directMap}`,
  });
  return { dump, svg };
}

function count(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${name} ${value} is not an integer ≥ ${min}`);
  return n;
}

/** `execmem map --arch A --policy P [--workload W] [--seed N] [--count N] [--out FILE]`: writes the SVG map of a cache. */
export const mapCommand: CommandFactory = (io, result) =>
  new Command('map')
    .description(
      'run a seeded workload through an execmem policy and write an SVG map of its cache',
    )
    .addOption(archOption())
    .addOption(
      new Option('--policy <policy>', 'execmem policy')
        .choices([...EXECMEM_POLICIES])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--workload <kind>', 'what to allocate')
        .choices(Object.keys(MAP_WORKLOADS))
        .default('mixed'),
    )
    .option('--seed <n>', 'seed of KASLR and of the workload', '1')
    .option('--count <n>', 'workload arrivals', '200')
    .option('--out <file>', 'SVG file to write (default execmem-out/map-<arch>-<policy>.svg)')
    .action(
      (opts: {
        arch: string;
        policy: ExecmemPolicy;
        workload: string;
        seed: string;
        count: string;
        out?: string;
      }) => {
        const { dump, svg } = mapWorkload({
          arch: opts.arch,
          policy: opts.policy,
          workload: opts.workload,
          seed: count('--seed', opts.seed, 0),
          count: count('--count', opts.count, 1),
        });
        const out = opts.out ?? join('execmem-out', `map-${opts.arch}-${opts.policy}.svg`);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, svg);
        io.out.write(
          `wrote ${out}: ${dump.busy.length} allocations, ${dump.largePages.length} large pages, ${dump.areas.length} areas\n`,
        );
        result.code = ExitCode.Ok;
      },
    );
