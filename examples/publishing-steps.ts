/**
 * Prints, for every arch configuration and publish strategy, the steps
 * `handle.finalize()` performs: the same `publishSteps` data the jit
 * package runs. The publishing guide (`docs/guides/publishing-code-safely.md`)
 * embeds this output, and a test keeps the two equal.
 *
 * Run it with `npx tsx --conditions=source examples/publishing-steps.ts`.
 *
 * @module
 */

import { pathToFileURL } from 'node:url';
import { arm64Arch } from '@execmem/arch-arm64';
import { riscvArch } from '@execmem/arch-riscv';
import { x86Arch } from '@execmem/arch-x86';
import type { Arch, IsaState } from '@execmem/core';
import { formatSteps, PUBLISH_STRATEGIES, publishSteps } from '@execmem/jit';

/** The arch configurations the guide covers, by heading. */
export const publishingConfigurations: readonly (readonly [
  string,
  () => Arch<unknown, IsaState>,
])[] = [
  ['x86-64', () => x86Arch() as unknown as Arch<unknown, IsaState>],
  ['arm64, CTR_EL0.IDC=0 DIC=0', () => arm64Arch() as unknown as Arch<unknown, IsaState>],
  [
    'arm64, CTR_EL0.IDC=1 DIC=0',
    () => arm64Arch({ ctrEl0: { idc: true, dic: false } }) as unknown as Arch<unknown, IsaState>,
  ],
  [
    'arm64, CTR_EL0.IDC=1 DIC=1',
    () => arm64Arch({ ctrEl0: { idc: true, dic: true } }) as unknown as Arch<unknown, IsaState>,
  ],
  ['riscv64 (Ziccif)', () => riscvArch() as unknown as Arch<unknown, IsaState>],
];

/** The guide's generated section: one heading and step list per configuration and strategy. */
export function publishingStepsMarkdown(): string {
  const parts: string[] = [];
  for (const [heading, build] of publishingConfigurations) {
    const arch = build();
    for (const strategy of PUBLISH_STRATEGIES) {
      parts.push(
        `### ${heading}: ${strategy}\n\n\`\`\`text\n${formatSteps(publishSteps(arch, strategy))}\n\`\`\`\n`,
      );
    }
  }
  return parts.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(publishingStepsMarkdown());
}
