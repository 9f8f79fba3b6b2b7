import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

/** True when `command` can be run on this host (looked up on PATH once). */
export function hasHostTool(command: string): boolean {
  let found = cache.get(command);
  if (found === undefined) {
    found = spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
    cache.set(command, found);
  }
  return found;
}

/** What {@link requireHostTools} decided. */
export interface HostToolCheck {
  /** True when the caller should skip its differential tests. */
  readonly skip: boolean;
  /** Why they are skipped, naming the missing commands and the Debian packages that provide them. */
  readonly reason: string;
}

/**
 * Decides whether differential tests against host tools (GNU binutils,
 * qemu-user) can run. When a tool is missing they are skipped with a clear
 * reason, except under `CI=true`, where a missing tool is an error: CI
 * installs them, so their absence means the tests did not really run.
 */
export function requireHostTools(
  commands: readonly string[],
  debianPackages: string,
  env: Record<string, string | undefined> = process.env,
): HostToolCheck {
  const missing = commands.filter((c) => !hasHostTool(c));
  if (missing.length === 0) return { skip: false, reason: '' };
  const reason = `missing host tools ${missing.join(', ')} (apt-get install ${debianPackages})`;
  if (env.CI === 'true') throw new Error(`CI=true but ${reason}`);
  return { skip: true, reason: `skipped: ${reason}` };
}
