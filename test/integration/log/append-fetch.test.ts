import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { decodeBatches, encodeBatch } from '../../../lib/records/index.ts';
import { getHead } from '../../../lib/storage/metadata.ts';
import { useTestStorage } from '../../support/stack.ts';
import { expectDenseOffsets, readAll, rec, text } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;
async function topic(partitions = 1, config: Record<string, unknown> = {}) {
  const log = new Log(storage.clients);
  const t = await log.createTopic({ name: `t${n++}-${Date.now()}`, partitions, config });
  return { log, name: t.name, topicId: t.topicId };
}

describe('append and fetch', () => {
  it('assigns consecutive offsets and reads records back at them', async () => {
    const { log, name } = await topic();

    const a = await log.append(name, 0, { records: [rec('a', 'k1'), rec('b', 'k2')] });
    const b = await log.append(name, 0, { records: [rec('c')] });

    expect(a).toEqual({ partition: 0, baseOffset: 0, lastOffset: 1 });
    expect(b).toEqual({ partition: 0, baseOffset: 2, lastOffset: 2 });
    const all = await readAll(log, name, 0);
    expect(all.map((r) => [r.offset, r.key, r.value])).toEqual([[0, 'k1', 'a'], [1, 'k2', 'b'], [2, null, 'c']]);
  });

  it('keeps keys, values, nulls, headers and timestamps exactly', async () => {
    const { log, name } = await topic();
    const value = randomBytes(300);

    await log.append(name, 0, {
      records: [
        { key: null, value: null, timestamp: 1_700_000_000_000 },
        { key: Buffer.alloc(0), value, headers: [{ key: 'h', value: Buffer.from('v') }, { key: 'nil', value: null }], timestamp: 5 },
      ],
    });

    const { records } = await log.fetch(name, 0, { offset: 0 });
    expect(records[0]).toMatchObject({ offset: 0, key: null, value: null, timestamp: 1_700_000_000_000, headers: [] });
    expect(records[1]!.key).toEqual(Buffer.alloc(0));
    expect(records[1]!.value).toEqual(value);
    expect(records[1]!.headers).toEqual([{ key: 'h', value: Buffer.from('v') }, { key: 'nil', value: null }]);
    expect(records[1]!.timestamp).toBe(5);
  });

  it('starts a fetch in the middle of a segment', async () => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: ['a', 'b', 'c', 'd'].map((v) => rec(v)) });

    const res = await log.fetch(name, 0, { offset: 2 });

    expect(res.records.map((r) => [r.offset, text(r.value)])).toEqual([[2, 'c'], [3, 'd']]);
    expect(res).toMatchObject({ nextOffset: 4, highWatermark: 4, logStartOffset: 0 });
  });

  it('an empty partition fetches nothing at offset 0', async () => {
    const { log, name } = await topic(2);

    const res = await log.fetch(name, 1, { offset: 0 });

    expect(res).toEqual({ records: [], nextOffset: 0, highWatermark: 0, logStartOffset: 0 });
  });

  it('a fetch at the high watermark returns nothing and stays there', async () => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: [rec('x')] });

    const res = await log.fetch(name, 0, { offset: 1 });

    expect(res).toEqual({ records: [], nextOffset: 1, highWatermark: 1, logStartOffset: 0 });
  });

  it.each([
    ['above the high watermark', 2],
    ['below the log start', -1],
  ])('an offset %s is OFFSET_OUT_OF_RANGE with the valid range', async (_, offset) => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: [rec('x')] });

    await expect(log.fetch(name, 0, { offset })).rejects.toMatchObject({
      code: 'OFFSET_OUT_OF_RANGE',
      status: 416,
      details: { logStartOffset: 0, highWatermark: 1 },
    });
  });

  it('an unknown partition or topic is UNKNOWN_TOPIC_OR_PARTITION and writes nothing', async () => {
    const { log, name, topicId } = await topic(2);

    await expect(log.append(name, 2, { records: [rec('x')] })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await expect(log.fetch('no-such-topic', 0, { offset: 0 })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    expect((await getHead(storage.clients, topicId, 2)).exists).toBe(false);
  });

  it('stops at maxRecords and continues from nextOffset', async () => {
    const { log, name } = await topic();
    for (let i = 0; i < 5; i++) await log.append(name, 0, { records: [rec(`a${i}`), rec(`b${i}`)] });

    const first = await log.fetch(name, 0, { offset: 1, maxRecords: 3 });
    const second = await log.fetch(name, 0, { offset: first.nextOffset, maxRecords: 100 });

    expect(first.records.map((r) => r.offset)).toEqual([1, 2, 3]);
    expect(first.nextOffset).toBe(4);
    expect(second.records.map((r) => r.offset)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('stops at maxBytes but always returns at least one record', async () => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: [0, 1, 2].map(() => ({ key: null, value: randomBytes(1000) })) });

    const small = await log.fetch(name, 0, { offset: 0, maxBytes: 10 });
    const two = await log.fetch(name, 0, { offset: 0, maxBytes: 2500 });

    expect(small.records).toHaveLength(1);
    expect(two.records).toHaveLength(2);
  });

  it('stores and serves batches near 1 MiB', async () => {
    const { log, name } = await topic();
    const values = Array.from({ length: 10 }, () => randomBytes(100_000));

    await log.append(name, 0, { records: values.map((value) => ({ key: null, value })) });

    const res = await log.fetch(name, 0, { offset: 0, maxBytes: 2_000_000 });
    expect(res.records.map((r) => r.value)).toEqual(values);
  });

  it('splits a request larger than max.message.bytes into several batches of one segment', async () => {
    const { log, name, topicId } = await topic(1, { 'max.message.bytes': 250_000 });
    const values = Array.from({ length: 10 }, () => randomBytes(100_000));

    const res = await log.append(name, 0, { records: values.map((value) => ({ key: null, value })) });

    expect(res).toMatchObject({ baseOffset: 0, lastOffset: 9 });
    expect((await readAll(log, name, 0)).length).toBe(10);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('refuses a single record over max.message.bytes and writes nothing', async () => {
    const { log, name, topicId } = await topic(1, { 'max.message.bytes': 1000 });

    await expect(log.append(name, 0, { records: [{ key: null, value: randomBytes(2000) }] })).rejects.toMatchObject({
      code: 'RECORD_TOO_LARGE',
      status: 413,
    });
    expect((await getHead(storage.clients, topicId, 0)).nextOffset).toBe(0);
  });

  it('stamps LogAppendTime on topics configured for it', async () => {
    const now = 1_750_000_000_000;
    const log = new Log(storage.clients, { now: () => now });
    const t = await log.createTopic({ name: `lat${n++}`, config: { 'message.timestamp.type': 'LogAppendTime' } });

    await log.append(t.name, 0, { records: [{ key: null, value: Buffer.from('x'), timestamp: 1 }] });
    await log.append(t.name, 0, { batches: encodeBatch({ records: [{ key: null, value: Buffer.from('y'), timestamp: 2 }] }) });

    const { records } = await log.fetch(t.name, 0, { offset: 0 });
    expect(records.map((r) => [r.timestamp, r.timestampType])).toEqual([
      [now, 'LOG_APPEND_TIME'],
      [now, 'LOG_APPEND_TIME'],
    ]);
  });
});

describe('raw batches', () => {
  it('appends a producer batch of any base offset and assigns the partition offsets', async () => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: [rec('first')] });
    const batch = encodeBatch({ baseOffset: 9000, records: [rec('x', 'k'), rec('y', 'k')] });

    const res = await log.append(name, 0, { batches: batch });

    expect(res).toEqual({ partition: 0, baseOffset: 1, lastOffset: 2 });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['first', 'x', 'y']);
  });

  it('appends several concatenated batches, gzip among them, as one segment', async () => {
    const { log, name, topicId } = await topic();
    const body = Buffer.concat([
      encodeBatch({ records: [rec('a'), rec('b')] }),
      encodeBatch({ records: [rec('c')], compression: 'gzip' }),
    ]);

    const res = await log.append(name, 0, { batches: body });

    expect(res).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    expect((await readAll(log, name, 0)).map((r) => [r.offset, r.value])).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('serves stored batches with absolute base offsets', async () => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: [rec('a'), rec('b')] });
    await log.append(name, 0, { batches: encodeBatch({ records: [rec('c')], compression: 'gzip' }) });

    const res = await log.fetchBatches(name, 0, { offset: 1 });

    const decoded = decodeBatches(res.batches);
    expect(decoded.map((b) => b.baseOffset)).toEqual([0, 2]);
    expect(decoded.flatMap((b) => b.records.map((r) => [r.offset, text(r.value)]))).toEqual([[0, 'a'], [1, 'b'], [2, 'c']]);
    expect(res).toMatchObject({ nextOffset: 3, highWatermark: 3 });
  });

  it('recompresses producer batches when the topic sets compression.type', async () => {
    const { log, name } = await topic(1, { 'compression.type': 'gzip' });

    await log.append(name, 0, { batches: encodeBatch({ records: [rec('plain')] }) });

    const [stored] = decodeBatches((await log.fetchBatches(name, 0, { offset: 0 })).batches);
    expect(stored!.compression).toBe('gzip');
    expect(text(stored!.records[0]!.value)).toBe('plain');
  });

  it.each([
    ['a flipped CRC byte', (b: Buffer) => { b[20] = b[20]! ^ 0xff; }],
    ['bad magic', (b: Buffer) => { b[16] = 1; }],
    ['a truncated body', (b: Buffer) => b.subarray(0, b.length - 3)],
  ])('rejects %s as CORRUPT_MESSAGE and writes nothing', async (_, corrupt) => {
    const { log, name, topicId } = await topic();
    const batch = Buffer.from(encodeBatch({ records: [rec('x')] }));
    const bad = corrupt(batch) ?? batch;

    await expect(log.append(name, 0, { batches: bad })).rejects.toMatchObject({ code: 'CORRUPT_MESSAGE', status: 400 });
    expect((await getHead(storage.clients, topicId, 0)).exists).toBe(false);
  });
});

describe('list offsets', () => {
  it('earliest and latest are the log start and the high watermark', async () => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: [rec('a'), rec('b')] });

    expect(await log.listOffsets(name, 0, 'earliest')).toBe(0);
    expect(await log.listOffsets(name, 0, 'latest')).toBe(2);
  });

  it('a timestamp finds the first record at or after it, across segments', async () => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: [100, 200, 300].map((t) => ({ ...rec(`t${t}`), timestamp: t })) });
    await log.append(name, 0, { records: [400, 350, 500].map((t) => ({ ...rec(`t${t}`), timestamp: t })) });

    expect(await log.listOffsets(name, 0, 0)).toBe(0);
    expect(await log.listOffsets(name, 0, 200)).toBe(1);
    expect(await log.listOffsets(name, 0, 201)).toBe(2);
    expect(await log.listOffsets(name, 0, 301)).toBe(3);
    expect(await log.listOffsets(name, 0, 360)).toBe(3);
    expect(await log.listOffsets(name, 0, 450)).toBe(5);
  });

  it('a timestamp after every record is the high watermark', async () => {
    const { log, name } = await topic();
    await log.append(name, 0, { records: [{ ...rec('a'), timestamp: 10 }] });

    expect(await log.listOffsets(name, 0, 11)).toBe(1);
  });
});

describe('long polling', () => {
  it('a fetch at the high watermark returns as soon as a record is appended', async () => {
    const { log, name } = await topic();

    const waiting = log.fetch(name, 0, { offset: 0, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    await log.append(name, 0, { records: [rec('wake')] });
    const res = await waiting;

    expect(res.records.map((r) => text(r.value))).toEqual(['wake']);
  });

  it('sees an append made by another instance (polling the head)', async () => {
    const { log, name } = await topic();
    const other = new Log(storage.clients);

    const waiting = log.fetch(name, 0, { offset: 0, waitMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    await other.append(name, 0, { records: [rec('remote')] });

    expect((await waiting).records.map((r) => text(r.value))).toEqual(['remote']);
  });

  it('returns empty when nothing arrives within waitMs', async () => {
    const { log, name } = await topic();

    const res = await log.fetch(name, 0, { offset: 0, waitMs: 200 });

    expect(res).toMatchObject({ records: [], nextOffset: 0, highWatermark: 0 });
  });
});
