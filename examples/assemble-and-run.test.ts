import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assembleAndRun, loopPrograms } from './assemble-and-run';

describe('assemble-and-run', () => {
  it.each(loopPrograms.map((p) => [p.arch.name, p] as const))(
    '%s: the loop sums 1..10 and stops at its breakpoint',
    (_name, program) => {
      const run = assembleAndRun(program);
      expect(run.result).toBe(55n);
      // Set-up, ten passes of three instructions, and the breakpoint.
      const setup = run.listing.length - 4;
      expect(run.instructions).toBe(setup + 30 + 1);
    },
  );

  it('prints each result and listing when run as a program', () => {
    const script = fileURLToPath(new URL('./assemble-and-run.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
      encoding: 'utf8',
    });
    for (const p of loopPrograms) expect(out).toContain(`${p.arch.name}: ${p.result} = 55 after`);
    expect(out).toMatch(/^ {4}int3$/m);
  });
});
