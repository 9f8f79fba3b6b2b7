import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds the repository root: the nearest ancestor of `start` whose
 * `package.json` declares npm workspaces.
 */
function repositoryRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && existsSync(join(dir, 'packages'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The shared test data folder (litmus tests, eBPF conformance files, the
 * reference models): `$EXECMEM_SHARED` when set, else `../shared` beside
 * the repository root. Returns `undefined` when neither exists.
 */
export function findSharedDir(
  env: Record<string, string | undefined> = process.env,
  from: string = process.cwd(),
): string | undefined {
  if (env.EXECMEM_SHARED)
    return existsSync(env.EXECMEM_SHARED) ? resolve(env.EXECMEM_SHARED) : undefined;
  const root = repositoryRoot(from) ?? repositoryRoot(dirname(fileURLToPath(import.meta.url)));
  if (!root) return undefined;
  const candidate = resolve(root, '..', 'shared');
  return existsSync(candidate) ? candidate : undefined;
}

/**
 * The shared test data folder, or a path inside it. Throws when it cannot
 * be found, naming where it looked.
 */
export function sharedPath(...parts: string[]): string {
  const dir = findSharedDir();
  if (!dir) {
    throw new Error(
      'shared test data not found: set EXECMEM_SHARED or place the shared folder beside the repository root (../shared)',
    );
  }
  return join(dir, ...parts);
}
