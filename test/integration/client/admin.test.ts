// The SDK's Admin and Subscriptions against a real dev server: topics, offsets, groups,
// maintenance and subscriptions, round trip, with the API's errors as typed classes.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  GroupIdNotFoundError,
  InvalidPartitionsError,
  NonEmptyGroupError,
  Sluice,
  SluiceError,
  TopicAlreadyExistsError,
  UnknownSubscriptionError,
  UnknownTopicOrPartitionError,
} from '../../../lib/client/index.ts';
import { useDevServer } from './devServer.ts';

const dev = useDevServer();
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('Admin', () => {
  it('creates, lists, describes, alters and deletes a topic', async () => {
    const admin = new Sluice({ endpoint: dev.url }).admin();
    expect(await admin.health()).toEqual({ status: 'ok' });
    const topic = name('adm');

    const created = await admin.createTopic({ name: topic, partitions: 2, config: { 'retention.ms': 86_400_000 } });
    expect(created).toMatchObject({ name: topic, config: { 'retention.ms': '86400000' } });
    expect(created.partitions).toHaveLength(2);
    await expect(admin.createTopic({ name: topic })).rejects.toBeInstanceOf(TopicAlreadyExistsError);

    expect((await admin.listTopics()).find((t) => t.name === topic)).toMatchObject({ name: topic, partitions: 2 });
    expect((await admin.describeTopic(topic)).partitions.map((p) => p.highWatermark)).toEqual([0, 0]);

    const altered = await admin.alterTopic(topic, { partitions: 3, config: { 'retention.ms': '3600000' } });
    expect(altered.partitions).toHaveLength(3);
    expect(altered.config['retention.ms']).toBe('3600000');
    const shrink = await admin.alterTopic(topic, { partitions: 1 }).catch((e: unknown) => e);
    expect(shrink).toBeInstanceOf(InvalidPartitionsError);
    expect(shrink).toMatchObject({ code: 'INVALID_PARTITIONS', retriable: false, status: 400 });

    await admin.deleteTopic(topic);
    const gone = await admin.describeTopic(topic).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(UnknownTopicOrPartitionError);
    expect(gone).toBeInstanceOf(SluiceError);
  });

  it('lists offsets by position and time', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const admin = sluice.admin();
    const topic = name('offs');
    await admin.createTopic({ name: topic });
    const producer = sluice.producer();
    for (const [i, ts] of [1_000, 2_000, 3_000].entries()) await producer.send({ topic, value: `r${i}`, timestamp: ts });
    await producer.close();

    expect(await admin.listOffsets(topic, 0, 'earliest')).toBe(0);
    expect(await admin.listOffsets(topic, 0, 'latest')).toBe(3);
    expect(await admin.listOffsets(topic, 0, 1_500)).toBe(1);
    expect(await admin.listOffsets(topic, 0, new Date(3_000))).toBe(2);
    expect(await admin.listOffsets(topic, 0, 9_999)).toBe(3);
  });

  it('lists, describes, resets and deletes a group', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const admin = sluice.admin();
    const topic = name('grp');
    const group = name('g');
    await admin.createTopic({ name: topic, partitions: 2 });
    const producer = sluice.producer();
    await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic, partition: i % 2, value: `v${i}` })));
    await producer.close();
    await expect(admin.describeGroup(group)).rejects.toBeInstanceOf(GroupIdNotFoundError);

    // A member: the group is not empty, so resets and deletes are refused.
    const consumer = sluice.consumer({ groupId: group, topics: [topic], fromBeginning: true, heartbeatIntervalMs: 200 });
    let seen = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const run = consumer.run({
      eachRecord: async () => {
        await gate;
        if (++seen === 10) void consumer.close();
      },
    });
    await consumer.connect();
    const live = await admin.describeGroup(group);
    expect(live.members).toHaveLength(1);
    expect(live.members[0]!.assignment).toEqual([{ topic, partitions: [0, 1] }]);
    expect((await admin.listGroups()).find((g) => g.group === group)).toMatchObject({ members: 1 });
    await expect(admin.resetOffsets(group, { topic, to: 'earliest' })).rejects.toBeInstanceOf(NonEmptyGroupError);
    await expect(admin.deleteGroup(group)).rejects.toBeInstanceOf(NonEmptyGroupError);
    open();
    await run;

    const done = await admin.describeGroup(group);
    expect(done).toMatchObject({ state: 'Empty', members: [], lag: 0 });
    expect(done.offsets.map((o) => [o.partition, o.offset, o.lag])).toEqual([
      [0, 5, 0],
      [1, 5, 0],
    ]);
    expect(await admin.resetOffsets(group, { topic, to: { shiftBy: -2 }, partitions: [1] })).toEqual([
      { topic, partition: 1, offset: 3, metadata: '' },
    ]);
    expect(await admin.resetOffsets(group, { topic, to: 'earliest' })).toEqual([
      { topic, partition: 0, offset: 0, metadata: '' },
      { topic, partition: 1, offset: 0, metadata: '' },
    ]);
    expect((await admin.resetOffsets(group, { topic, to: { datetime: new Date(Date.now() + 60_000) } })).map((o) => o.offset)).toEqual([5, 5]);
    expect((await admin.fetchOffsets(group)).map((o) => o.lag)).toEqual([0, 0]);

    await admin.deleteGroup(group);
    await expect(admin.describeGroup(group)).rejects.toBeInstanceOf(GroupIdNotFoundError);
    expect((await admin.listGroups()).some((g) => g.group === group)).toBe(false);
  });

  it('runs a maintenance pass over the named topics and reports it', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const topic = name('mnt');
    await sluice.admin().createTopic({ name: topic, partitions: 2 });
    const report = await sluice.admin().runMaintenance({ topics: [topic] });
    expect(report.totals.partitionsExamined).toBe(2);
    expect(report.errors).toEqual([]);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('creates, lists, gets and deletes a subscription; its dead letters start empty', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const subs = sluice.subscriptions();
    const topic = name('subs');
    await sluice.admin().createTopic({ name: topic });
    const created = await subs.create(topic, { name: 'hook', target: { type: 'http', url: 'http://127.0.0.1:9/hook' }, batchSize: 10 });
    expect(created).toMatchObject({ topic, name: 'hook', status: 'active', batchSize: 10, maxRetries: 3 });
    expect((await subs.list(topic)).map((s) => s.name)).toEqual(['hook']);
    expect(await subs.get(topic, 'hook')).toMatchObject({ subscriptionId: created.subscriptionId });
    expect(await subs.deadLetters(topic, 'hook', { limit: 10 })).toEqual([]);
    await subs.delete(topic, 'hook');
    await expect(subs.get(topic, 'hook')).rejects.toBeInstanceOf(UnknownSubscriptionError);
  });
});
