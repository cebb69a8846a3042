// The SDK's browser-safe layer (FetchTransport: plain fetch, no signing, no Node) under
// Admin, Records and Subscriptions, against a real dev server: what the web console uses.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Admin } from '../../../lib/client/admin.ts';
import { Records } from '../../../lib/client/records.ts';
import { Subscriptions } from '../../../lib/client/subscriptions.ts';
import { FetchTransport } from '../../../lib/client/transport.ts';
import { OffsetOutOfRangeError, UnknownSubscriptionError, UnknownTopicOrPartitionError } from '../../../lib/core/errors.ts';
import { useDevServer } from './devServer.ts';

const dev = useDevServer();
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const transport = () => new FetchTransport({ baseUrl: dev.url });

describe('FetchTransport', () => {
  it('produces JSON records and reads them back with key, value and headers', async () => {
    const topic = name('rec');
    await new Admin(transport()).createTopic({ name: topic, partitions: 2 });
    const records = new Records(transport());

    const results = await records.produce(topic, [
      { key: 'alice', value: { amount: 200 }, headers: { source: 'web' }, partition: 1 },
      { key: null, value: 'plain', partition: 1 },
    ]);
    expect(results).toEqual([
      { partition: 1, offset: 0 },
      { partition: 1, offset: 1 },
    ]);

    const page = await records.fetch(topic, 1, { offset: 0 });
    expect(page).toMatchObject({ nextOffset: 2, highWatermark: 2, logStartOffset: 0 });
    expect(page.records.map((r) => [r.offset, r.key, r.value, r.headers])).toEqual([
      [0, 'alice', { amount: 200 }, { source: 'web' }],
      [1, null, 'plain', {}],
    ]);
  });

  it('answers API errors as their typed classes, with the details the API sent', async () => {
    const topic = name('err');
    const admin = new Admin(transport());
    await admin.createTopic({ name: topic });
    const out = await new Records(transport()).fetch(topic, 0, { offset: 5 }).catch((e: unknown) => e);
    expect(out).toBeInstanceOf(OffsetOutOfRangeError);
    expect(out).toMatchObject({ details: { logStartOffset: 0, highWatermark: 0 } });

    await admin.deleteTopic(topic);
    await expect(admin.describeTopic(topic)).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
  });

  it('lists, describes and deletes a subscription, with position and lag per partition', async () => {
    const topic = name('sub');
    await new Admin(transport()).createTopic({ name: topic, partitions: 2 });
    await new Records(transport()).produce(topic, [{ value: 1, partition: 0 }, { value: 2, partition: 0 }]);
    const subs = new Subscriptions(transport());
    // Nothing listens on port 9: deliveries fail, which this test does not wait for.
    await subs.create(topic, { name: 'audit', target: { type: 'http', url: 'http://127.0.0.1:9/hook' }, startingPosition: 'latest' });

    expect((await subs.list(topic)).map((s) => s.name)).toEqual(['audit']);
    const described = await subs.describe(topic, 'audit');
    expect(described.partitions.map((p) => [p.partition, p.position, p.highWatermark, p.lag])).toEqual([
      [0, 2, 2, 0],
      [1, 0, 0, 0],
    ]);
    expect(await subs.deadLetters(topic, 'audit')).toEqual([]);

    await subs.delete(topic, 'audit');
    await expect(subs.describe(topic, 'audit')).rejects.toBeInstanceOf(UnknownSubscriptionError);
  });
});
