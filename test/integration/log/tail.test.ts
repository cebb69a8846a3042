// The head's tail (lib/storage/tail.ts): flushes move entries to the segments table, as
// one page per flush (lib/storage/segmentIndex.ts), without changing what readers see,
// and drop writers idle for long from the head.
import { GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { getHead, headKey, tpKey } from '../../../lib/storage/metadata.ts';
import { getIndexEntry } from '../../../lib/storage/segmentIndex.ts';
import { findEntry, flushTail, WRITER_IDLE_MS } from '../../../lib/storage/tail.ts';
import { useTestStorage } from '../../support/stack.ts';
import { expectDenseOffsets, readAll, rec, tableEntries } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;

async function writerAttributes(topicId: string): Promise<string[]> {
  const res = await storage.clients.ddb.send(
    new GetItemCommand({ TableName: storage.clients.names.tables.partitions, Key: headKey(topicId, 0), ConsistentRead: true }),
  );
  return Object.keys(res.Item ?? {}).filter((k) => k.startsWith('ws') || k.startsWith('wb')).sort();
}

describe('the head\'s tail', () => {
  it('a flush moves the tail to the table: the same records at the same offsets, read across both', async () => {
    const log = new Log(storage.clients);
    const { name, topicId } = await log.createTopic({ name: `tail${n++}` });
    for (let i = 0; i < 5; i++) await log.append(name, 0, { records: [rec(`a${i}`), rec(`b${i}`)] });
    const before = await readAll(log, name, 0);

    expect(await flushTail(storage.clients, topicId, 0)).toBe('flushed');
    await log.append(name, 0, { records: [rec('after')] });

    const head = await getHead(storage.clients, topicId, 0);
    expect(head.tailBase).toBe(10);
    expect(head.tail.map((e) => [e.baseOffset, e.lastOffset])).toEqual([[10, 10]]);
    expect((await tableEntries(storage.clients, topicId, 0)).map((e) => e.lastOffset)).toEqual([1, 3, 5, 7, 9]);
    expect(await readAll(log, name, 0)).toEqual([...before, expect.objectContaining({ offset: 10, value: 'after' })]);
    expect(await log.listOffsets(name, 0, before[6]!.timestamp)).toBeLessThanOrEqual(6);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('a flush writes its entries as ONE item, and every entry inside it is found by fetch, by offset and by time', async () => {
    const log = new Log(storage.clients);
    const { name, topicId } = await log.createTopic({ name: `tail${n++}` });
    for (let i = 0; i < 6; i++) await log.append(name, 0, { records: [{ ...rec(`a${i}`), timestamp: 1000 + 10 * i }, { ...rec(`b${i}`), timestamp: 1005 + 10 * i }] });

    expect(await flushTail(storage.clients, topicId, 0)).toBe('flushed');

    const items = await storage.clients.ddb.send(new QueryCommand({
      TableName: storage.clients.names.tables.segments,
      KeyConditionExpression: 'tp = :tp',
      ExpressionAttributeValues: { ':tp': { S: tpKey(topicId, 0) } },
      ConsistentRead: true,
    }));
    expect(items.Items?.map((i) => Number(i.lastOffset!.N))).toEqual([11]);
    for (const offset of [0, 3, 6, 11]) {
      const res = await log.fetch(name, 0, { offset, maxRecords: 1 });
      expect(res.records.map((r) => [r.offset, r.value?.toString()])).toEqual([[offset, `${offset % 2 ? 'b' : 'a'}${Math.floor(offset / 2)}`]]);
    }
    expect((await getIndexEntry(storage.clients, topicId, 0, 5))?.baseOffset).toBe(4);
    expect((await findEntry(storage.clients, topicId, 0, 7))?.baseOffset).toBe(6);
    expect(await log.listOffsets(name, 0, 1031)).toBe(7);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('a head written before tails (no tailBase) takes appends: the first one gives it a tail after its index', async () => {
    const log = new Log(storage.clients);
    const { name, topicId } = await log.createTopic({ name: `tail${n++}` });
    await log.append(name, 0, { records: [rec('old')] });
    await flushTail(storage.clients, topicId, 0);
    // What a head looked like before: offsets and counters, no tail, no tailBase.
    await storage.clients.ddb.send(new UpdateItemCommand({
      TableName: storage.clients.names.tables.partitions, Key: headKey(topicId, 0), UpdateExpression: 'REMOVE tail, tailBase',
    }));

    const res = await log.append(name, 0, { records: [rec('new')] });
    await log.append(name, 0, { records: [rec('newer')] });

    expect(res).toMatchObject({ baseOffset: 1, lastOffset: 1 });
    expect((await getHead(storage.clients, topicId, 0)).tailBase).toBe(1);
    expect((await readAll(log, name, 0)).map((r) => [r.offset, r.value])).toEqual([[0, 'old'], [1, 'new'], [2, 'newer']]);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('a flush drops writers idle for an hour from the head, and keeps the others', async () => {
    const log = new Log(storage.clients);
    const { name, topicId } = await log.createTopic({ name: `tail${n++}` });
    await log.append(name, 0, { records: [rec('x')] });
    const written = await writerAttributes(topicId);
    expect(written).toHaveLength(2);

    expect(await flushTail(storage.clients, topicId, 0, 1, () => Date.now() + WRITER_IDLE_MS / 2)).toBe('flushed');
    expect(await writerAttributes(topicId)).toEqual(written);
    await log.append(name, 0, { records: [rec('y')] });
    expect(await flushTail(storage.clients, topicId, 0, 1, () => Date.now() + 2 * WRITER_IDLE_MS)).toBe('flushed');

    expect(await writerAttributes(topicId)).toEqual([]);
    await expect(log.append(name, 0, { records: [rec('z')] })).resolves.toMatchObject({ baseOffset: 2 });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['x', 'y', 'z']);
  });
});
