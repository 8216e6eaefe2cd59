import { defineConfig } from 'vitest/config';

/**
 * `npm test` runs everything, the chaos suite on Postgres included (three instances killed at
 * random, Postgres crashed, connections cut; about a minute). `npm run test:chaos` runs only it,
 * and `CHAOS_SEED=N` replays one run.
 */
const CHAOS = 'test/chaos/postgres-chaos.test.ts';

export default defineConfig({
  test: {
    include: process.env.CARTWATCH_CHAOS === '1' ? [CHAOS] : ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Child-process tests start the built CLI several times each; a busy machine makes that slow.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Child-process tests start the built CLI; two cores, so keep parallelism modest.
    maxWorkers: 2,
  },
});
