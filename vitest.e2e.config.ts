import { defineConfig } from 'vitest/config';

// End-to-end tests: real Chromium (Debian's) driven by playwright-core.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    // Builds the renderer once (Vite mode 'e2e') for every test file.
    globalSetup: ['test/e2e/global-setup.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
