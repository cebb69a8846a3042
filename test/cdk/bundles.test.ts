// Each function's bundle, built with the construct's own esbuild options (cdk/bundling.ts),
// loads in plain Node and answers real API Gateway events without AWS. Every AWS call
// would go to an unreachable endpoint, so a 400 here also proves the validation path
// returns before any storage access. Bundle sizes are printed and kept under budgets.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE, PROJECT_ROOT, esbuildBuildOptions } from '../../cdk/bundling.ts';
import { buildV2Event } from '../../lib/api/index.ts';
import { FUNCTIONS, ROUTES, type FunctionName } from '../../lib/api/routes.ts';
import { BUCKET_ENV_VAR, TABLE_IDS, tableEnvVar } from '../../lib/storage/definitions.ts';

const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

/**
 * Size budgets for index.mjs (minified): each function's size when last measured plus about
 * 15%, so that growth is noticed. health stays SDK-free; admin and subscriptions carry the
 * DynamoDB client only (no bucket access); the others also carry the S3 client, and the
 * dispatcher the Lambda and SQS clients; connectors and connectorRuntime carry every
 * connector (the AWS clients of the CDC sources and sinks, and pg). Request bodies are
 * checked with zod/mini.
 *
 *   measured (KiB): admin 425, produce 612, fetch 671, groups 633, health 48,
 *                   maintenance 617, subscriptions 441, dispatcher 690, transactions 680,
 *                   connectors 1013, connectorRuntime 1029, processors (not yet measured)
 */
const BUDGET_BYTES: Record<FunctionName, number> = {
  admin: 490 * 1024,
  produce: 705 * 1024,
  fetch: 770 * 1024,
  groups: 730 * 1024,
  health: 55 * 1024,
  maintenance: 710 * 1024,
  subscriptions: 510 * 1024,
  dispatcher: 795 * 1024,
  push: 760 * 1024,
  transactions: 760 * 1024,
  connectors: 1165 * 1024,
  connectorRuntime: 1185 * 1024,
  processors: 560 * 1024,
};

let dir: string;
const bundles = {} as Record<FunctionName, string>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sluice-bundles-'));
  const rows: string[] = [];
  await Promise.all(
    FUNCTION_NAMES.map(async (fn) => {
      const out = path.join(dir, fn);
      await esbuild.build(esbuildBuildOptions(path.join(PROJECT_ROOT, FUNCTIONS[fn].entry), out));
      bundles[fn] = path.join(out, LAMBDA_BUNDLE.outFile);
    }),
  );
  for (const fn of FUNCTION_NAMES) {
    const js = statSync(bundles[fn]).size;
    const map = statSync(`${bundles[fn]}.map`).size;
    rows.push(`  ${fn.padEnd(13)} ${(js / 1024).toFixed(1).padStart(8)} KiB index.mjs  ${(map / 1024).toFixed(1).padStart(8)} KiB map`);
  }
  console.log(`Lambda bundle sizes (esbuild, ${LAMBDA_BUNDLE.format}, ${LAMBDA_BUNDLE.target}, minified):\n${rows.join('\n')}`);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Environment of a deployed function, with dummy names and no reachable AWS. */
const lambdaEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_OPTIONS: '--enable-source-maps',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'dummy-secret',
    // Any AWS call fails fast (connection refused) and would surface as a 503.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'sluice',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    [BUCKET_ENV_VAR]: 'dummy-bucket',
  };
  for (const id of TABLE_IDS) env[tableEnvVar(id)] = `dummy-${id}`;
  return env;
};

interface Invocation {
  exported: string[];
  result: { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };
}

/** Import the bundle in a fresh Node process (as Lambda would) and call its handler once. */
function invoke(fn: FunctionName, event: unknown): Invocation {
  const script = `
    import { readFileSync } from 'node:fs';
    import { pathToFileURL } from 'node:url';
    const mod = await import(pathToFileURL(process.argv[1]).href);
    const event = JSON.parse(readFileSync(0, 'utf8'));
    const context = { awsRequestId: 'test-request', getRemainingTimeInMillis: () => 28000 };
    const result = await mod.handler(event, context);
    process.stdout.write(JSON.stringify({ exported: Object.keys(mod), result }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, bundles[fn]], {
    input: JSON.stringify(event),
    env: lambdaEnv(),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (child.status !== 0) throw new Error(`${fn} bundle failed (exit ${child.status}):\n${child.stderr}`);
  return JSON.parse(child.stdout) as Invocation;
}

const bodyOf = (r: Invocation['result']): any =>
  JSON.parse(r.isBase64Encoded ? Buffer.from(r.body ?? '', 'base64').toString('utf8') : (r.body ?? ''));

/** A REST API (payload v1) proxy event, as API Gateway builds it for stage "prod". */
function v1Event(method: string, resource: string, p: string, body?: string, pathParameters?: Record<string, string>): APIGatewayProxyEvent {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Host: 'api.example.com' };
  return {
    resource,
    path: p,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: pathParameters ?? null,
    stageVariables: null,
    body: body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        accessKey: null, accountId: null, apiKey: null, apiKeyId: null, caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null,
        cognitoIdentityPoolId: null, principalOrgId: null, sourceIp: '127.0.0.1', user: null,
        userAgent: 'vitest', userArn: null,
      },
      path: `/prod${p}`,
      stage: 'prod',
      requestId: 'rest-request',
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: resource,
    },
  };
}

describe('bundled functions', () => {
  it('are ESM bundles that export handler, within their size budgets', () => {
    for (const fn of FUNCTION_NAMES) {
      expect(statSync(bundles[fn]).size, `${fn} index.mjs`).toBeLessThan(BUDGET_BYTES[fn]);
    }
  });

  it('every function with routes loads, exports handler and answers an unknown route with 404 NOT_FOUND', () => {
    for (const fn of FUNCTION_NAMES.filter((f) => ROUTES.some((r) => r.fn === f))) {
      const { exported, result } = invoke(fn, buildV2Event({ method: 'GET', rawPath: '/v1/no-such-route' }));
      expect(exported, fn).toEqual(['handler']);
      expect(result.statusCode, fn).toBe(404);
      expect(bodyOf(result).error.code, fn).toBe('NOT_FOUND');
    }
  });

  it('functions without routes (the dispatcher) load, export handler and answer their own events', () => {
    const routeless = FUNCTION_NAMES.filter((f) => !ROUTES.some((r) => r.fn === f));
    expect(routeless).toContain('dispatcher');
    const { exported, result } = invoke('dispatcher', { Records: [] });
    expect(exported).toEqual(['handler']);
    expect(result).toMatchObject({ batchItemFailures: [] });
  });

  it('health (HTTP API v2): 200 {"status":"ok"}', () => {
    const { exported, result } = invoke('health', buildV2Event({ method: 'GET', rawPath: '/v1/health' }));
    expect(exported).toContain('handler');
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ status: 'ok' });
  });

  it('health (REST API v1): 200 {"status":"ok"}', () => {
    const { result } = invoke('health', v1Event('GET', '/v1/health', '/v1/health'));
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ status: 'ok' });
  });

  it('admin: an empty topic name is 400 INVALID_TOPIC_EXCEPTION (v2 and v1), before any AWS call', () => {
    const body = JSON.stringify({ name: '' });
    const v2 = invoke('admin', buildV2Event({ method: 'POST', rawPath: '/v1/topics', headers: { 'content-type': 'application/json' }, body }));
    expect(v2.result.statusCode).toBe(400);
    expect(bodyOf(v2.result).error.code).toBe('INVALID_TOPIC_EXCEPTION');
    const v1 = invoke('admin', v1Event('POST', '/v1/topics', '/v1/topics', body));
    expect(v1.result.statusCode).toBe(400);
    expect(bodyOf(v1.result).error.code).toBe('INVALID_TOPIC_EXCEPTION');
  });

  it('admin: malformed JSON is 400 INVALID_REQUEST', () => {
    const { result } = invoke(
      'admin',
      buildV2Event({ method: 'POST', rawPath: '/v1/topics', headers: { 'content-type': 'application/json' }, body: '{"name":' }),
    );
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error.code).toBe('INVALID_REQUEST');
  });

  it('produce: malformed JSON is 400 INVALID_REQUEST', () => {
    const { result } = invoke(
      'produce',
      buildV2Event({ method: 'POST', rawPath: '/v1/topics/orders/records', headers: { 'content-type': 'application/json' }, body: '[' }),
    );
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error.code).toBe('INVALID_REQUEST');
  });

  it('fetch: a missing offset is 400 INVALID_REQUEST', () => {
    const { result } = invoke('fetch', buildV2Event({ method: 'GET', rawPath: '/v1/topics/orders/partitions/0/records' }));
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error.code).toBe('INVALID_REQUEST');
  });

  it('produce: zod messages name each field, in English (zod/mini with the English locale)', () => {
    const { result } = invoke(
      'produce',
      buildV2Event({
        method: 'POST',
        rawPath: '/v1/topics/orders/records',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ records: [{ partition: -1, vlaue: 1 }], acks: 'all' }),
      }),
    );
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: "Invalid request body: 'records[0].partition': Too small: expected number to be >=0; unknown field 'records[0].vlaue'; unknown field 'acks'.",
    });
  });

  it('subscriptions: an invalid subscription is 400 INVALID_REQUEST naming the fields, before any AWS call', () => {
    const { result } = invoke(
      'subscriptions',
      buildV2Event({
        method: 'POST',
        rawPath: '/v1/topics/orders/subscriptions',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', target: { type: 'http' }, batchSize: 0 }),
      }),
    );
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toMatchObject({
      code: 'INVALID_REQUEST',
      message: "Invalid request body: 'target.url' is required; 'batchSize': must be an integer from 1 to 10000.",
    });
  });

  it('maintenance: an unknown body field is 400 INVALID_REQUEST', () => {
    const { result } = invoke(
      'maintenance',
      buildV2Event({ method: 'POST', rawPath: '/v1/maintenance', headers: { 'content-type': 'application/json' }, body: '{"all":true}' }),
    );
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error.code).toBe('INVALID_REQUEST');
  });

  it('a storage call really fails here (so the 400s above never reached AWS)', () => {
    const { result } = invoke('admin', buildV2Event({ method: 'GET', rawPath: '/v1/topics' }));
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result).error.retriable).toBe(true);
    const subscriptions = invoke('subscriptions', buildV2Event({ method: 'GET', rawPath: '/v1/topics/orders/subscriptions' }));
    expect(subscriptions.result.statusCode).toBe(503);
    expect(bodyOf(subscriptions.result).error.retriable).toBe(true);
  });
});
