import { describe, expect, it } from 'vitest';
import type { Chooser } from './chooser';
import { type FetchRules, staleUntilSyncFetchRules } from './fetchRules';
import { FetchStatus, InstructionViews, MAX_BLOCK_VERSIONS } from './instructionViews';
import { CacheOp } from './isa';
import { createPhysicalMemory } from './physicalMemory';
import { SC, StorageModel } from './storageModel';

const CODE = 0x1000;

function setup(rules: FetchRules) {
  const memory = createPhysicalMemory({ size: 1 << 16 });
  const storage = new StorageModel(memory, 2, SC);
  const views = new InstructionViews(memory, storage, rules);
  views.track(CODE, 4096);
  return { storage, views };
}

/** Fetches 4 bytes at CODE for `cpu`, picking alternative `pick`; returns the first byte and how many alternatives there were. */
function fetch(views: InstructionViews, cpu: number, pick: number, at = CODE) {
  let offered = 1;
  const chooser: Chooser = {
    choose(n) {
      offered = n;
      return Math.min(pick, n - 1);
    },
  };
  const out = new Uint8Array(4);
  views.beginFetch();
  views.fetch(cpu, at, 4, out, 0, chooser);
  return { byte: out[0], offered, status: views.endFetch() };
}

describe('InstructionViews', () => {
  const rules = staleUntilSyncFetchRules({ fetchBlock: 4, icacheLine: 16, dcacheLine: 16 });

  it(`keeps the last ${MAX_BLOCK_VERSIONS} old versions of a block until invalidated`, () => {
    const { storage, views } = setup(rules);
    for (let v = 1; v <= 10; v++) storage.store(0, CODE, 4, v, 0);
    expect(fetch(views, 1, 0)).toEqual({
      byte: 10,
      offered: MAX_BLOCK_VERSIONS + 1,
      status: FetchStatus.Fresh,
    });
    expect(fetch(views, 1, 1)).toMatchObject({
      byte: 10 - MAX_BLOCK_VERSIONS,
      status: FetchStatus.Stale,
    });
    // IC IVAU from any CPU, then the fetching CPU's context synchronization: only memory is left.
    views.cacheOp(0, CacheOp.IcIvau, CODE + 8);
    expect(fetch(views, 1, 1).offered).toBe(MAX_BLOCK_VERSIONS + 1);
    views.contextSync(1);
    expect(fetch(views, 1, 1)).toEqual({ byte: 10, offered: 1, status: FetchStatus.Fresh });
    // Other lines are not affected.
    storage.store(0, CODE + 16, 4, 7, 0);
    expect(fetch(views, 1, 1, CODE + 16)).toMatchObject({ byte: 0, offered: 2 });
  });

  it('with clean-to-PoU, an invalidation exposes only what was cleaned', () => {
    const { storage, views } = setup(
      staleUntilSyncFetchRules({ fetchBlock: 4, icacheLine: 16, dcacheLine: 16, cleanToPou: true }),
    );
    storage.store(0, CODE, 4, 1, 0);
    views.cacheOp(0, CacheOp.IcIvau, CODE);
    views.contextSync(1);
    expect(fetch(views, 1, 1)).toMatchObject({ byte: 0, offered: 2 });
    views.cacheOp(0, CacheOp.DcCvau, CODE);
    views.cacheOp(0, CacheOp.IcIvau, CODE);
    views.contextSync(1);
    expect(fetch(views, 1, 1)).toMatchObject({ byte: 1, offered: 1 });
  });

  it('FENCE.I resynchronizes only the local CPU', () => {
    const { storage, views } = setup(rules);
    storage.store(0, CODE, 4, 1, 0);
    views.cacheOp(0, CacheOp.FenceI, CODE);
    expect(fetch(views, 0, 1).offered).toBe(1);
    expect(fetch(views, 1, 1).offered).toBe(2);
  });

  it('marks an instruction torn when its blocks were never current together', () => {
    const { storage, views } = setup(
      staleUntilSyncFetchRules({
        staleness: 'untilContextSync',
        fetchBlock: 2,
        icacheLine: 16,
        dcacheLine: 16,
      }),
    );
    storage.store(0, CODE, 4, 0x01020304, 0);
    const out = new Uint8Array(4);
    const picks = [0, 1];
    const chooser: Chooser = { choose: () => picks.shift() ?? 0 };
    views.beginFetch();
    views.fetch(1, CODE, 2, out, 0, chooser);
    views.fetch(1, CODE + 2, 2, out, 2, chooser);
    expect(views.endFetch()).toBe(FetchStatus.Stale | FetchStatus.Torn);
    expect([...out]).toEqual([4, 3, 0, 0]);
  });

  it('in program order, a fetch never returns a version older than an earlier fetch could have', () => {
    const order = (fetchOrder: 'free' | 'programOrder') => {
      const { storage, views } = setup(
        staleUntilSyncFetchRules({ fetchBlock: 4, icacheLine: 16, dcacheLine: 16, fetchOrder }),
      );
      storage.store(0, CODE, 4, 1, 0);
      storage.store(0, CODE, 4, 2, 0);
      storage.store(0, CODE + 4, 4, 3, 0);
      return views;
    };
    const free = order('free');
    expect(fetch(free, 1, 0).byte).toBe(2);
    expect(fetch(free, 1, 1)).toMatchObject({ byte: 0, offered: 3 });

    const po = order('programOrder');
    expect(fetch(po, 1, 1)).toMatchObject({ byte: 0, offered: 3 });
    expect(fetch(po, 1, 2)).toMatchObject({ byte: 1, offered: 3 });
    // The version written before the one just fetched is gone for this CPU, not for the other.
    expect(fetch(po, 1, 1)).toMatchObject({ byte: 1, offered: 2 });
    expect(fetch(po, 0, 1)).toMatchObject({ byte: 0, offered: 3 });
    // Memory as it is raises the floor to its write: CODE is now fresh only, while
    // CODE + 4's old version was still current then and stays fetchable.
    expect(fetch(po, 1, 0).byte).toBe(2);
    expect(fetch(po, 1, 1)).toMatchObject({ byte: 2, offered: 1 });
    expect(fetch(po, 1, 1, CODE + 4)).toMatchObject({ byte: 0, offered: 2 });
  });

  it('a fetch of a write made after an invalidation applies it to later fetches without a context synchronization', () => {
    const { storage, views } = setup(rules);
    storage.store(0, CODE, 4, 1, 0);
    views.cacheOp(0, CacheOp.IcIvau, CODE);
    // Memory as it is at CODE was written before the invalidation: no proof the stream is past it.
    expect(fetch(views, 0, 0).byte).toBe(1);
    expect(fetch(views, 0, 1)).toMatchObject({ byte: 0, offered: 2 });
    expect(views.fetchedInstant(0)).toBe(1);
    storage.store(0, CODE + 4, 4, 2, 0);
    expect(fetch(views, 1, 1)).toMatchObject({ byte: 0, offered: 2 });
    expect(views.fetchedInstant(1)).toBe(0);
    // CPU 1 fetches the write made after the invalidation: CODE's old version is gone for it, not for CPU 0.
    expect(fetch(views, 1, 0, CODE + 4).byte).toBe(2);
    expect(views.fetchedInstant(1)).toBe(2);
    expect(fetch(views, 1, 1)).toMatchObject({ byte: 1, offered: 1 });
    expect(fetch(views, 0, 1)).toMatchObject({ byte: 0, offered: 2 });
    // Versions superseded after the invalidation stay fetchable.
    expect(fetch(views, 1, 1, CODE + 4)).toMatchObject({ byte: 0, offered: 2 });
  });

  it("with linear own-store matching, only a store through the fetch's linear address resynchronizes", () => {
    const rules = (ownStoreMatch: 'physical' | 'linear') =>
      setup(
        staleUntilSyncFetchRules({
          staleness: 'untilContextSync',
          fetchBlock: 4,
          ownStoreSyncs: true,
          ownStoreMatch,
        }),
      );
    const ALIAS = 0x9000;
    const physical = rules('physical');
    physical.views.storeIssued(1, CODE, ALIAS);
    physical.storage.store(1, CODE, 4, 1, 0);
    expect(fetch(physical.views, 1, 1)).toMatchObject({ byte: 1, offered: 1 });

    const linear = rules('linear');
    linear.views.storeIssued(1, CODE, ALIAS);
    linear.storage.store(1, CODE, 4, 1, 0);
    expect(fetch(linear.views, 1, 1)).toMatchObject({ byte: 0, offered: 2 });
    // A store with no linear address recorded (another mapping's writer) does not either.
    linear.storage.store(1, CODE, 4, 2, 0);
    expect(fetch(linear.views, 1, 1)).toMatchObject({ byte: 0, offered: 3 });
    linear.views.storeIssued(1, CODE, CODE);
    linear.storage.store(1, CODE, 4, 3, 0);
    expect(fetch(linear.views, 1, 1)).toMatchObject({ byte: 3, offered: 1 });
    expect(fetch(linear.views, 0, 1).offered).toBe(4);
  });

  it('untracked memory keeps no versions', () => {
    const { storage, views } = setup(rules);
    storage.store(0, 0x8000, 4, 1, 0);
    expect(fetch(views, 1, 1, 0x8000)).toEqual({ byte: 1, offered: 1, status: FetchStatus.Fresh });
  });
});
