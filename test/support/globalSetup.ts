// Starts one pair of emulators (in-memory DynamoDB Local, s3rver on a temp dir) for the
// whole test run and hands their endpoints to the test files through inject('emulators').
// With AWS_ENDPOINT_URL set (LocalStack) nothing is started and that endpoint is provided.
import type { TestProject } from 'vitest/node';
import { startEmulators } from '../../lib/local/emulators.ts';
import { emulatorEndpoints, externalEndpoints, type LocalEndpoints } from '../../lib/local/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    emulators: LocalEndpoints & { external: boolean };
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = externalEndpoints();
  if (external) {
    project.provide('emulators', { ...external, external: true });
    return undefined;
  }
  const emulators = await startEmulators({ quiet: true });
  project.provide('emulators', { ...emulatorEndpoints(emulators), external: false });
  return () => emulators.stop();
}
