import { defineConfig } from 'vitest/config';

// `npm run test:e2e`: whole processes, network namespaces, QEMU VMs and real peers.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
