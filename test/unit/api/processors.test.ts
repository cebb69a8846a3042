// POST /v1/processors (`sluice processors run`) runs a topology module only where a host
// runs modules (the dev server); deployed, it is refused before anything is read, and a
// host is handed the entry as sent.
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../lib/core/errors.ts';
import type { ApiRequest } from '../../../lib/api/http.ts';
import type { OperationContext } from '../../../lib/api/operation.ts';
import { processorOperations, processorOperationsFor, type ProcessorsLog } from '../../../lib/api/operations/processors.ts';
import { ROUTES } from '../../../lib/api/routes.ts';

const route = ROUTES.find((r) => r.operation === 'runProcessor')!;
const request = (body: unknown): ApiRequest =>
  ({
    format: 'v2',
    method: 'POST',
    path: '/v1/processors',
    route,
    pathParameters: {},
    query: {},
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
    requestId: 'r',
  }) as ApiRequest;

const ctx = {
  log: () => Promise.reject(new Error('no storage is read')),
  remainingMs: () => undefined,
} as unknown as OperationContext<ProcessorsLog>;

describe('POST /v1/processors', () => {
  it('is refused deployed (processors are deployed with the platform), reading nothing', async () => {
    await expect(processorOperations.runProcessor!(request({ entry: '/x/topology.ts' }), ctx)).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('hands the entry to the host and answers 201 with the processor', async () => {
    const seen: unknown[] = [];
    const summary = { name: 'wc', entry: '/x/topology.ts', inputs: ['lines'], outputs: ['counts'], state: 'RUNNING' as const };
    const ops = processorOperationsFor({ run: async (entry) => (seen.push(entry), summary) });
    expect(await ops.runProcessor!(request({ entry: '/x/topology.ts' }), ctx)).toEqual({ status: 201, body: summary });
    expect(seen).toEqual(['/x/topology.ts']);
  });
});
