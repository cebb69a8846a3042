import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { produceLines } from '../../../lib/cli/commands/produce.ts';
import { CliError } from '../../../lib/cli/errors.ts';
import { defaultPartition } from '../../../lib/records/index.ts';
import { FakeApi, type FakeRequest } from '../../support/fakeApi.ts';

/** A topic of `partitions` empty partitions behind a fake API. */
function fakeTopic(name = 't', partitions = 1) {
  const api = new FakeApi();
  api.addTopic(name, Array.from({ length: partitions }, () => []));
  return api;
}

const isProduce = (req: FakeRequest) => req.method === 'POST' && req.url.pathname.endsWith('/records');
const values = (api: FakeApi) => api.produced.flatMap((s) => s.records.map((r) => r.value?.toString() ?? null));
const quiet = { warn: () => {} };

describe('produceLines', () => {
  it('sends one record per line, in order, batched', async () => {
    const api = fakeTopic('orders');
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 'orders', input, quiet);
    const lines = Array.from({ length: 1200 }, (_, i) => `line-${i}`);
    input.end(`${lines.join('\n')}\n`);
    expect(await run.done).toBe(1200);
    expect(api.values('orders', 0)).toEqual(lines);
    expect(api.produced.length).toBeLessThan(lines.length / 10);
    expect(api.produced.every((s) => s.records.every((r) => r.key === null))).toBe(true);
  });

  it('keeps every byte but the \\n separator: \\r, empty lines, binary, a last line without \\n', async () => {
    const api = fakeTopic();
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, quiet);
    input.write(Buffer.from('a\r\n\n'));
    input.write(Buffer.from([0xff, 0x00, 0x0a]));
    input.end('tail');
    await run.done;
    const got = api.produced.flatMap((s) => s.records.map((r) => r.value));
    expect(got).toEqual([Buffer.from('a\r'), Buffer.alloc(0), Buffer.from([0xff, 0x00]), Buffer.from('tail')]);
  });

  it('joins lines split across chunks', async () => {
    const api = fakeTopic();
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, quiet);
    for (const piece of ['hel', 'lo\nwor', 'ld', '\n']) input.write(piece);
    input.end();
    await run.done;
    expect(values(api)).toEqual(['hello', 'world']);
  });

  it('sends nothing for empty input', async () => {
    const api = fakeTopic();
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, quiet);
    input.end();
    expect(await run.done).toBe(0);
    expect(api.produced).toEqual([]);
  });

  it('splits keys, applies headers and partition to every record', async () => {
    const api = fakeTopic('t', 3);
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, { ...quiet, keySeparator: ':', partition: 2, headers: { source: 'cli', 'a=b': 'c=d' } });
    input.end('alice:1\nbob:x:y\n:empty-key\n');
    await run.done;
    const recs = api.produced.flatMap((s) => s.records);
    expect(recs.map((r) => [r.key?.toString(), r.value?.toString()])).toEqual([
      ['alice', '1'],
      ['bob', 'x:y'],
      ['', 'empty-key'],
    ]);
    expect(api.produced.every((s) => s.partition === 2)).toBe(true);
    expect(recs[0]!.headers).toEqual([
      { key: 'source', value: Buffer.from('cli') },
      { key: 'a=b', value: Buffer.from('c=d') },
    ]);
  });

  it('keyed lines go to the key\'s partition, in line order per key', async () => {
    const api = fakeTopic('t', 3);
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, { ...quiet, keySeparator: ':' });
    const lines = Array.from({ length: 60 }, (_, i) => `k${i % 7}:v${i}`);
    input.end(`${lines.join('\n')}\n`);
    expect(await run.done).toBe(60);
    for (let k = 0; k < 7; k++) {
      const p = defaultPartition(Buffer.from(`k${k}`), 3);
      const mine = lines.filter((l) => l.startsWith(`k${k}:`)).map((l) => l.split(':')[1]);
      expect(api.values('t', p).filter((v) => mine.includes(v!))).toEqual(mine);
    }
  });

  it('fails on a line without the separator before sending anything of its batch', async () => {
    const api = fakeTopic();
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, { ...quiet, keySeparator: ':' });
    input.end('a:1\nb:2\nc:3\nno separator here\nd:4\n');
    const err = await run.done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as Error).message).toMatch(/no key separator ':' found on line 4: 'no separator here'/);
    expect(api.produced).toEqual([]);
  });

  it('flushes a partial batch after the linger time while input stays open', async () => {
    const api = fakeTopic();
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, { ...quiet, producer: { lingerMs: 50 } });
    input.write('first\n');
    await new Promise((r) => setTimeout(r, 300));
    expect(values(api)).toEqual(['first']);
    input.write('second\n');
    input.end();
    await run.done;
    expect(values(api)).toEqual(['first', 'second']);
  });

  it('splits batches by size', async () => {
    const api = fakeTopic();
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, { ...quiet, producer: { batchBytes: 3000 } });
    const line = 'x'.repeat(1000);
    input.end(`${[line, line, line, line, line].join('\n')}\n`);
    await run.done;
    expect(api.produced.map((s) => s.records.length)).toEqual([2, 2, 1]);
  });

  it('retries retriable failures with the very same numbered batch, and says so', async () => {
    const api = fakeTopic();
    const refused: Buffer[] = [];
    api.intercept = (req) => {
      if (!isProduce(req) || refused.length > 0) return undefined;
      refused.push(req.body!);
      return Response.json({ error: { code: 'THROTTLING_QUOTA_EXCEEDED', message: 'slow down' } }, { status: 429 });
    };
    const warnings: string[] = [];
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, { warn: (l) => warnings.push(l) });
    input.end('a\nb\n');
    expect(await run.done).toBe(2);
    expect(api.produced).toHaveLength(1);
    expect(api.produced[0]!.body).toEqual(refused[0]);
    expect(api.produced[0]!.producerId).toBe(7n);
    expect(warnings[0]).toMatch(/^warning: THROTTLING_QUOTA_EXCEEDED: slow down; retrying/);
  });

  it('stores a batch once when its answer was lost and it was sent again', async () => {
    const api = fakeTopic();
    api.loseAnswers = 1;
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, quiet);
    input.end('a\nb\n');
    expect(await run.done).toBe(2);
    expect(api.produced).toHaveLength(2);
    expect(api.values('t', 0)).toEqual(['a', 'b']);
  });

  it('retries only the partition whose request failed', async () => {
    const api = fakeTopic('t', 2);
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    const failing = defaultPartition(Buffer.from('k0'), 2);
    let failed = false;
    api.intercept = (req) => {
      if (!isProduce(req) || failed || Number(req.url.searchParams.get('partition')) !== failing) return undefined;
      failed = true;
      return Response.json({ error: { code: 'REQUEST_TIMED_OUT', message: 'try again' } }, { status: 503 });
    };
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, { ...quiet, keySeparator: ':' });
    input.end(`${keys.map((k) => `${k}:${k}`).join('\n')}\n`);
    expect(await run.done).toBe(keys.length);
    for (const p of [0, 1]) {
      expect(api.values('t', p)).toEqual(keys.filter((k) => defaultPartition(Buffer.from(k), 2) === p));
      expect(api.produced.filter((s) => s.partition === p)).toHaveLength(1);
    }
  });

  it('stops with the API error (e.g. unknown topic)', async () => {
    const api = new FakeApi();
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 'nope', input, quiet);
    input.end('a\nb\n');
    await expect(run.done).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'nope' does not exist." });
    expect(api.produced).toHaveLength(0);
  });

  it('stop() sends what was read and ends', async () => {
    const api = fakeTopic();
    const input = new PassThrough();
    const run = produceLines(api.sluice(), 't', input, { ...quiet, producer: { lingerMs: 10_000 } });
    input.write('a\nb\npartial');
    await new Promise((r) => setTimeout(r, 20));
    run.stop();
    expect(await run.done).toBe(3);
    expect(values(api)).toEqual(['a', 'b', 'partial']);
  });
});
