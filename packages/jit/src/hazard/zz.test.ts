import { arm64Arch } from '@execmem/arch-arm64';
import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import { it } from 'vitest';
import { runScenario, shippedScenarios, type ArchResolver } from './shippedScenarios';
const resolve: ArchResolver = (n, o) => (n === 'arm64' ? arm64Arch(o) : n === 'x86_64' ? x86Arch(o) : riscvArch(o)) as never;
it('scenarios', () => {
  for (const s of shippedScenarios) {
    const t = Date.now();
    const r = runScenario(s.name, resolve);
    console.log(r.text.split('\n').filter((l) => !/^\d+\./.test(l)).join('\n').slice(0, 900), Date.now() - t, 'ms');
  }
});
