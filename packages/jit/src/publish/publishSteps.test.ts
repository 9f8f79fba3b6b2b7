import { arm64Arch } from '@execmem/arch-arm64';
import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import { describe, expect, it } from 'vitest';
import { checkProtocol } from '../hazard/checkProtocol';
import { EXECUTOR_PROGRAMS } from '../hazard/executorPrograms';
import { formatSteps } from './protocolStep';
import { publishSteps } from './publishSteps';

const names = (steps: { step: string; who: string }[]) => steps.map((s) => `${s.who}: ${s.step}`);

describe('publishSteps, derived from the fetch rules', () => {
  it('riscv: local FENCE.I, fence w,o, remote FENCE.I', () => {
    expect(names(publishSteps(riscvArch(), 'rwThenRox'))).toEqual([
      'writer: write through the RW mapping',
      'writer: set_memory_rox',
      'writer: FENCE.I',
      'writer: fence w,o',
      'every other CPU: FENCE.I',
    ]);
  });

  it('arm64 honours IDC and DIC', () => {
    const full = names(publishSteps(arm64Arch(), 'dualMapping')).slice(2);
    expect(full).toEqual([
      'writer: DC CVAU',
      'writer: DSB ISH',
      'writer: IC IVAU',
      'writer: DSB ISH',
      'writer: ISB',
      'every other CPU: ISB (kick_all_cpus_sync IPI)',
    ]);
    const idc = names(publishSteps(arm64Arch({ ctrEl0: { idc: true } }), 'dualMapping')).slice(2);
    expect(idc).not.toContain('writer: DC CVAU');
    expect(idc).toContain('writer: IC IVAU');
    const both = names(
      publishSteps(arm64Arch({ ctrEl0: { idc: true, dic: true } }), 'dualMapping'),
    );
    expect(both.slice(2)).toEqual(['writer: ISB', 'every other CPU: ISB (kick_all_cpus_sync IPI)']);
  });

  it('x86 serializes only when the range may have been fetched before', () => {
    expect(names(publishSteps(x86Arch(), 'rwThenRox', { fetchedBefore: false }))).toEqual([
      'writer: write through the RW mapping',
      'writer: set_memory_rox',
    ]);
    expect(names(publishSteps(x86Arch(), 'rwThenRox'))).toContain(
      'every other CPU: serialize (sync_core IPI)',
    );
    expect(formatSteps(publishSteps(x86Arch(), 'roxCacheTextPoke'))).toMatch(
      /^1\. writer: text_poke_copy/,
    );
  });

  it('seeded random mode finds the riscv hazard and replays deterministically', () => {
    const arch = riscvArch();
    const protocol = publishSteps(arch, 'roxCacheTextPoke').filter((s) => s.who === 'writer');
    const options = {
      arch,
      cpus: 2,
      protocol,
      executors: EXECUTOR_PROGRAMS.riscv64,
      random: { seed: 1, runs: 200 },
    };
    const a = checkProtocol(options);
    expect(a.hazards.length).toBeGreaterThan(0);
    expect(checkProtocol(options)).toEqual(a);
  });
});
