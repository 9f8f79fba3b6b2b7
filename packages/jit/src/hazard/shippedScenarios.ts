/**
 * The shipped hazard scenarios: every protocol this package ships, checked
 * hazard-free, and the broken variants the checker must catch (a step
 * dropped, or a live patch done without its protocol). `execmem explore`
 * runs them by name through {@link runScenario}.
 *
 * @module
 */

import { type Arch, fail, type IsaState } from '@execmem/core';
import { choosePatchProtocol, patchSteps } from '../patch/patchSteps';
import { formatSteps, type ProtocolStep } from '../publish/protocolStep';
import { publishSteps } from '../publish/publishSteps';
import {
  type CheckProtocolOptions,
  checkProtocol,
  type ExecutorProgram,
  type ProtocolCheck,
} from './checkProtocol';
import { EXECUTOR_PROGRAMS } from './executorPrograms';

/** Arch names the scenarios use (`Arch.name`). */
export type ScenarioArch = 'x86_64' | 'arm64' | 'riscv64';

/** Builds the `Arch` a scenario runs on; `options` are the arch factory's options (e.g. `{ ctrEl0: { idc: true } }`). */
export type ArchResolver = (
  name: ScenarioArch,
  options: Readonly<Record<string, unknown>>,
) => Arch<unknown, IsaState>;

/** A named protocol check. */
export interface ProtocolScenario {
  readonly name: string;
  /** What it shows, for people. */
  readonly description: string;
  readonly arch: ScenarioArch;
  /** Options of the arch factory. */
  readonly archOptions: Readonly<Record<string, unknown>>;
  /** `publish`: the ROX-cache publish protocol; `patch`: `patchText`'s protocol on the live site. */
  readonly kind: 'publish' | 'patch';
  /** Steps (by `step` name) dropped from the shipped protocol; `'*'` drops every step but the writes. */
  readonly omit: readonly string[];
  /** For `patch`: the executors' program and site (offset into the target); default the arch's publish program. */
  readonly program?: ExecutorProgram;
  readonly site?: number;
  readonly trap?: string;
  /** What the checker must find. */
  readonly expect: 'safe' | 'hazard';
}

/**
 * A static key: the site's NOP becomes a branch to the new code. `gap`
 * (a directive, default none) goes before the branch target, to push it
 * out of short-branch range where the NOP is longer than a short branch.
 */
function staticKey(
  nop: string,
  jump: string,
  set: (v: number) => string,
  ret: string,
  gap = '',
): ExecutorProgram {
  const body = (site: string) => `${site}\n${set(1)}\n${ret}\n${gap}\nenabled:\n${set(2)}\n${ret}`;
  return {
    executor: '',
    oldCode: body(nop),
    newCode: body(jump),
    oldValue: 1n,
    newValue: 2n,
  };
}

const ARM64_KEY = staticKey('nop', 'b enabled', (v) => `mov x19, #${v}`, 'ret');
const RISCV_KEY = staticKey('nop', 'j enabled', (v) => `li s0, ${v}`, 'ret');
// x86 jump labels are a 5-byte NOP and a JMP rel32 (arch_jump_label_transform).
const X86_KEY = staticKey(
  '.byte 0x0f, 0x1f, 0x44, 0x00, 0x00',
  'jmp enabled',
  (v) => `mov $${v}, %ebx`,
  'ret',
  '.p2align 8',
);

/**
 * x86 live call patching (static_call, ftrace): the call at offset 15 goes
 * from `one` to `two`, and the executors call it directly. It crosses the
 * 16-byte fetch block and the 8-byte store chunk at offset 16 (so the int3
 * batch writes its tail in one chunk), and the two calls differ in every
 * displacement byte, so a fetch concurrent with a plain write can see it
 * torn.
 */
const X86_CALL_SITE = 15;
function x86Call(callee: string): string {
  return `one:\nmov $1, %ebx\nret\n.byte 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc\nsite:\ncall ${callee}\nret\ntwo:\nmov $2, %ebx\nret`;
}
const X86_CALL: ExecutorProgram = {
  executor: EXECUTOR_PROGRAMS.x86_64.executor.replace('{{target}}', `{{target}}+${X86_CALL_SITE}`),
  oldCode: x86Call('one'),
  newCode: x86Call('two'),
  oldValue: 1n,
  newValue: 2n,
};

/** Every shipped scenario. */
export const shippedScenarios: readonly ProtocolScenario[] = [
  {
    name: 'publish-riscv64',
    description: 'riscv publish: local FENCE.I, fence w,o, remote FENCE.I by IPI',
    arch: 'riscv64',
    archOptions: {},
    kind: 'publish',
    omit: [],
    expect: 'safe',
  },
  {
    name: 'publish-riscv64-local-fence-i-only',
    description: 'riscv publish with only the local FENCE.I: another hart runs its stale copy',
    arch: 'riscv64',
    archOptions: {},
    kind: 'publish',
    omit: ['fence w,o', 'every other CPU'],
    expect: 'hazard',
  },
  {
    name: 'publish-arm64',
    description:
      'arm64 (IDC=0, DIC=0) publish: DC CVAU, DSB ISH, IC IVAU, DSB ISH, ISB on every PE',
    arch: 'arm64',
    archOptions: {},
    kind: 'publish',
    omit: [],
    expect: 'safe',
  },
  {
    name: 'publish-arm64-idc-dic',
    description: 'arm64 with IDC=1 and DIC=1: no cache maintenance, only the ISBs',
    arch: 'arm64',
    archOptions: { ctrEl0: { idc: true, dic: true } },
    kind: 'publish',
    omit: [],
    expect: 'safe',
  },
  {
    name: 'publish-arm64-no-dc-cvau',
    description: 'arm64 (IDC=0) publish without DC CVAU: fetch may miss the uncleaned write',
    arch: 'arm64',
    archOptions: {},
    kind: 'publish',
    omit: ['DC CVAU'],
    expect: 'hazard',
  },
  {
    name: 'publish-arm64-no-ic-ivau',
    description:
      'arm64 (DIC=0) publish without IC IVAU: another PE keeps its stale instruction cache line',
    arch: 'arm64',
    archOptions: {},
    kind: 'publish',
    omit: ['IC IVAU'],
    expect: 'hazard',
  },
  {
    name: 'publish-arm64-no-remote-isb',
    description:
      'arm64 publish without the ISB on the other PEs: instructions fetched earlier survive',
    arch: 'arm64',
    archOptions: {},
    kind: 'publish',
    omit: ['every other CPU'],
    expect: 'hazard',
  },
  {
    name: 'publish-x86_64',
    description: 'x86 publish over code that ran before: serialize every CPU',
    arch: 'x86_64',
    archOptions: {},
    kind: 'publish',
    omit: [],
    expect: 'safe',
  },
  {
    name: 'publish-x86_64-no-serialize',
    description:
      'x86 cross-modifying code without serialization on the executing CPU: it runs the prefetched old code',
    arch: 'x86_64',
    archOptions: {},
    kind: 'publish',
    omit: ['every other CPU'],
    expect: 'hazard',
  },
  {
    name: 'patch-arm64-static-key',
    description: 'arm64 static key (NOP to B) with the protocol the patching rules pick',
    arch: 'arm64',
    archOptions: {},
    kind: 'patch',
    omit: [],
    program: { ...ARM64_KEY, executor: EXECUTOR_PROGRAMS.arm64.executor },
    site: 0,
    expect: 'safe',
  },
  {
    name: 'patch-riscv64-static-key',
    description: 'riscv static key (NOP to J): stop_machine, FENCE.I on every hart',
    arch: 'riscv64',
    archOptions: {},
    kind: 'patch',
    omit: [],
    program: { ...RISCV_KEY, executor: EXECUTOR_PROGRAMS.riscv64.executor },
    site: 0,
    expect: 'safe',
  },
  {
    name: 'patch-x86_64-static-key',
    description:
      'x86 static key (5-byte NOP to JMP rel32): the int3 batch, sync_core on every CPU after each write',
    arch: 'x86_64',
    archOptions: {},
    kind: 'patch',
    omit: [],
    program: { ...X86_KEY, executor: EXECUTOR_PROGRAMS.x86_64.executor },
    site: 0,
    trap: 'int3',
    expect: 'safe',
  },
  {
    name: 'patch-x86_64-call',
    description:
      'x86 live 5-byte call retargeted with the int3 batch: a CPU reaching the site meanwhile emulates the new call',
    arch: 'x86_64',
    archOptions: {},
    kind: 'patch',
    omit: [],
    program: X86_CALL,
    site: X86_CALL_SITE,
    trap: 'int3',
    expect: 'safe',
  },
  {
    name: 'patch-x86_64-call-no-int3',
    description:
      'x86 live 5-byte call rewritten in place without the int3 protocol: a concurrent fetch sees it torn',
    arch: 'x86_64',
    archOptions: {},
    kind: 'patch',
    omit: ['*'],
    program: X86_CALL,
    site: X86_CALL_SITE,
    expect: 'hazard',
  },
];

/** What {@link runScenario} returns. */
export interface ScenarioResult {
  readonly scenario: ProtocolScenario;
  /** The steps the scenario ran. */
  readonly steps: readonly ProtocolStep[];
  readonly check: ProtocolCheck;
  /** The checker's options, for replaying a hazard's trace with `buildProtocolMachine`. */
  readonly options: CheckProtocolOptions<unknown, IsaState>;
  /** True when the checker found what the scenario expects. */
  readonly asExpected: boolean;
  /** A printable report: steps, state count, hazards with their traces. */
  readonly text: string;
}

/** The scenario's protocol on `arch`. */
function scenarioSteps(
  scenario: ProtocolScenario,
  arch: Arch<unknown, IsaState>,
  program: ExecutorProgram,
): ProtocolStep[] {
  let steps: ProtocolStep[];
  if (scenario.kind === 'publish') steps = publishSteps(arch, 'roxCacheTextPoke');
  else {
    const at = (src: string) => arch.isa.assemble(src).bytes.subarray(scenario.site ?? 0);
    const oldBytes = at(program.oldCode);
    const newBytes = at(program.newCode);
    const length = arch.isa.decode(newBytes, 0, newBytes.length)?.length ?? 0;
    const site = { addr: 0n, old: oldBytes.slice(0, length), new: newBytes.slice(0, length) };
    const trapLength = scenario.trap ? arch.isa.assemble(scenario.trap).bytes.length : 1;
    steps = patchSteps(arch, choosePatchProtocol(arch, [site]), length, trapLength);
  }
  if (scenario.omit.includes('*')) {
    return [
      {
        who: 'writer',
        step: 'write the new bytes in place',
        why: 'no protocol',
        action: { kind: 'write' },
      },
    ];
  }
  return steps.filter((s) => !scenario.omit.includes(s.step) && !scenario.omit.includes(s.who));
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** CPUs including the writer; default 2. */
  readonly cpus?: number;
  /** Seeded random runs instead of exhaustive exploration. */
  readonly random?: { readonly seed: number; readonly runs: number };
  /** See {@link CheckProtocolOptions.independence}; default true. */
  readonly independence?: boolean;
}

/**
 * Runs the shipped scenario called `name` on the arch `resolve` builds and
 * returns the check with a printable report. `ENOENT` for an unknown name.
 */
export function runScenario(
  name: string,
  resolve: ArchResolver,
  options: RunScenarioOptions = {},
): ScenarioResult {
  const scenario = shippedScenarios.find((s) => s.name === name);
  if (!scenario) {
    fail(
      'ENOENT',
      `no scenario "${name}" (known: ${shippedScenarios.map((s) => s.name).join(', ')})`,
    );
  }
  const arch = resolve(scenario.arch, scenario.archOptions);
  const program = scenario.program ?? EXECUTOR_PROGRAMS[scenario.arch];
  const steps = scenarioSteps(scenario, arch, program);
  const check: CheckProtocolOptions<unknown, IsaState> = {
    arch,
    cpus: options.cpus ?? 2,
    protocol: steps,
    executors: program,
    ...(scenario.site === undefined ? {} : { site: scenario.site }),
    ...(scenario.trap ? { trap: scenario.trap } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.independence === undefined ? {} : { independence: options.independence }),
  };
  const result = checkProtocol(check);
  const found = result.hazards.length > 0 ? 'hazard' : 'safe';
  const lines = [
    `${scenario.name}: ${scenario.description}`,
    `arch ${arch.name} (${arch.fetchRules.name}), ${check.cpus} CPUs${check.independence === false ? ', private steps interleaved too' : ''}`,
    formatSteps(steps),
    `${result.complete ? 'exhaustive' : 'random'}: ${result.states} states, ${result.executions} executions, ${result.outcomes} outcomes`,
    found === 'safe'
      ? 'no hazard'
      : result.hazards
          .map((h) => `${h.kind}: ${h.detail}\n  trace: ${h.trace.join(',')}`)
          .join('\n'),
    `expected ${scenario.expect}: ${found === scenario.expect ? 'as expected' : 'NOT as expected'}`,
  ];
  return {
    scenario,
    steps,
    check: result,
    options: check,
    asExpected: found === scenario.expect,
    text: lines.join('\n'),
  };
}
