// The SDK's Reader against a real dev server: a bounded read of every partition, a read
// from a time, and a following read that sees records produced after it began.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sluice, type ConsumedRecord } from '../../../lib/client/index.ts';
import { useDevServer } from './devServer.ts';

const dev = useDevServer();
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function setup(partitions: number, values: Array<{ key: string; value: string; timestamp?: number }>) {
  const sluice = new Sluice({ endpoint: dev.url });
  const topic = name('rd');
  await sluice.admin().createTopic({ name: topic, partitions });
  const producer = sluice.producer({ lingerMs: 2 });
  const acks = await Promise.all(values.map((v) => producer.send({ topic, ...v })));
  await producer.close();
  return { sluice, topic, acks };
}

describe('Reader', () => {
  it('reads every partition from the log start to the end, each in offset order', async () => {
    const values = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 11}`, value: `v${i}` }));
    const { sluice, topic, acks } = await setup(3, values);
    const got: ConsumedRecord[] = [];
    for await (const batch of sluice.reader({ topic, from: 'earliest', maxRecords: 40 })) got.push(...batch.records);
    expect(new Set(got.map((r) => `${r.partition}/${r.offset}`))).toEqual(new Set(acks.map((a) => `${a.partition}/${a.offset}`)));
    for (let p = 0; p < 3; p++) {
      const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
  });

  it('starts at a time, and following sees what is produced later', async () => {
    const { sluice, topic } = await setup(1, [1_000, 2_000, 3_000].map((timestamp, i) => ({ key: 'k', value: `old${i}`, timestamp })));
    const fromTime: string[] = [];
    for await (const r of sluice.reader({ topic, from: { timestamp: 2_000 } }).records()) fromTime.push(r.value!.toString());
    expect(fromTime).toEqual(['old1', 'old2']);

    const reader = sluice.reader({ topic, from: { offset: 3 }, follow: true, waitMs: 1_000 });
    const producer = sluice.producer();
    const later: string[] = [];
    const reading = (async () => {
      for await (const r of reader.records()) {
        later.push(r.value!.toString());
        if (later.length === 2) reader.close();
      }
    })();
    await producer.send({ topic, value: 'new0' });
    await producer.send({ topic, value: 'new1' });
    await producer.close();
    await reading;
    expect(later).toEqual(['new0', 'new1']);
  });
});
