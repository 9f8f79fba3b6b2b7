import { describe, expect, it } from 'vitest';
import { seededChooser } from './chooser';
import { stateCopier } from './loadBuffer';
import { createMachine, type Machine } from './machine';
import { PROT_READ, PROT_RWX, PROT_WRITE } from './pageTableFormat';
import { RELAXED } from './storageModel';
import { toyArch } from './toy/toyArch';
import { toyIsa } from './toy/toyIsa';
import { setInt, toBigint } from './word64';

const CODE = 0x10000n;
const DATA = 0x20000n;

/** A one-CPU relaxed toy machine running `src` with r10 = DATA, where memory holds 7. */
function machine(src: string): { m: Machine; dataPa: number } {
  const m = createMachine({
    arch: toyArch({ storage: RELAXED }),
    cpus: 1,
    memory: 1 << 22,
    chooser: seededChooser(1),
  });
  m.mapNew(CODE, 4096, PROT_RWX);
  const dataPa = m.mapNew(DATA, 4096, PROT_READ | PROT_WRITE);
  m.load(DATA, new Uint8Array([7]));
  m.load(CODE, toyIsa.assemble(`${src}\nhalt`).bytes);
  setInt(m.cpus[0].state.regs, 20, Number(DATA));
  m.start(0, CODE);
  return { m, dataPa };
}

const reg = (m: Machine, r: number) => toBigint(m.cpus[0].state.regs, 2 * r);

describe('the load buffer', () => {
  it('issues a plain load without reading memory; the first instruction using it performs it', () => {
    const { m } = machine('lw r3, 0(r10)\naddi r5, r5, 1\nadd r6, r3, r5');
    m.step();
    expect(m.counters.get('instructions')).toBe(1);
    expect(reg(m, 3)).toBe(0n);
    m.step();
    // An instruction independent of it runs past it.
    expect([reg(m, 3), reg(m, 5)]).toEqual([0n, 1n]);
    m.step();
    expect([reg(m, 3), reg(m, 6)]).toEqual([7n, 8n]);
  });

  it('a TLB shootdown performs buffered loads first: they never read a frame through a translation already gone', () => {
    const { m, dataPa } = machine('lw r3, 0(r10)\naddi r5, r5, 1');
    m.step();
    expect(reg(m, 3)).toBe(0n);
    m.kernel.unmap(DATA, 4096n);
    // The frame is reused after the unmap; the load read it before.
    m.memory.writeBytes(dataPa, new Uint8Array([9]));
    m.run();
    expect(reg(m, 3)).toBe(7n);
  });

  it('an interrupt and an exception are precise: buffered loads perform before the handler runs', () => {
    const { m } = machine('lw r3, 0(r10)\naddi r5, r5, 1\ntrap 5');
    let seen = -1n;
    m.step();
    m.ipis.send(0, () => {
      seen = reg(m, 3);
    });
    m.step();
    expect(seen).toBe(7n);
    const trapped = machine('lw r3, 0(r10)\ntrap 5');
    trapped.m.run();
    expect(trapped.m.cpus[0].stopEvent?.detail).toBe(5);
    expect(reg(trapped.m, 3)).toBe(7n);
  });

  it('copies states of numbers and typed arrays, and refuses any other field', () => {
    const a = { regs: new Uint32Array([1, 2]), pc: 4, nextPc: 8 };
    const b = { regs: new Uint32Array(2), pc: 0, nextPc: 0 };
    stateCopier(a)?.(b, a);
    expect(b).toEqual(a);
    expect(stateCopier({ ...a, monitor: { pa: 0 } })).toBeUndefined();
  });
});
