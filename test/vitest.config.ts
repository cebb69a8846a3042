import { defineConfig } from 'vitest/config';

// One pair of emulators (DynamoDB Local, s3rver) serves the whole run; every test file
// gets its own tables and bucket (see test/support/stack.ts), so files run in parallel
// without seeing each other's data.
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // The SDK warns on every client that Node 20 support ends in 2027; Lambda runs 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
