import { defineConfig } from 'vitest/config';

// Node-side unit and integration tests. Chromium end-to-end tests have their own config.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/promises/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/unit/server/drop-test-databases.global.ts'],
  },
});
