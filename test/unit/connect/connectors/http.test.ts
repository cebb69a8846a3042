// The HTTP sink against a loopback server: batching with prefix, separator and suffix,
// headers, retries by status, errant records, and the address rules of lib/core/egress.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpSink, parseStatusRanges } from '../../../../lib/connect/connectors/http/sink.ts';
import type { LogRecord } from '../../../../lib/connect/errors/deadLetter.ts';
import { runSinkBatch } from '../../../../lib/connect/tasks/sink.ts';
import { startSinkTask, stopTask } from '../../../../lib/connect/tasks/task.ts';

interface Hit {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
const hits: Hit[] = [];
let statuses: number[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const waits: number[] = [];
const sink = (deployed = false) => createHttpSink({ deployed, wait: async (ms) => void waits.push(ms) });
const log = (offset: number, value: string): LogRecord => ({ topic: 'events', partition: 0, offset, timestamp: 0, key: null, value: Buffer.from(value), headers: [] });
const props = (path: string, extra: Record<string, string> = {}) => ({
  name: 'hook',
  'connector.class': 'HttpSink',
  topics: 'events',
  'http.api.url': `${base}${path}`,
  'value.converter': 'json',
  'value.converter.schemas.enable': 'false',
  ...extra,
});

describe('HttpSink', () => {
  it('sends batches of batch.max.size with prefix, separator and suffix, method and headers', async () => {
    const task = await startSinkTask(sink(), {
      props: props('/batch', { 'batch.max.size': '2', 'batch.prefix': '[', 'batch.suffix': ']', 'request.body.format': 'json', 'request.method': 'PUT', headers: 'X-Token:abc|X-Env:test' }),
    });
    const result = await runSinkBatch(task, [log(0, '{"a":1}'), log(1, '{"a":2}'), log(2, '"x"')]);
    expect(result).toMatchObject({ outcome: 'delivered', delivered: 3 });
    const mine = hits.filter((h) => h.path === '/batch');
    expect(mine.map((h) => [h.method, h.body])).toEqual([
      ['PUT', '[{"a":1},{"a":2}]'],
      ['PUT', '["x"]'],
    ]);
    expect(mine[0]!.headers).toMatchObject({ 'x-token': 'abc', 'x-env': 'test', 'content-type': 'application/json' });
    await stopTask(task);
  });

  it('retries a retry status with doubling backoff, then succeeds', async () => {
    waits.length = 0;
    statuses = [503, 429];
    const task = await startSinkTask(sink(), { props: props('/flaky', { 'retry.backoff.ms': '100' }) });
    expect(await runSinkBatch(task, [log(0, '"s"')])).toMatchObject({ outcome: 'delivered' });
    expect(hits.filter((h) => h.path === '/flaky').map((h) => h.body)).toEqual(['s', 's', 's']);
    expect(waits).toEqual([100, 200]);
    await stopTask(task);
  });

  it('a status it may not retry reports the batch\'s records: dead letters under errors.tolerance=all', async () => {
    statuses = [400];
    const task = await startSinkTask(sink(), {
      props: props('/reject', { 'retry.on.status.codes': '500-', 'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'events-dlq' }),
    });
    const result = await runSinkBatch(task, [log(0, '"bad"')]);
    expect(result).toMatchObject({ outcome: 'delivered', delivered: 0, skipped: 1 });
    expect(result.deadLetters[0]!.report.error).toMatchObject({ message: expect.stringContaining('HTTP 400 Bad Request') });
    await stopTask(task);
  });

  it('5xx after its retries leaves the batch to be delivered again', async () => {
    statuses = [500, 500];
    const task = await startSinkTask(sink(), { props: props('/down', { 'max.retries': '1' }) });
    expect(await runSinkBatch(task, [log(0, '"x"')])).toMatchObject({ outcome: 'retry', commit: [] });
    await stopTask(task);
  });

  it('validates the URL with the egress rules: https only deployed, public hosts only', () => {
    const validate = (deployed: boolean, url: string) => sink(deployed).validate!({ 'http.api.url': url }) as Record<string, string[]>;
    expect(validate(false, `${base}/x`)).toEqual({});
    expect(validate(true, `${base}/x`)).toEqual({ 'http.api.url': ["'http.api.url' must be an https URL."] });
    expect(validate(true, 'https://169.254.169.254/latest')).toEqual({ 'http.api.url': ["'http.api.url' must name a public host: 169.254.169.254 is a link-local address."] });
    expect(validate(false, 'http://example.com/x')['http.api.url']![0]).toMatch(/plain http is allowed only to a loopback host/);
    expect(sink().validate!({ headers: 'no-colon' })).toEqual({ headers: ["Invalid value no-colon for configuration headers: 'no-colon' is not Name:value"] });
  });

  it('reads status ranges as Confluent writes them', () => {
    expect(parseStatusRanges('400-')).toEqual([[400, 599]]);
    expect(parseStatusRanges('429,500-599')).toEqual([
      [429, 429],
      [500, 599],
    ]);
    expect(() => parseStatusRanges('abc')).toThrow();
  });
});
