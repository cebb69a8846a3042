import { describe, expect, it } from 'vitest';
import { consumeTopic, type ConsumeOptions } from '../../../lib/cli/commands/consume.ts';
import { compileFormat } from '../../../lib/cli/format.ts';
import { FakeApi, type FakeRecord } from '../../support/fakeApi.ts';

/** An in-memory topic 'orders' behind describe / fetch / offsets, like the real API. */
function fakeTopic(partitions: FakeRecord[][], opts: { logStart?: number[] } = {}) {
  const api = new FakeApi();
  api.addTopic('orders', partitions, opts);
  return api;
}

const recs = (p: number, n: number): FakeRecord[] => Array.from({ length: n }, (_, i) => ({ key: `k${p}`, value: `p${p}-${i}` }));

async function consume(api: FakeApi, topic: string, opts: Partial<ConsumeOptions> = {}) {
  const out: Buffer[] = [];
  const n = await consumeTopic(api.sluice(), topic, {
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
    const api = fakeTopic([recs(0, 7), recs(1, 2), recs(2, 0)]);
    const { n, lines } = await consume(api, 'orders');
    expect(n).toBe(9);
    for (const p of [0, 1]) {
      const mine = lines.filter((l) => l.startsWith(`${p}/`));
      expect(mine).toEqual(recs(p, p === 0 ? 7 : 2).map((r, i) => `${p}/${i} ${r.key}=${r.value}`));
    }
    expect(api.fetches.every((f) => f.accept === 'application/vnd.kafka.recordbatch')).toBe(true);
  });

  it('interleaves partitions instead of draining one first', async () => {
    const api = fakeTopic([recs(0, 12), recs(1, 12)]);
    const { lines } = await consume(api, 'orders');
    const firstHalf = lines.slice(0, 12).map((l) => l[0]);
    expect(firstHalf).toContain('0');
    expect(firstHalf).toContain('1');
  });

  it('starts at the end by default (nothing to print without --follow)', async () => {
    const api = fakeTopic([recs(0, 5)]);
    const { n } = await consume(api, 'orders', { start: { kind: 'end' } });
    expect(n).toBe(0);
    expect(api.fetches).toEqual([]);
  });

  it('honours --partition, --offset (absolute and from the end) and --max-messages', async () => {
    const api = fakeTopic([recs(0, 10), recs(1, 10)]);
    expect((await consume(api, 'orders', { partition: 1, start: { kind: 'offset', offset: 8 } })).lines).toEqual(['1/8 k1=p1-8', '1/9 k1=p1-9']);
    expect((await consume(api, 'orders', { partition: 0, start: { kind: 'offset', offset: -1 } })).lines).toEqual(['0/9 k0=p0-9']);
    const limited = await consume(api, 'orders', { maxMessages: 4 });
    expect(limited.n).toBe(4);
    expect(limited.lines).toHaveLength(4);
  });

  it('starts from a time through the offsets endpoint', async () => {
    const api = fakeTopic([recs(0, 10)]);
    expect((await consume(api, 'orders', { start: { kind: 'time', at: 1007 } })).lines).toEqual(['0/7 k0=p0-7', '0/8 k0=p0-8', '0/9 k0=p0-9']);
  });

  it('rejects an absolute offset outside a partition', async () => {
    const api = fakeTopic([recs(0, 3)]);
    await expect(consume(api, 'orders', { start: { kind: 'offset', offset: 5 } })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
  });

  it('reports an unknown topic or partition with the API error', async () => {
    const api = fakeTopic([recs(0, 3)]);
    await expect(consume(api, 'nope')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', message: "Topic 'nope' does not exist." });
    await expect(consume(api, 'orders', { partition: 4 })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it('renders null keys and values as empty, and headers', async () => {
    const api = fakeTopic([[{ key: null, value: null, headers: { a: '1', b: '2' } }]]);
    const out: Buffer[] = [];
    await consumeTopic(api.sluice(), 'orders', {
      start: { kind: 'beginning' },
      render: compileFormat('[%k][%v][%h]'),
      write: (b) => void out.push(b),
    });
    expect(Buffer.concat(out).toString()).toBe('[][][a=1,b=2]');
  });

  it('skips ahead when retention deleted the start offset', async () => {
    const api = fakeTopic([recs(0, 5)], { logStart: [3] });
    const warnings: string[] = [];
    const { lines } = await consume(api, 'orders', { start: { kind: 'offset', offset: -5 }, warn: (l) => warnings.push(l) });
    expect(lines).toEqual(['0/3 k0=p0-3', '0/4 k0=p0-4']);
  });

  it('follows with long polls until aborted', async () => {
    const api = fakeTopic([recs(0, 2)]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const { n } = await consume(api, 'orders', { follow: true, waitMs: 5000, signal: ac.signal });
    expect(n).toBe(2);
    expect(api.fetches.length).toBeGreaterThan(1);
    expect(api.fetches.every((f) => f.waitMs === 5000)).toBe(true);
  });
});
