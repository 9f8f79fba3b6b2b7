import { defineConfig } from 'vitest/config';

/**
 * The test set-up every package shares: tests sit beside the code and
 * workspace packages resolve to their TypeScript sources (the `source`
 * export condition), so a package's suite runs without building its
 * dependencies first.
 */
export const sharedTestConfig = defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
