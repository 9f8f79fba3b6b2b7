import { existsSync, statSync } from 'node:fs';
import {
  assembleBpf,
  type BpfConformanceTarget,
  bpfDataFileProgram,
  interpreterTarget,
  jitTarget,
  parseBpfDataFile,
  runConformance,
  verifyBpf,
} from '@execmem/jit';
import { Command, Option } from 'commander';
import { knownArches } from '../arches';
import { ExitCode } from '../exitCode';
import { writeJson } from '../io';
import { createProgress } from '../progress';
import { UsageError } from '../usageError';
import type { CommandFactory } from './index';

/**
 * The eBPF execution targets the CLI offers: the reference interpreter
 * and each arch's JIT, whose code runs on a simulated CPU of that arch.
 */
export const bpfTargets: readonly BpfConformanceTarget[] = [
  interpreterTarget,
  ...knownArches.map((a) => jitTarget(a.name, a.bpf.backend, a.arch({}).isa, a.bpf.runtime)),
];

function selectTargets(name: string): BpfConformanceTarget[] {
  if (name === 'all') return [...bpfTargets];
  const target = bpfTargets.find((t) => t.name === name);
  if (!target) {
    throw new UsageError(
      `no eBPF target '${name}' (available: ${bpfTargets.map((t) => t.name).join(', ')}, all)`,
    );
  }
  return [target];
}

function targetOption(allowAll: boolean): Option {
  const names = bpfTargets.map((t) => t.name);
  return new Option('--arch <target>', 'where to run the program')
    .choices(allowAll ? [...names, 'all'] : names)
    .default(allowAll ? 'all' : 'interp');
}

const runSub: CommandFactory = (io, result) =>
  new Command('run')
    .description(
      'verify and run an eBPF program (a bpf_conformance .data file or assembler text); print r0',
    )
    .argument('<file>', 'a .data file, or eBPF assembler text (- for standard input)')
    .addOption(targetOption(false))
    .option('--json', 'print JSON for machines')
    .action((file: string, opts: { arch: string; json?: boolean }) => {
      const text = io.readFile(file);
      const isDataFile = /^--\s*\w/m.test(text);
      const data = isDataFile ? parseBpfDataFile(text, file) : undefined;
      const program = data ? bpfDataFileProgram(data) : assembleBpf(text);
      verifyBpf(program);
      const [target] = selectTargets(opts.arch);
      const r0 = target.run(program, data?.mem ?? new Uint8Array());
      if (opts.json) writeJson(io.out, { target: target.name, r0 });
      else io.out.write(`0x${r0.toString(16)}\n`);
      result.code = ExitCode.Ok;
    });

const conformanceSub: CommandFactory = (io, result) =>
  new Command('conformance')
    .description('run every .data file of a bpf_conformance folder on each selected target')
    .argument('<dir>', 'folder of .data files')
    .addOption(targetOption(true))
    .option('--json', 'print JSON for machines')
    .action((dir: string, opts: { arch: string; json?: boolean }) => {
      if (!existsSync(dir) || !statSync(dir).isDirectory())
        throw new UsageError(`no folder ${dir}`);
      const targets = selectTargets(opts.arch);
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
