import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { produceLines } from '../../../lib/cli/commands/produce.ts';
import { CliError } from '../../../lib/cli/errors.ts';
import { HttpClient } from '../../../lib/client/http.ts';

interface WireRecord {
  key: string | null;
  value: string;
  headers?: Record<string, string>;
  partition?: number;
}

interface Sent {
  headers: Record<string, string>;
  body: { encoding: string; records: WireRecord[] };
}

/** A fake produce endpoint: records every request, answers with offsets (or `respond`). */
function fakeServer(respond?: (sent: Sent, n: number) => Response | undefined) {
  const sent: Sent[] = [];
  let next = 0;
  const impl = (async (_input: URL | string | Request, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const s: Sent = { headers, body: JSON.parse(Buffer.from(init!.body as Uint8Array).toString()) };
    sent.push(s);
    const custom = respond?.(s, sent.length);
    if (custom) return custom;
    return Response.json({ offsets: s.body.records.map((r) => ({ partition: r.partition ?? 0, offset: next++ })) });
  }) as typeof fetch;
  return { sent, client: new HttpClient({ endpoint: 'http://127.0.0.1:9192', fetch: impl }) };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | null) => (s === null ? null : Buffer.from(s, 'base64').toString());
const values = (sent: Sent[]) => sent.flatMap((s) => s.body.records.map((r) => unb64(r.value)));

const quiet = { warn: () => {} };

describe('produceLines', () => {
  it('sends one record per line, in order, batched', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 'orders', input, { ...quiet, maxBatchRecords: 500 });
    const lines = Array.from({ length: 1200 }, (_, i) => `line-${i}`);
    input.end(`${lines.join('\n')}\n`);
    expect(await run.done).toBe(1200);
    expect(sent.map((s) => s.body.records.length)).toEqual([500, 500, 200]);
    expect(values(sent)).toEqual(lines);
    expect(sent.every((s) => s.body.encoding === 'base64')).toBe(true);
    expect(sent.every((s) => s.body.records.every((r) => r.key === null))).toBe(true);
  });

  it('keeps every byte but the \\n separator: \\r, empty lines, binary, a last line without \\n', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 't', input, quiet);
    input.write(Buffer.from('a\r\n\n'));
    input.write(Buffer.from([0xff, 0x00, 0x0a]));
    input.end('tail');
    await run.done;
    const got = sent.flatMap((s) => s.body.records.map((r) => Buffer.from(r.value, 'base64')));
    expect(got).toEqual([Buffer.from('a\r'), Buffer.alloc(0), Buffer.from([0xff, 0x00]), Buffer.from('tail')]);
  });

  it('joins lines split across chunks', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 't', input, quiet);
    for (const piece of ['hel', 'lo\nwor', 'ld', '\n']) input.write(piece);
    input.end();
    await run.done;
    expect(values(sent)).toEqual(['hello', 'world']);
  });

  it('sends nothing for empty input', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 't', input, quiet);
    input.end();
    expect(await run.done).toBe(0);
    expect(sent).toEqual([]);
  });

  it('splits keys, applies headers and partition to every record', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 't', input, { ...quiet, keySeparator: ':', partition: 2, headers: { source: 'cli', 'a=b': 'c=d' } });
    input.end('alice:1\nbob:x:y\n:empty-key\n');
    await run.done;
    const recs = sent[0]!.body.records;
    expect(recs.map((r) => [unb64(r.key), unb64(r.value)])).toEqual([
      ['alice', '1'],
      ['bob', 'x:y'],
      ['', 'empty-key'],
    ]);
    expect(recs.every((r) => r.partition === 2)).toBe(true);
    expect(recs[0]!.headers).toEqual({ source: b64('cli'), 'a=b': b64('c=d') });
  });

  it('fails on a line without the separator before sending anything of its batch', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 't', input, { ...quiet, keySeparator: ':', maxBatchRecords: 2 });
    input.end('a:1\nb:2\nc:3\nno separator here\nd:4\n');
    const err = await run.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/no key separator ':' found on line 4: 'no separator here'/);
    expect(sent).toEqual([]);
  });

  it('flushes a partial batch after the linger time while input stays open', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 't', input, { ...quiet, lingerMs: 50 });
    input.write('first\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(values(sent)).toEqual(['first']);
    input.write('second\n');
    input.end();
    await run.done;
    expect(values(sent)).toEqual(['first', 'second']);
  });

  it('splits batches by size', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 't', input, { ...quiet, maxBatchBytes: 3000 });
    const line = 'x'.repeat(1000);
    input.end(`${[line, line, line, line, line].join('\n')}\n`);
    await run.done;
    expect(sent.map((s) => s.body.records.length)).toEqual([2, 2, 1]);
  });

  it('retries retriable failures with a fresh idempotency key', async () => {
    const { sent, client } = fakeServer((_s, n) =>
      n === 1 ? Response.json({ error: { code: 'THROTTLING_QUOTA_EXCEEDED', message: 'slow down' } }, { status: 429 }) : undefined,
    );
    const warnings: string[] = [];
    const input = new PassThrough();
    const run = produceLines(client, 't', input, { warn: (l) => warnings.push(l) });
    input.end('a\nb\n');
    expect(await run.done).toBe(2);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.body).toEqual(sent[1]!.body);
    expect(sent[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(warnings[0]).toMatch(/THROTTLING_QUOTA_EXCEEDED/);
  });

  it('resends only the records of a partition that failed retriably, pinned to it', async () => {
    const { sent, client } = fakeServer((s, n) =>
      n === 1
        ? Response.json({
            offsets: s.body.records.map((_r, i) =>
              i % 2 ? { partition: 1, error: { code: 'REQUEST_TIMED_OUT', message: 'try again' } } : { partition: 0, offset: i },
            ),
          })
        : undefined,
    );
    const input = new PassThrough();
    const run = produceLines(client, 't', input, quiet);
    input.end('k0\nk1\nk2\nk3\n');
    expect(await run.done).toBe(4);
    expect(sent[1]!.body.records.map((r) => [unb64(r.value), r.partition])).toEqual([
      ['k1', 1],
      ['k3', 1],
    ]);
  });

  it('stops with the API error (e.g. unknown topic)', async () => {
    const { sent, client } = fakeServer(() =>
      Response.json({ error: { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'nope' does not exist." } }, { status: 404 }),
    );
    const input = new PassThrough();
    const run = produceLines(client, 'nope', input, quiet);
    input.end('a\nb\n');
    await expect(run.done).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'nope' does not exist." });
    expect(sent).toHaveLength(1);
  });

  it('stop() sends what was read and ends', async () => {
    const { sent, client } = fakeServer();
    const input = new PassThrough();
    const run = produceLines(client, 't', input, { ...quiet, lingerMs: 10_000 });
    input.write('a\nb\npartial');
    await new Promise((r) => setTimeout(r, 20));
    run.stop();
    expect(await run.done).toBe(3);
    expect(values(sent)).toEqual(['a', 'b', 'partial']);
  });
});
