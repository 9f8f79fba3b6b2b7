import { defineConfig, type Options } from 'tsup';

/** The build every package shares: ESM + CJS + declarations for each entry point. */
export function packageBuild(entry: Record<string, string> = { index: 'src/index.ts' }) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    shims: true,
  } satisfies Options);
}
