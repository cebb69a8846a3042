// Maintenance over index pages (lib/log/maintenance/indexItems.ts): a flush writes a
// page of entries, and retention or compaction that starts or ends inside a page keeps
// its other entries, readable at their offsets, while the items it replaced go.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { rewriteRun } from '../../../../lib/log/maintenance/compaction.ts';
import { runMaintenance } from '../../../../lib/log/maintenance/index.ts';
import { readIndex, swapIndexEntries } from '../../../../lib/log/maintenance/store.ts';
import type { StoredIndexEntry } from '../../../../lib/storage/segmentIndex.ts';
import { tpKey } from '../../../../lib/storage/metadata.ts';
import { newSegmentKey, putSegment, readRanges } from '../../../../lib/storage/segments.ts';
import { FLUSH_AT } from '../../../../lib/storage/tail.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { expectDenseOffsets, readAll, rec } from '../../../support/log.ts';
import { clockedTopic, expectCountersMatchIndex } from './helpers.ts';

const storage = useTestStorage();
const setup = (config: Record<string, unknown> = {}) => clockedTopic(storage.clients, 'pg', config);

/** The index's items: each one's key and the offsets its entries cover. */
async function items(topicId: string): Promise<{ key: number; from: number }[]> {
  const res = await storage.clients.ddb.send(new QueryCommand({
    TableName: storage.clients.names.tables.segments,
    KeyConditionExpression: 'tp = :tp',
    ExpressionAttributeValues: { ':tp': { S: tpKey(topicId, 0) } },
    ConsistentRead: true,
  }));
  return (res.Items ?? []).map((i) => ({ key: Number(i.lastOffset!.N), from: Number((i.pageBase ?? i.baseOffset)!.N) }));
}

/** Compacts `run` (entries of partition 0) into one new object, as a compaction pass would. */
async function compact(topicId: string, run: StoredIndexEntry[]): Promise<void> {
  const bodies = await readRanges(storage.clients, run.map((e) => ({ key: e.objectKey, start: e.byteStart, length: e.byteLength })));
  const objectKey = newSegmentKey(topicId, 0);
  const merged = rewriteRun(run, bodies, objectKey, 1 << 20);
  await putSegment(storage.clients, objectKey, merged.body);
  await swapIndexEntries(storage.clients, { topicId, partition: 0, replaced: run, written: merged.written, releasedAt: Date.now() });
}

describe('index pages under maintenance', () => {
  it('retention that stops inside a page keeps the page\'s later entries under its key, then takes them when they expire', async () => {
    const { clock, log, name, topicId } = await setup({ 'retention.ms': 60_000 });
    for (let i = 0; i < 5; i++) await log.append(name, 0, { records: [rec(`old${i}`)] });
    clock.advance(30_000);
    for (let i = 0; i < FLUSH_AT - 5; i++) await log.append(name, 0, { records: [rec(`new${i}`)] });
    expect(await items(topicId)).toEqual([{ key: FLUSH_AT - 1, from: 0 }]);

    clock.advance(30_001);
    await runMaintenance(storage.clients, { now: clock.now, topics: [name], compactionTargetBytes: 0 });

    expect(await items(topicId)).toEqual([{ key: FLUSH_AT - 1, from: 5 }]);
    expect((await readAll(log, name, 0, 5)).map((r) => r.value)).toEqual(['new0', 'new1', 'new2']);
    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);

    clock.advance(60_000);
    await runMaintenance(storage.clients, { now: clock.now, topics: [name], compactionTargetBytes: 0 });
    expect(await items(topicId)).toEqual([]);
    expect(await log.listOffsets(name, 0, 'earliest')).toBe(FLUSH_AT);
  });

  it('a swap from inside one page to inside the next keeps both pages\' other entries, and every record stays where it was', async () => {
    const { log, name, topicId } = await setup();
    for (let i = 0; i < 2 * FLUSH_AT; i++) await log.append(name, 0, { records: [{ ...rec(`v${i}`), timestamp: 1000 + i }] });
    const before = await readAll(log, name, 0);
    expect(await items(topicId)).toEqual([{ key: FLUSH_AT - 1, from: 0 }, { key: 2 * FLUSH_AT - 1, from: FLUSH_AT }]);
    const run = (await readIndex(storage.clients, topicId, 0)).slice(FLUSH_AT - 3, FLUSH_AT + 3);

    await compact(topicId, run);

    expect(await items(topicId)).toEqual([
      { key: FLUSH_AT - 4, from: 0 },
      { key: FLUSH_AT + 2, from: FLUSH_AT - 3 },
      { key: 2 * FLUSH_AT - 1, from: FLUSH_AT + 3 },
    ]);
    expect(await readAll(log, name, 0)).toEqual(before);
    for (const offset of [FLUSH_AT - 4, FLUSH_AT - 3, FLUSH_AT + 2, FLUSH_AT + 3]) {
      expect((await log.fetch(name, 0, { offset, maxRecords: 1 })).records.map((r) => r.offset)).toEqual([offset]);
      expect(await log.listOffsets(name, 0, 1000 + offset)).toBe(offset);
    }
    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);
  });

  it('a swap planned on a page another swap has cut since still applies, to the page as it is now', async () => {
    const { log, name, topicId } = await setup();
    for (let i = 0; i < FLUSH_AT; i++) await log.append(name, 0, { records: [rec(`v${i}`)] });
    const before = await readAll(log, name, 0);
    const index = await readIndex(storage.clients, topicId, 0);

    await compact(topicId, index.slice(1, 3));
    await compact(topicId, index.slice(4, 6));

    expect(await items(topicId)).toEqual([
      { key: 0, from: 0 }, { key: 2, from: 1 }, { key: 3, from: 3 }, { key: 5, from: 4 }, { key: FLUSH_AT - 1, from: 6 },
    ]);
    expect(await readAll(log, name, 0)).toEqual(before);
    await expectDenseOffsets(storage.clients, topicId, 0);
    await expectCountersMatchIndex(storage.clients, topicId, 0);
  });
});
