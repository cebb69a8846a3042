// The HTTP adapter: one log line per request, errors logged with their details but
// answered without them, and routes of storage-backed operations answered 404 by a
// handler built without them.
import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it, vi } from 'vitest';
import { buildV2Event, resultToHttp } from '../../../lib/api/http.ts';
import { createHttpHandler } from '../../../lib/runtime/http.ts';

describe('createHttpHandler', () => {
  const event = (path = '/v1/health') => buildV2Event({ method: 'GET', rawPath: path });

  it('logs one line per request and errors with their details, without leaking them', async () => {
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const info = vi.spyOn(logger, 'info');
    const error = vi.spyOn(logger, 'error');
    const handler = createHttpHandler({
      fn: 'health',
      logger,
      metrics: false,
      operations: {
        health: async (req) => {
          if (req.query.boom) throw new TypeError('internal detail');
          return { status: 200, body: { status: 'ok' } };
        },
      },
    });
    const ok = resultToHttp(await handler(event()));
    expect(ok.status).toBe(200);
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0]![1]).toMatchObject({ operation: 'health', status: 200, durationMs: expect.any(Number), coldStart: true });

    const bad = resultToHttp(await handler(buildV2Event({ method: 'GET', rawPath: '/v1/health', rawQueryString: 'boom=1' })));
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.body.toString())).toEqual({
      error: { code: 'UNKNOWN_SERVER_ERROR', message: expect.not.stringMatching(/internal detail/) },
    });
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0]![1]).toMatchObject({ operation: 'health', status: 500, coldStart: false, error: expect.any(TypeError) });

    const nf = resultToHttp(await handler(event('/v1/topics')));
    expect(nf.status).toBe(404);
    expect(info).toHaveBeenCalledTimes(2);
    expect(info.mock.calls[1]![1]).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('a handler without storage answers storage routes 404, not 500', async () => {
    const handler = createHttpHandler({ fn: 'admin', operations: {}, metrics: false });
    expect(resultToHttp(await handler(event('/v1/topics'))).status).toBe(404);
  });
});
