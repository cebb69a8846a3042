// A real dev server (the same route table and handlers as deployed), started in-process
// on a free port over the run's shared emulators with a table prefix of its own, so test
// files running in parallel never see each other's data.
import { afterAll, beforeAll, inject } from 'vitest';
import { startDevServer, type DevServer, type DevServerOptions } from '../../../lib/local/devServer.ts';
import { uniquePrefix } from '../../support/stack.ts';

/** The environment that points a dev server at the run's shared emulators (no emulators of its own). */
export function sharedEmulatorsEnv(): NodeJS.ProcessEnv {
  const shared = inject('emulators');
  return {
    // Names a stack, so no emulators of its own are started.
    AWS_ENDPOINT_URL: shared.endpoints.dynamodb,
    AWS_ENDPOINT_URL_DYNAMODB: shared.endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: shared.endpoints.s3,
    AWS_ACCESS_KEY_ID: shared.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: shared.credentials.secretAccessKey,
    ...(shared.credentials.sessionToken ? { AWS_SESSION_TOKEN: shared.credentials.sessionToken } : {}),
    AWS_REGION: shared.region,
  };
}

export async function startTestDevServer(options: Omit<DevServerOptions, 'env' | 'prefix' | 'port'> = {}): Promise<DevServer> {
  return startDevServer({ ...options, port: 0, prefix: uniquePrefix(), quiet: true, env: sharedEmulatorsEnv() });
}

/** beforeAll/afterAll for a dev server; `url` is readable once beforeAll has run. */
export function useDevServer(): { readonly url: string; readonly server: DevServer } {
  let server: DevServer | undefined;
  beforeAll(async () => {
    server = await startTestDevServer();
  });
  afterAll(async () => {
    await server?.stop();
    server = undefined;
  });
  const get = () => {
    if (!server) throw new Error('the dev server runs between beforeAll and afterAll');
    return server;
  };
  return {
    get url() {
      return get().url;
    },
    get server() {
      return get();
    },
  };
}
