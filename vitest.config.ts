import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The emulators serve media over https with a TEST-ONLY certificate (src/playground/tls/). Node reads
// this once, at start, so it is set here, before the workers are forked with this environment.
process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(new URL('./src/playground/tls/test-only-ca.crt', import.meta.url));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two files at a time: half of the suite waits on sockets and timers, not on the CPU.
    maxWorkers: 2,
  },
});
