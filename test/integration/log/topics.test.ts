import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { readAll, rec } from '../../support/log.ts';

const storage = useTestStorage();
const log = () => new Log(storage.clients);

describe('topics', () => {
  it('creates a topic with Kafka defaults and overrides', async () => {
    const created = await log().createTopic({ name: 'orders', partitions: 3, config: { 'retention.ms': 60000 } });

    expect(created.partitions).toHaveLength(3);
    expect(created.config['retention.ms']).toBe('60000');
    expect(created.config['cleanup.policy']).toBe('delete');
    expect(created.config['max.message.bytes']).toBe('1048588');
    expect(created.topicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('refuses a second topic with the same name', async () => {
    await log().createTopic({ name: 'dup' });

    await expect(log().createTopic({ name: 'dup' })).rejects.toMatchObject({ code: 'TOPIC_ALREADY_EXISTS', status: 409 });
  });

  it.each([
    ['', 'empty'],
    ['.', 'dot'],
    ['..', 'dot dot'],
    ['a'.repeat(250), 'too long'],
    ['has space', 'space'],
    ['slash/name', 'slash'],
    ['ünïcode', 'non-ASCII'],
  ])('rejects the topic name %j (%s)', async (name) => {
    await expect(log().createTopic({ name })).rejects.toMatchObject({ code: 'INVALID_TOPIC_EXCEPTION', status: 400 });
  });

  it('accepts a 249-character name of legal characters', async () => {
    const name = 'a._-Z9'.repeat(41) + 'abc';

    expect((await log().createTopic({ name })).name).toHaveLength(249);
  });

  it.each([0, -1, 10_001, 1.5])('rejects %s partitions', async (partitions) => {
    await expect(log().createTopic({ name: `p${String(partitions).replace(/\W/g, '')}`, partitions })).rejects.toMatchObject({
      code: 'INVALID_PARTITIONS',
    });
  });

  it('rejects unknown and malformed configs, naming them', async () => {
    await expect(log().createTopic({ name: 'cfg', config: { 'retention.ms': 'soon', 'no.such': 1 } })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(/retention\.ms.*no\.such|no\.such.*retention\.ms/),
    });
    await expect(log().describeTopic('cfg')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
  });

  it.each(['constructor', '__proto__', 'toString'])('rejects the inherited property name %j as an unknown config', async (key) => {
    await expect(log().createTopic({ name: `proto-${key.replace(/_/g, '')}`, config: JSON.parse(`{"${key}": "1"}`) })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });

  it('lists topics with their effective config', async () => {
    await log().createTopic({ name: 'listed', partitions: 2 });

    const listed = (await log().listTopics()).find((t) => t.name === 'listed');

    expect(listed).toMatchObject({ partitions: 2, config: { 'retention.ms': '604800000' } });
  });

  it('grows partitions and changes config, but never shrinks', async () => {
    const l = log();
    await l.createTopic({ name: 'grow', partitions: 2, config: { 'retention.ms': 1000 } });

    const altered = await l.alterTopic('grow', { partitions: 4, config: { 'retention.bytes': '1024', 'retention.ms': null } });

    expect(altered.partitions).toHaveLength(4);
    expect(altered.config['retention.bytes']).toBe('1024');
    expect(altered.config['retention.ms']).toBe('604800000');
    await expect(l.alterTopic('grow', { partitions: 3 })).rejects.toMatchObject({ code: 'INVALID_PARTITIONS' });
    await expect(l.append('grow', 3, { records: [rec('new partition')] })).resolves.toMatchObject({ baseOffset: 0 });
  });

  it('sees a partition added by another instance even with a cached topic', async () => {
    const a = log();
    const b = log();
    await a.createTopic({ name: 'cached', partitions: 1 });
    await b.append('cached', 0, { records: [rec('warm the cache')] });

    await a.alterTopic('cached', { partitions: 2 });

    await expect(b.append('cached', 1, { records: [rec('x')] })).resolves.toMatchObject({ partition: 1, baseOffset: 0 });
  });

  it('a re-created topic starts empty with a new id, even for a reader that cached the old one', async () => {
    const writer = log();
    const reader = log();
    const first = await writer.createTopic({ name: 'again' });
    await writer.append('again', 0, { records: [rec('old')] });
    expect(await readAll(reader, 'again', 0)).toHaveLength(1);

    await writer.deleteTopic('again');
    const second = await writer.createTopic({ name: 'again' });

    expect(second.topicId).not.toBe(first.topicId);
    expect(await readAll(reader, 'again', 0)).toEqual([]);
    expect((await reader.describeTopic('again')).partitions[0]).toMatchObject({ highWatermark: 0, sizeBytes: 0 });
  });

  it('refuses appends to a topic deleted behind a cached instance', async () => {
    const cachedWriter = log();
    await cachedWriter.createTopic({ name: 'gone' });
    await cachedWriter.append('gone', 0, { records: [rec('before')] });
    await log().deleteTopic('gone');

    await expect(cachedWriter.append('gone', 0, { records: [rec('after')] })).rejects.toMatchObject({
      code: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
  });

  it('an append through a stale cache of a re-created topic lands in the new topic', async () => {
    const cachedWriter = log();
    await cachedWriter.createTopic({ name: 'reborn' });
    await cachedWriter.append('reborn', 0, { records: [rec('old life')] });
    const admin = log();
    await admin.deleteTopic('reborn');
    await admin.createTopic({ name: 'reborn' });

    await cachedWriter.append('reborn', 0, { records: [rec('new life')] });

    expect((await readAll(admin, 'reborn', 0)).map((r) => r.value)).toEqual(['new life']);
  });

  it('deleting an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await expect(log().deleteTopic('never-was')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION', status: 404 });
  });
});
