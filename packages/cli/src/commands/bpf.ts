import { existsSync, statSync } from 'node:fs';
import { createMachine, fail, isExecmemError, type Machine } from '@execmem/core';
import { createExecmem, EXECMEM_POLICIES, type ExecmemPolicy } from '@execmem/execmem';
import {
  assembleBpf,
  type BpfConformanceTarget,
  bpfDataFileProgram,
  bpfJitDriver,
  interpreterTarget,
  parseBpfDataFile,
  runConformance,
  verifyBpf,
} from '@execmem/jit';
import { Command, Option } from 'commander';
import { type ArchEntry, knownArches } from '../arches';
import { ExitCode } from '../exitCode';
import { writeJson } from '../io';
import { createProgress } from '../progress';
import { UsageError } from '../usageError';
import type { CommandFactory } from './index';

/**
 * An arch's eBPF target: the jit driver on a 2-CPU machine of that arch,
 * built on first use. Each program is verified, JIT'd for its allocation's
 * address, allocated through execmem (`bpf` type, the given policy),
 * published with the arch's protocol and run on a simulated CPU.
 */
export function archBpfTarget(entry: ArchEntry, policy: ExecmemPolicy): BpfConformanceTarget {
  let driver: ReturnType<typeof bpfJitDriver> | undefined;
  return {
    name: entry.name,
    run(program, mem) {
      if (!driver) {
        const arch = entry.arch();
        const machine = createMachine({ arch, cpus: 2, seed: 1 }) as unknown as Machine;
        const info =
          arch.execmemArchSetup?.(1) ?? fail('ENOSYS', `${entry.name} has no execmem setup`);
        driver = bpfJitDriver(
          machine,
          createExecmem(machine, info, { policy }),
          entry.bpf.backend,
          entry.bpf.runtime,
        );
      }
      const handle = driver.load(program);
      try {
        return driver.run(handle, mem);
      } finally {
        driver.unload(handle);
      }
    },
  };
}

/** The targets the CLI offers: the reference interpreter and each arch's JIT. */
function bpfTargets(policy: ExecmemPolicy): BpfConformanceTarget[] {
  return [interpreterTarget, ...knownArches.map((a) => archBpfTarget(a, policy))];
}

const targetNames = ['interp', ...knownArches.map((a) => a.name)];

function selectTargets(name: string, policy: ExecmemPolicy): BpfConformanceTarget[] {
  const targets = bpfTargets(policy);
  if (name === 'all') return targets;
  const target = targets.find((t) => t.name === name);
  if (!target) {
    throw new UsageError(`no eBPF target '${name}' (available: ${targetNames.join(', ')}, all)`);
  }
  return [target];
}

function policyOption(): Option {
  return new Option('--policy <policy>', "execmem policy the JIT'd code is allocated with")
    .choices([...EXECMEM_POLICIES])
    .default('roxCache');
}

function targetOption(allowAll: boolean): Option {
  return new Option('--arch <target>', 'where to run the program')
    .choices(allowAll ? [...targetNames, 'all'] : targetNames)
    .default(allowAll ? 'all' : 'interp');
}

/** Error codes of a program that was accepted but failed while running, on any target. */
const RUN_FAILURES = ['EFAULT', 'ENOSYS', 'E2BIG'] as const;

const runSub: CommandFactory = (io, result) =>
  new Command('run')
    .description(
      'verify and run an eBPF program (a bpf_conformance .data file or assembler text); print r0',
    )
    .argument('<file>', 'a .data file, or eBPF assembler text (- for standard input)')
    .addOption(targetOption(false))
    .addOption(policyOption())
    .option('--json', 'print JSON for machines')
    .action((file: string, opts: { arch: string; policy: ExecmemPolicy; json?: boolean }) => {
      const text = io.readFile(file);
      const isDataFile = /^--\s*\w/m.test(text);
      const data = isDataFile ? parseBpfDataFile(text, file) : undefined;
      const program = data ? bpfDataFileProgram(data) : assembleBpf(text);
      verifyBpf(program);
      const [target] = selectTargets(opts.arch, opts.policy);
      let r0: bigint;
      try {
        r0 = target.run(program, data?.mem ?? new Uint8Array());
      } catch (e) {
        // The program ran and failed (a fault, a callx with no target, a runaway loop): a failed check.
        if (!RUN_FAILURES.some((code) => isExecmemError(e, code))) throw e;
        io.err.write(`execmem: ${target.name}: ${(e as Error).message}\n`);
        result.code = ExitCode.CheckFailed;
        return;
      }
      if (opts.json) writeJson(io.out, { target: target.name, r0 });
      else io.out.write(`0x${r0.toString(16)}\n`);
      result.code = ExitCode.Ok;
    });

const conformanceSub: CommandFactory = (io, result) =>
  new Command('conformance')
    .description('run every .data file of a bpf_conformance folder on each selected target')
    .argument('<dir>', 'folder of .data files')
    .addOption(targetOption(true))
    .addOption(policyOption())
    .option('--json', 'print JSON for machines')
    .action((dir: string, opts: { arch: string; policy: ExecmemPolicy; json?: boolean }) => {
      if (!existsSync(dir) || !statSync(dir).isDirectory())
        throw new UsageError(`no folder ${dir}`);
      const targets = selectTargets(opts.arch, opts.policy);
      const progress = createProgress('conformance', targets.length, io.err);
      const results = targets.flatMap((t) => {
        const r = runConformance(dir, [t]);
        progress.tick(t.name);
        return r;
      });
      progress.done();
      const failed = results.filter((r) => !r.pass).length;
      if (opts.json) {
        writeJson(io.out, { results, passed: results.length - failed, failed });
      } else {
        for (const r of results) {
          io.out.write(`${r.pass ? 'PASS' : 'FAIL'}\t${r.target}\t${r.file}\t${r.reason}\n`);
        }
        io.out.write(`${results.length - failed} passed, ${failed} failed\n`);
      }
      result.code = failed > 0 ? ExitCode.CheckFailed : ExitCode.Ok;
    });

/** `execmem bpf run|conformance`: the eBPF front end, interpreter and JIT targets. */
export const bpfCommand: CommandFactory = (io, result) =>
  new Command('bpf')
    .description('eBPF (RFC 9669): run programs, run the bpf_conformance suite')
    .addCommand(runSub(io, result))
    .addCommand(conformanceSub(io, result));
