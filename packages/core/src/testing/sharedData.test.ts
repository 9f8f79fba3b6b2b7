import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findSharedDir, sharedPath } from './sharedData';

describe('shared test data', () => {
  const found = findSharedDir();

  it('is found beside the repository root (required when CI=true)', () => {
    if (process.env.CI === 'true') {
      expect(found, 'CI=true: ../shared beside the repository root must exist').toBeDefined();
    }
    if (found) {
      expect(existsSync(join(found, 'litmus'))).toBe(true);
      expect(sharedPath('bpf-conformance')).toBe(join(found, 'bpf-conformance'));
    } else {
      console.warn('shared test data not found; tests that read it are skipped');
    }
  });

  it('is looked up beside the repository root, not beside the package', () => {
    // From a package folder the answer is the same as from the root.
    const fromPackage = findSharedDir({}, join(__dirname, '..', '..'));
    const fromRoot = findSharedDir({}, join(__dirname, '..', '..', '..', '..'));
    expect(fromPackage).toBe(fromRoot);
  });

  it('prefers $EXECMEM_SHARED, and reports a missing folder as not found', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shared-'));
    expect(findSharedDir({ EXECMEM_SHARED: dir })).toBe(dir);
    expect(findSharedDir({ EXECMEM_SHARED: join(dir, 'absent') })).toBeUndefined();
  });
});
