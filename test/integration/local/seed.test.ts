import { describe, expect, it } from 'vitest';
import { seedPartition } from '../../../lib/local/seed.ts';
import { Log } from '../../../lib/log/index.ts';
import { encodeBatch } from '../../../lib/records/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { expectDenseOffsets, indexEntries, readAll, rec } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;

async function topic() {
  const log = new Log(storage.clients);
  const t = await log.createTopic({ name: `seed${n++}-${Date.now()}`, partitions: 1 });
  return { log, name: t.name, target: { topicId: t.topicId, partition: 0 } };
}

const oneRecord = (i: number) => encodeBatch({ records: [{ ...rec(`v${i}`), timestamp: 1000 + i }] });

describe('seedPartition', () => {
  it('leaves a committed log the Log reads like appended data: dense offsets, one entry per segment, one object', async () => {
    const { log, name, target } = await topic();
    const segments = [...Array.from({ length: 200 }, (_, i) => oneRecord(i)), encodeBatch({ records: [rec('a'), rec('b'), rec('c')] })];
    const progress: number[] = [];

    await seedPartition(storage.clients, target, segments, { onProgress: (d) => progress.push(d) });

    await expectDenseOffsets(storage.clients, target.topicId, 0);
    const entries = await indexEntries(storage.clients, target.topicId, 0);
    expect(entries).toHaveLength(201);
    expect(new Set(entries.map((e) => e.objectKey)).size).toBe(1);
    expect(progress.at(-1)).toBe(201);
    const description = await log.describeTopic(name);
    expect(description.partitions[0]).toMatchObject({ highWatermark: 203, segments: 201, logStartOffset: 0 });
    const records = await readAll(log, name, 0);
    expect(records.map((r) => r.value)).toEqual([...Array.from({ length: 200 }, (_, i) => `v${i}`), 'a', 'b', 'c']);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 203 }, (_, i) => i));
  });

  it('appends after a seeded log continue at its end', async () => {
    const { log, name, target } = await topic();
    await seedPartition(storage.clients, target, [oneRecord(0), oneRecord(1)]);

    const appended = await log.append(name, 0, { records: [rec('next')] });

    expect(appended.baseOffset).toBe(2);
    await expectDenseOffsets(storage.clients, target.topicId, 0);
  });

  it('refuses a partition that already holds data and leaves that data alone', async () => {
    const { log, name, target } = await topic();
    await log.append(name, 0, { records: [rec('first')] });

    await expect(seedPartition(storage.clients, target, [oneRecord(0), oneRecord(1)])).rejects.toThrow(/already holds data/);

    expect((await log.describeTopic(name)).partitions[0]!.highWatermark).toBe(1);
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['first']);
  });
});
