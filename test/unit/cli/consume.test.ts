import { describe, expect, it } from 'vitest';
import { consumeTopic, type ConsumeOptions } from '../../../lib/cli/commands/consume.ts';
import { compileFormat } from '../../../lib/cli/format.ts';
import { HttpClient } from '../../../lib/client/http.ts';

interface Rec {
  key: string | null;
  value: string | null;
  headers?: Record<string, string>;
}

/** An in-memory topic behind describe / fetch / offsets, like the real API. */
function fakeTopic(partitions: Rec[][], opts: { logStart?: number[] } = {}) {
  const fetches: Array<{ partition: number; offset: number; maxRecords: number; waitMs?: number }> = [];
  const b64 = (s: string | null) => (s === null ? null : Buffer.from(s).toString('base64'));
  const impl = (async (input: URL | string | Request) => {
    const url = new URL(String(input));
    const path = url.pathname;
    if (path === '/v1/topics/orders') {
      return Response.json({
        name: 'orders',
        topicId: 'id',
        config: {},
        partitions: partitions.map((recs, p) => ({ partition: p, logStartOffset: opts.logStart?.[p] ?? 0, highWatermark: recs.length, sizeBytes: 0 })),
      });
    }
    if (path.startsWith('/v1/topics/nope')) {
      return Response.json({ error: { code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'nope' does not exist." } }, { status: 404 });
    }
    const m = /^\/v1\/topics\/orders\/partitions\/(\d+)\/(records|offsets)$/.exec(path);
    if (!m) return Response.json({ error: { code: 'NOT_FOUND', message: path } }, { status: 404 });
    const p = Number(m[1]);
    const recs = partitions[p]!;
    if (m[2] === 'offsets') return Response.json({ offset: Math.min(recs.length, Number(url.searchParams.get('at'))) });
    const offset = Number(url.searchParams.get('offset'));
    const maxRecords = Number(url.searchParams.get('maxRecords') ?? 500);
    const waitMs = url.searchParams.get('waitMs');
    fetches.push({ partition: p, offset, maxRecords, ...(waitMs ? { waitMs: Number(waitMs) } : {}) });
    expect(url.searchParams.get('encoding')).toBe('base64');
    const start = Math.max(offset, opts.logStart?.[p] ?? 0);
    if (offset < (opts.logStart?.[p] ?? 0)) {
      return Response.json(
        { error: { code: 'OFFSET_OUT_OF_RANGE', message: 'gone', logStartOffset: opts.logStart?.[p], highWatermark: recs.length } },
        { status: 416 },
      );
    }
    if (waitMs && start >= recs.length) await new Promise((r) => setTimeout(r, 20));
    const slice = recs.slice(start, start + Math.min(maxRecords, 3)); // small pages: exercise paging
    return Response.json({
      records: slice.map((r, i) => ({
        offset: start + i,
        timestamp: 1000 + start + i,
        key: b64(r.key),
        value: b64(r.value),
        headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, b64(v)])),
      })),
      nextOffset: start + slice.length,
      highWatermark: recs.length,
      logStartOffset: opts.logStart?.[p] ?? 0,
    });
  }) as typeof fetch;
  return { fetches, client: new HttpClient({ endpoint: 'http://127.0.0.1:9192', fetch: impl }) };
}

const recs = (p: number, n: number): Rec[] => Array.from({ length: n }, (_, i) => ({ key: `k${p}`, value: `p${p}-${i}` }));

async function consume(client: HttpClient, topic: string, opts: Partial<ConsumeOptions> = {}) {
  const out: Buffer[] = [];
  const n = await consumeTopic(client, topic, {
    start: { kind: 'beginning' },
    render: compileFormat('%p/%o %k=%v\\n'),
    write: (b) => void out.push(b),
    warn: () => {},
    ...opts,
  });
  return { n, lines: Buffer.concat(out).toString().split('\n').filter(Boolean) };
}

describe('consumeTopic', () => {
  it('reads every partition from the beginning up to the high watermark, in offset order per partition', async () => {
    const { client } = fakeTopic([recs(0, 7), recs(1, 2), recs(2, 0)]);
    const { n, lines } = await consume(client, 'orders');
    expect(n).toBe(9);
    for (const p of [0, 1]) {
      const mine = lines.filter((l) => l.startsWith(`${p}/`));
      expect(mine).toEqual(recs(p, p === 0 ? 7 : 2).map((r, i) => `${p}/${i} ${r.key}=${r.value}`));
    }
  });

  it('interleaves partitions instead of draining one first', async () => {
    const { client } = fakeTopic([recs(0, 12), recs(1, 12)]);
    const { lines } = await consume(client, 'orders');
    const firstHalf = lines.slice(0, 12).map((l) => l[0]);
    expect(firstHalf).toContain('0');
    expect(firstHalf).toContain('1');
  });

  it('starts at the end by default (nothing to print without --follow)', async () => {
    const { client, fetches } = fakeTopic([recs(0, 5)]);
    const { n } = await consume(client, 'orders', { start: { kind: 'end' } });
    expect(n).toBe(0);
    expect(fetches).toEqual([]);
  });

  it('honours --partition, --offset (absolute and from the end) and --max-messages', async () => {
    const { client } = fakeTopic([recs(0, 10), recs(1, 10)]);
    expect((await consume(client, 'orders', { partition: 1, start: { kind: 'offset', offset: 8 } })).lines).toEqual(['1/8 k1=p1-8', '1/9 k1=p1-9']);
    expect((await consume(client, 'orders', { partition: 0, start: { kind: 'offset', offset: -1 } })).lines).toEqual(['0/9 k0=p0-9']);
    const limited = await consume(client, 'orders', { maxMessages: 4 });
    expect(limited.n).toBe(4);
    expect(limited.lines).toHaveLength(4);
  });

  it('starts from a time through the offsets endpoint', async () => {
    const { client } = fakeTopic([recs(0, 10)]);
    expect((await consume(client, 'orders', { start: { kind: 'time', at: 7 } })).lines).toEqual(['0/7 k0=p0-7', '0/8 k0=p0-8', '0/9 k0=p0-9']);
  });

  it('rejects an absolute offset outside a partition', async () => {
    const { client } = fakeTopic([recs(0, 3)]);
    await expect(consume(client, 'orders', { start: { kind: 'offset', offset: 5 } })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
  });

  it('reports an unknown topic or partition with the API error', async () => {
    const { client } = fakeTopic([recs(0, 3)]);
    await expect(consume(client, 'nope')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'nope' does not exist." });
    await expect(consume(client, 'orders', { partition: 4 })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('renders null keys and values as empty, and headers', async () => {
    const { client } = fakeTopic([[{ key: null, value: null, headers: { a: '1', b: '2' } }]]);
    const out: Buffer[] = [];
    await consumeTopic(client, 'orders', {
      start: { kind: 'beginning' },
      render: compileFormat('[%k][%v][%h]'),
      write: (b) => void out.push(b),
    });
    expect(Buffer.concat(out).toString()).toBe('[][][a=1,b=2]');
  });

  it('skips ahead when retention deleted the start offset', async () => {
    const { client } = fakeTopic([recs(0, 5)], { logStart: [3] });
    const warnings: string[] = [];
    const { lines } = await consume(client, 'orders', { start: { kind: 'offset', offset: -5 }, warn: (l) => warnings.push(l) });
    expect(lines).toEqual(['0/3 k0=p0-3', '0/4 k0=p0-4']);
  });

  it('follows with long polls until aborted', async () => {
    const { client, fetches } = fakeTopic([recs(0, 2)]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const { n } = await consume(client, 'orders', { follow: true, waitMs: 5000, signal: ac.signal });
    expect(n).toBe(2);
    expect(fetches.length).toBeGreaterThan(1);
    expect(fetches.every((f) => f.waitMs === 5000)).toBe(true);
  });
});
