// Administration through the gateway with kafkajs' admin client: topics, partitions,
// configs, offsets by time, groups, cluster.
import { describe, expect, it } from 'vitest';
import { useGateway, uniqueName } from './harness.ts';
import { RawConnection } from './raw.ts';

const h = useGateway();

describe('kafkajs admin against the gateway', () => {
  it('creates, lists, grows, describes, reconfigures and deletes topics', async () => {
    const admin = h.kafka().admin();
    await admin.connect();
    const topic = uniqueName('admin');
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })).toBe(false);
    expect(await admin.listTopics()).toContain(topic);

    await admin.createPartitions({ topicPartitions: [{ topic, count: 5 }] });
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]!.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);

    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic }] });
    const entries = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
    expect(entries.get('retention.ms')).toMatchObject({ configValue: '3600000', isDefault: false });
    expect(entries.get('cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true });

    await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'max.message.bytes', value: '2000000' }] }] });
    const after = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic }] });
    const now = new Map(after.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    // AlterConfigs replaces the whole set: retention.ms is back to its default.
    expect(now.get('max.message.bytes')).toBe('2000000');
    expect(now.get('retention.ms')).toBe('604800000');

    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
    ).rejects.toThrow(/config/i);

    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
    await admin.disconnect();
  });

  it('lists offsets (earliest, latest, by time) and manages group offsets and groups', async () => {
    const admin = h.kafka().admin();
    await admin.connect();
    const topic = uniqueName('offsets');
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    const producer = h.kafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a', timestamp: '1000' }, { value: 'b', timestamp: '2000' }, { value: 'c', timestamp: '3000' }] });
    await producer.disconnect();

    expect(await admin.fetchTopicOffsets(topic)).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '3', offset: '3' })]);
    expect(await admin.fetchTopicOffsetsByTimestamp(topic, 1500)).toEqual([{ partition: 0, offset: '1' }]);

    const groupId = uniqueName('offsets-group');
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] });
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions).toEqual([
      expect.objectContaining({ partition: 0, offset: '2' }),
    ]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(groupId);
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]).toMatchObject({ groupId, state: 'Empty', members: [] });
    await admin.resetOffsets({ groupId, topic, earliest: true });
    expect((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset).toBe('0');
    await admin.deleteGroups([groupId]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);

    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: h.gateway().port }]);
    await admin.disconnect();
  });

  it('serves IncrementalAlterConfigs, OffsetDelete and DescribeCluster as Kafka defines them', async () => {
    const topic = uniqueName('raw-admin');
    const group = uniqueName('raw-group');
    const { log, groups } = h.gateway().services;
    await log.createTopic({ name: topic, partitions: 1 });
    await log.append(topic, 0, { records: [{ key: null, value: Buffer.from('x') }] });
    await groups.commit(group, { offsets: [{ topic, partition: 0, offset: 1 }] });
    const conn = await RawConnection.open(h.gateway().port);

    const altered = await conn.request(44, 1, {
      resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }, { name: 'retention.bytes', configOperation: 1, value: null }] }],
      validateOnly: false,
    });
    expect(altered.responses[0].errorCode).toBe(0);
    expect((await log.describeTopic(topic)).config['retention.ms']).toBe('1000');
    const refused = await conn.request(44, 1, {
      resources: [{ resourceType: 2, resourceName: topic, configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'compact' }] }],
      validateOnly: false,
    });
    expect(refused.responses[0].errorCode).toBe(42);

    const deleted = await conn.request(47, 0, { groupId: group, topics: [{ name: topic, partitions: [{ partitionIndex: 0 }] }] });
    expect(deleted.errorCode).toBe(0);
    expect(deleted.topics[0].partitions[0].errorCode).toBe(0);
    expect((await groups.fetchOffsets(group)).offsets).toEqual([]);

    const cluster = await conn.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
    expect(cluster).toMatchObject({ errorCode: 0, clusterId: 'sluice', controllerId: 0, brokers: [{ brokerId: 0, host: '127.0.0.1', port: h.gateway().port }] });
    conn.close();
  });
});
