import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two files at a time: half of the suite waits on sockets and timers, not on the CPU.
    maxWorkers: 2,
  },
});
