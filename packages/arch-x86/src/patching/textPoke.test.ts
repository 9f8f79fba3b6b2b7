import {
  Counter,
  ExecmemError,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { SITE_PAGE, TEXT, x86Machine } from '../testing/x86Machine';
import { pokingInit, textPoke, textPokeCopy, textPokeSet } from './textPoke';
import { textPokeSync } from './textPokeSync';

const BIG = 0xffffffffa0100000n;

function setup(cpus = 1) {
  const m = x86Machine({ cpus });
  m.mapNew(BIG, 4 * 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
  return { m, tp: pokingInit(m) };
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ExecmemError) return e.message;
    throw e;
  }
  return 'no error';
}

describe('text_poke through text_poke_mm', () => {
  it('writes through a private writable alias; the RX mapping is never made writable', () => {
    const { m, tp } = setup();
    const changes: [number, number][] = [];
    m.kernel.addInvalidationListener((s, e) => changes.push([s, e]));
    const before = m.counters.snapshot();
    textPoke(tp, 0, SITE_PAGE + 0x10n, Uint8Array.of(0xe8, 1, 2, 3, 4));
    expect(m.read(SITE_PAGE + 0x10n, 5)).toEqual(Uint8Array.of(0xe8, 1, 2, 3, 4));
    expect(changes).toEqual([]);
    expect((m.kernel.translate(SITE_PAGE)?.prot ?? 0) & PROT_WRITE).toBe(0);
    expect(m.kernel.translate(tp.pokingAddr)).toBeUndefined();
    expect(tp.mm.translate(tp.pokingAddr)).toBeUndefined();
    const d = m.counters.diff(before, m.counters.snapshot());
    expect(d.textPokes).toBe(1);
    expect(d.tlbFlushesLocal).toBe(1);
    // The CR3 switches into and out of text_poke_mm serialize the poking CPU.
    expect(d.contextSyncs).toBe(2);
  });

  it('pokes across a page boundary with both pages mapped at poking_addr', () => {
    const { m, tp } = setup();
    textPoke(tp, 0, SITE_PAGE - 2n, Uint8Array.of(1, 2, 3, 4));
    expect(m.read(TEXT + 0xffen, 2)).toEqual(Uint8Array.of(1, 2));
    expect(m.read(SITE_PAGE, 2)).toEqual(Uint8Array.of(3, 4));
  });

  it('places poking_addr at TASK_UNMAPPED_BASE, or randomly in the user half from a seed', () => {
    const { m, tp } = setup();
    expect(tp.pokingAddr).toBe(0x2aaaaaaab000n);
    const a = pokingInit(m, { seed: 1 }).pokingAddr;
    expect(pokingInit(m, { seed: 1 }).pokingAddr).toBe(a);
    expect(pokingInit(m, { seed: 2 }).pokingAddr).not.toBe(a);
    expect(a % 4096n).toBe(0n);
    expect(a >= 0x2aaaaaaab000n && a < 0x7ffffffff000n - 2n * 4096n).toBe(true);
  });

  it('text_poke_copy and text_poke_set work in pieces of at most two pages', () => {
    const { m, tp } = setup();
    const src = Uint8Array.from({ length: 10000 }, (_, i) => (i * 7) & 0xff);
    const pokes = m.counters.get('textPokes');
    textPokeCopy(tp, 0, BIG + 0x800n, src);
    expect(m.read(BIG + 0x800n, src.length)).toEqual(src);
    // 2 pages - 0x800 = 6144 bytes, then the remaining 3856.
    expect(m.counters.get('textPokes') - pokes).toBe(2);
    textPokeSet(tp, 0, BIG + 0x10n, 0xcc, 100);
    expect(m.read(BIG + 0x10n, 100)).toEqual(new Uint8Array(100).fill(0xcc));
    expect(m.counters.get('textPokes') - pokes).toBe(3);
  });

  it('text_poke_sync serializes every CPU, the others by IPI', () => {
    const { m } = setup(4);
    const ipis = m.counters.values[Counter.ipis];
    const syncs = m.counters.values[Counter.contextSyncs];
    const batch = textPokeSync(m, 2);
    expect(batch.pending).toBe(3);
    m.run({ until: () => batch.pending === 0 });
    expect(batch.pending).toBe(0);
    expect(m.counters.values[Counter.ipis] - ipis).toBe(3);
    expect(m.counters.values[Counter.contextSyncs] - syncs).toBeGreaterThanOrEqual(4);
  });

  it('rejects bad input, naming it, and writes nothing', () => {
    const { m, tp } = setup(2);
    const image = m.read(BIG, 4 * 4096);
    const one = Uint8Array.of(0x90);
    expect(codeOf(() => textPoke(tp, 2, BIG, one))).toMatch(/^EINVAL: CPU 2 does not exist/);
    expect(codeOf(() => textPoke(tp, -1, BIG, one))).toMatch(/^EINVAL: CPU -1/);
    expect(codeOf(() => textPoke(tp, 0, BIG, new Uint8Array(0)))).toMatch(
      /^EINVAL: empty text poke at 0xffffffffa0100000/,
    );
    expect(codeOf(() => textPoke(tp, 0, BIG + 1n, new Uint8Array(8192)))).toMatch(
      /^EINVAL: text poke of 8192 bytes at 0xffffffffa0100001 spans more than two pages/,
    );
    expect(codeOf(() => textPoke(tp, 0, 0xffffffffa0200000n, one))).toMatch(
      /^EFAULT: text address 0xffffffffa0200000 is not mapped/,
    );
    // The last page of BIG is mapped, the next one is not: nothing of the copy is written.
    expect(
      codeOf(() => textPokeCopy(tp, 0, BIG + 3n * 4096n, new Uint8Array(4097).fill(1))),
    ).toMatch(/^EFAULT: text address 0xffffffffa0104000 is not mapped/);
    expect(codeOf(() => textPokeSet(tp, 0, BIG, 256, 4))).toMatch(
      /^EINVAL: fill byte 256 is not in 0..255/,
    );
    expect(codeOf(() => textPokeSet(tp, 0, BIG, 0xcc, 0))).toMatch(/^EINVAL: fill length 0/);
    expect(m.read(BIG, 4 * 4096)).toEqual(image);
    expect(m.counters.get('textPokes')).toBe(0);
  });
});
