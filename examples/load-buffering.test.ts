import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exploreLoadBuffering, loadBufferingTests } from './load-buffering';

describe('load-buffering', () => {
  it.each(loadBufferingTests.map((t) => [`${t.arch.name} ${t.name}`, t] as const))(
    '%s',
    (_name, test) => {
      const r = exploreLoadBuffering(test);
      // Weak only where the arch lets a store pass an earlier load and no dependency stops it.
      const weak = test.arch.name !== 'x86_64' && test.name === 'LB';
      expect(r.bothSeeStores).toBe(weak);
      expect(r.outcomes).toEqual(weak ? ['0,0', '0,1', '1,0', '1,1'] : ['0,0', '0,1', '1,0']);
    },
  );

  it('prints a line per test when run as a program', () => {
    const script = fileURLToPath(new URL('./load-buffering.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', script], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/^x86_64 +LB +both loads see the other's store: never/m);
    expect(out).toMatch(/^arm64 +LB +both loads see the other's store: reachable/m);
    expect(out).toMatch(/^riscv64 +LB\+datas +both loads see the other's store: never/m);
  });
});
