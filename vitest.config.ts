import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Child-process tests start the built CLI; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
