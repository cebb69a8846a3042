import { defineConfig } from 'vitest/config';

// One pair of emulators (DynamoDB Local, s3rver) serves the whole run; every test file
// gets its own tables and bucket (see test/support/stack.ts), so files run in parallel
// without seeing each other's data. The PostgreSQL change-data-capture tests are a
// project of their own so that their server (test/support/postgresSetup.ts) starts only
// when one of them is queued: a global setup runs only for a project with tests to run.
// They get emulators of their own too, for the connector runtime's storage.
const POSTGRES_TESTS = 'test/integration/connect/cdc/postgres/**/*.test.ts';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // The SDK warns on every client that Node 20 support ends in 2027; Lambda runs 22.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [POSTGRES_TESTS], globalSetup: ['test/support/globalSetup.ts'] },
      },
      {
        extends: true,
        test: { name: 'postgres', include: [POSTGRES_TESTS], globalSetup: ['test/support/globalSetup.ts', 'test/support/postgresSetup.ts'] },
      },
    ],
  },
});
