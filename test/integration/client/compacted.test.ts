// A compacted topic through the API and the SDK, against a real dev server: records
// without a key are refused and nothing is written; after a cleaning, the Reader, the
// consumer (resuming from a committed offset inside a gap), listOffsets by time and the
// JSON and raw fetches all step over the gaps; describe shows the cleaning.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sluice } from '../../../lib/client/index.ts';
import { RECORD_BATCH_TYPE } from '../../../lib/core/wire.ts';
import { decodeEachBatch, encodeBatch } from '../../../lib/records/index.ts';
import { useDevServer } from './devServer.ts';

const dev = useDevServer();
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const FAST = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 250, autoCommitIntervalMs: 500, waitMs: 1_000 };

async function compacted(sluice: Sluice) {
  const topic = name('kc');
  await sluice.admin().createTopic({ name: topic, config: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0' } });
  return topic;
}

describe('a compacted topic over the API', () => {
  it('refuses records without a key in JSON and binary produce, writing nothing', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const topic = await compacted(sluice);
    const json = await fetch(`${dev.url}/v1/topics/${topic}/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ records: [{ key: 'a', value: 1 }, { value: 2 }] }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: unknown }).error).toMatchObject({ code: 'INVALID_RECORD', record: 1 });
    const binary = await fetch(`${dev.url}/v1/topics/${topic}/records?partition=0`, {
      method: 'POST',
      headers: { 'content-type': RECORD_BATCH_TYPE },
      body: encodeBatch({ records: [{ key: Buffer.from('a'), value: Buffer.from('1') }, { key: null, value: Buffer.from('2') }] }),
    });
    expect(binary.status).toBe(400);
    expect(((await binary.json()) as { error: { code: string } }).error.code).toBe('INVALID_RECORD');
    await expect(sluice.producer().send({ topic, value: 'no key' })).rejects.toMatchObject({ code: 'INVALID_RECORD' });

    expect((await sluice.admin().describeTopic(topic)).partitions[0]!.highWatermark).toBe(0);
    await sluice.producer().send({ topic, key: 'a', value: 'keyed' });
    expect((await sluice.admin().describeTopic(topic)).partitions[0]!.highWatermark).toBe(1);
  });

  it('serves the cleaned log to the Reader, a consumer resuming inside a gap, listOffsets and both fetch forms', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const admin = sluice.admin();
    const topic = await compacted(sluice);
    const producer = sluice.producer({ lingerMs: 0 });
    const sent = [['a', 'a0'], ['b', 'b0'], ['c', 'c0'], ['a', 'a1'], ['b', 'b1'], ['a', 'a2'], ['z', 'z0']];
    for (const [i, [key, value]] of sent.entries()) await producer.send({ topic, key: key!, value: value!, timestamp: 1_000 * (i + 1) });
    await producer.close();

    const report = await admin.runMaintenance({ topics: [topic] });
    expect(report.partitions[0]!.cleaning).toMatchObject({ recordsRemoved: 3 });
    const survivors = [[2, 'c0'], [4, 'b1'], [5, 'a2'], [6, 'z0']];

    const read: [number, string][] = [];
    for await (const r of sluice.reader({ topic, from: 'earliest', maxRecords: 1 }).records()) read.push([r.offset, r.value!.toString()]);
    expect(read).toEqual(survivors);

    const json = (await (await fetch(`${dev.url}/v1/topics/${topic}/partitions/0/records?offset=0&maxRecords=2&encoding=string`)).json()) as { records: { offset: number }[]; nextOffset: number };
    expect(json.records.map((r: { offset: number }) => r.offset)).toEqual([2, 4]);
    expect(json.nextOffset).toBe(5);
    const raw = await fetch(`${dev.url}/v1/topics/${topic}/partitions/0/records?offset=3`, { headers: { accept: RECORD_BATCH_TYPE } });
    const rawOffsets = [...decodeEachBatch(Buffer.from(await raw.arrayBuffer()))].flatMap((b) => b.records.map((r) => r.offset));
    expect(rawOffsets.filter((o) => o >= 3)).toEqual([4, 5, 6]);

    expect(await admin.listOffsets(topic, 0, 4_000), 'the first record at or after the time').toBe(4);

    const group = name('g');
    await admin.resetOffsets(group, { topic, to: { offset: 3 } });
    expect((await admin.fetchOffsets(group))[0]).toMatchObject({ offset: 3, lag: 4 });
    const consumer = sluice.consumer({ groupId: group, topics: [topic], autoOffsetReset: 'none', ...FAST });
    const consumed: number[] = [];
    for await (const r of consumer) {
      consumed.push(r.offset);
      if (r.offset === 6) break;
    }
    expect(consumed, 'a committed offset inside a gap resumes at the next record').toEqual([4, 5, 6]);

    const p = (await admin.describeTopic(topic)).partitions[0]!;
    expect(p.cleaning).toMatchObject({ cleanedOffset: 6, lastCleanedAt: expect.any(Number) });
    expect(p.cleaning!.dirtyRatio).toBeGreaterThan(0);
    expect(p.cleaning!.dirtyRatio).toBeLessThan(1);
  });
});
