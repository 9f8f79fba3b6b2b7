// Runs publint (strict) and Are The Types Wrong (packed) on every workspace package.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const failures = [];
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgDir = join(root, 'packages', dir);
  const { name, private: isPrivate } = JSON.parse(
    readFileSync(join(pkgDir, 'package.json'), 'utf8'),
  );
  if (isPrivate) continue;
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    process.stdout.write(`${name}: ${tool}\n`);
    try {
      execFileSync(join(root, 'node_modules', '.bin', tool), args, {
        cwd: pkgDir,
        stdio: 'inherit',
      });
    } catch {
      failures.push(`${name} (${tool})`);
    }
  }
}
if (failures.length > 0) {
  console.error(`package checks failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log('package checks passed');
