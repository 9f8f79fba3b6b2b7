#!/usr/bin/env node
// The `execmem` command. npm links a workspace bin only if its file exists at
// install time, so this launcher is committed and loads the built CLI.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('execmem: the CLI is not built yet; run `npm run build` in the repository root');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
