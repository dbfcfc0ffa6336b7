import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,search,sync-server,api,client}/{src,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'e2e/**', 'bench/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['scripts/test-tmpdir.ts'],
  },
});
