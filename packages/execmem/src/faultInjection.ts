import { fail } from '@execmem/core';
import type { ExecmemPort } from './execmemPort';

/** The port operations a fault can be injected into: the ones the kernel can see fail. */
export type FaultPoint = 'allocFrames' | 'map' | 'setMemory' | 'textPoke';

/**
 * Wraps `port` so that an operation fails with `ENOMEM` (before doing
 * anything) whenever `shouldFail(point)` returns true: for testing that
 * every allocator step is atomic and that failed frees are retried.
 */
export function withFaultInjection(
  port: ExecmemPort,
  shouldFail: (point: FaultPoint) => boolean,
): ExecmemPort {
  const check = (point: FaultPoint): void => {
    if (shouldFail(point)) fail('ENOMEM', `injected failure in ${point}`);
  };
  return {
    ...port,
    counters: port.counters,
    largePageSize: port.largePageSize,
    allocFrames(bytes, align) {
      check('allocFrames');
      return port.allocFrames(bytes, align);
    },
    map(va, pa, size, prot, leafSize) {
      check('map');
      port.map(va, pa, size, prot, leafSize);
    },
    setMemory(va, size, prot, mode) {
      check('setMemory');
      port.setMemory(va, size, prot, mode);
    },
    textPoke(va, bytes) {
      check('textPoke');
      port.textPoke(va, bytes);
    },
  };
}
