// `npm run bench -- NAME` runs bench/NAME.bench.ts; `npm run bench` runs them all.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const names = process.argv.slice(2);
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .sort();
const selected = names.length > 0 ? names : all;
for (const name of selected) {
  const file = join(dir, `${name}.bench.ts`);
  if (!existsSync(file)) {
    console.error(`no benchmark named ${name}; known: ${all.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n## ${name}\n`);
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
