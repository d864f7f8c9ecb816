import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start servers and subprocesses; two cores here, keep it modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
