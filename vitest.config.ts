import { defineConfig } from 'vitest/config';

// `npm test`: unit tests next to the code, integration tests over loopback against the
// embedded servers (dynalite, s3rver, aedes). Root-only e2e tests live in test/e2e.
export default defineConfig({
  test: {
    include: ['{shared,lambdas,edge,infra,test}/**/*.test.ts', 'web/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'test/e2e/**', 'cdk.out/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
