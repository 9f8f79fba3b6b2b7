import { type ExecmemInfo, fail, type Machine, mapDirectMap } from '@execmem/core';
import { createExecmemOnPort, type Execmem, type ExecmemOptions } from './execmem';
import { createMmuPort } from './mmuPort';

/**
 * Creates the execmem allocator of `machine` with the arch's `info`
 * (`machine.arch.execmemArchSetup(seed)`): allocations are mapped in the
 * machine's kernel address space (its TLB flushes count shootdowns and
 * IPIs), and text pokes are CPU 0's stores, so the other CPUs' instruction
 * views see code rewritten under them. Maps the direct map at
 * `info.directMapBase` first when the kernel space has none there.
 */
export function createExecmem(
  machine: Machine,
  info: ExecmemInfo,
  options: ExecmemOptions = {},
): Execmem {
  const space = machine.kernel;
  const base = info.directMapBase;
  if (base === undefined) fail('EINVAL', 'execmem info has no directMapBase to protect aliases in');
  if (space.translate(base) !== undefined) {
    fail(
      'EEXIST',
      `the kernel space already maps 0x${base.toString(16)}; createExecmem maps the direct map itself`,
    );
  }
  const directMap = mapDirectMap(space, base);
  const port = createMmuPort({
    memory: machine.memory,
    space,
    counters: machine.counters,
    directMap,
    poke: (va, bytes) => machine.poke(0, space.fromEngine(va), bytes),
  });
  return createExecmemOnPort(port, info, options);
}
