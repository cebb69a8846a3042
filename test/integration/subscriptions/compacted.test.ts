// Subscriptions over a compacted topic: key compaction leaves gaps (offsets without a
// record, whole index entries left empty), and a subscription steps over them, delivers
// every surviving record once and in order, and counts records, not offsets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { runMaintenance } from '../../../lib/log/maintenance/index.ts';
import { Dispatcher } from '../../../lib/subscriptions/dispatcher.ts';
import { readAll } from '../../support/log.ts';
import { seedSegments } from '../log/maintenance/helpers.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver } from '../api/helpers.ts';
import { headRecords, offsetsOf, startTargetServer, type TargetServer } from './helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;
let log: Log;
let target: TargetServer;

beforeAll(async () => {
  log = new Log(storage.clients);
  api = apiOver(log);
  target = await startTargetServer();
});

afterAll(async () => {
  await target?.close();
});

const dispatcher = () => new Dispatcher(storage.clients, { allowLoopback: true, backoff: { baseMs: 5, capMs: 20 }, inlineWaitMs: 500, targetTimeoutMs: 5_000 });

async function compactedTopic(name: string): Promise<string> {
  const r = await api.call({ method: 'POST', url: '/v1/topics', json: { name, config: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0 } } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.topicId as string;
}

async function subscribe(topic: string, path: string, batchSize: number) {
  const r = await api.call({
    method: 'POST',
    url: `/v1/topics/${topic}/subscriptions`,
    json: { name: 's', target: { type: 'http', url: target.url(path) }, batchSize, startingPosition: 'earliest' },
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
}

/** One append per record, so each is an index entry of its own. */
async function appendEach(topic: string, records: { key: string; value: string }[]) {
  const appends = records.map((r) => [{ key: Buffer.from(r.key), value: Buffer.from(r.value), timestamp: Date.now() }]);
  await seedSegments(storage.clients, topic, 0, appends, Date.now());
}

const clean = (topic: string) => runMaintenance(storage.clients, { topics: [topic], compactionTargetBytes: 0, indexIntervalBytes: 1 });

describe('a subscription over a compacted topic', () => {
  it('steps over gaps wider than a batch and delivers each surviving record once, in order', async () => {
    const topicId = await compactedTopic('kc-sub-gaps');
    // 20 updates of one key leave 19 entries without a record: more than a fetch of a batch of 3 reads.
    await appendEach('kc-sub-gaps', [
      { key: 'a', value: 'a0' },
      ...Array.from({ length: 20 }, (_, i) => ({ key: 'hot', value: `h${i}` })),
      { key: 'b', value: 'b0' },
    ]);
    expect((await clean('kc-sub-gaps')).partitions[0]!.cleaning!.recordsRemoved).toBe(19);
    await subscribe('kc-sub-gaps', '/kc-gaps', 3);

    const report = await dispatcher().handleStreamRecords(await headRecords(storage.clients, topicId, 1));

    const survivors = (await readAll(log, 'kc-sub-gaps', 0)).map((r) => r.offset);
    expect(survivors).toEqual([0, 20, 21]);
    expect(offsetsOf(target.succeeded('/kc-gaps')).map((o) => o.offset)).toEqual(survivors);
    expect(report.outcomes[0]).toMatchObject({ delivered: 3, state: 'caught-up' });
    const described = (await api.call({ method: 'GET', url: '/v1/topics/kc-sub-gaps/subscriptions/s' })).json;
    expect(described).toMatchObject({ lag: 0, delivered: 3 });
  });

  it('keeps its order and skips nothing it should deliver when cleaning runs between its batches', async () => {
    const topicId = await compactedTopic('kc-sub-live');
    const written = Array.from({ length: 60 }, (_, i) => ({ key: `k${(i * 7) % 9}`, value: `v${i}` }));
    await appendEach('kc-sub-live', [...written, { key: 'end', value: 'end' }]);
    await subscribe('kc-sub-live', '/kc-live', 4);
    // The second delivery waits for a cleaning pass: the rest is read from the cleaned log.
    target.behave('/kc-live', async (n) => {
      if (n === 1) await clean('kc-sub-live');
      return 200;
    });

    await dispatcher().handleStreamRecords(await headRecords(storage.clients, topicId, 1));

    const delivered = offsetsOf(target.succeeded('/kc-live')).map((o) => o.offset);
    expect(delivered, 'in order, each once').toEqual([...new Set(delivered)].sort((a, b) => a - b));
    const survivors = (await readAll(log, 'kc-sub-live', 0)).map((r) => r.offset);
    expect(survivors.length).toBeLessThan(written.length);
    for (const o of survivors) expect(delivered).toContain(o);
    expect(delivered.slice(0, 8), 'the batches before the cleaning').toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
