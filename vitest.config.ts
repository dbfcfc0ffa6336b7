import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,search,sync-server,api,client}/{src,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'e2e/**', 'bench/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at once: most of the suite waits on processes and sockets, not the CPU. On
    // this 2-core machine the default (one) took 290 s, two take 210 s (three: 205 s, with every
    // test slower under the load).
    maxWorkers: 2,
    globalSetup: ['scripts/test-tmpdir.ts'],
  },
});
