// Offsets by time over a sparse byTime index (lib/storage/segmentIndex.ts queryIndexByTime):
// only time marks are in the index, yet a lookup answers as a full index would, wherever
// the marks are and however record timestamps go back and forth.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { S, tpKey } from '../../../lib/storage/metadata.ts';
import { FLUSH_AT } from '../../../lib/storage/tail.ts';
import { useTestStorage } from '../../support/stack.ts';
import { rec, seedSingleEntries } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;
async function topic() {
  const log = new Log(storage.clients);
  const t = await log.createTopic({ name: `ti${n++}-${Date.now()}`, partitions: 1 });
  return { log, name: t.name, topicId: t.topicId };
}

/** Kafka's answer for one-record entries: the first offset stamped at or after `ts`, else the end. */
const firstAtOrAfter = (stamps: readonly number[], ts: number): number => {
  const i = stamps.findIndex((s) => s >= ts);
  return i < 0 ? stamps.length : i;
};

describe('offsets by time over a sparse time index', () => {
  it('answers as a full index would, wherever the time marks are', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.boolean()), { minLength: 1, maxLength: 150 }),
        fc.array(fc.integer({ min: 0, max: 210 }), { minLength: 1, maxLength: 6 }),
        async (entries, probes) => {
          const { log, name, topicId } = await topic();
          const stamps = entries.map(([ts]) => ts);
          await seedSingleEntries(storage.clients, topicId, stamps, entries.map(([, mark]) => mark));

          const found = await Promise.all(probes.map((ts) => log.listOffsets(name, 0, ts)));

          expect(found).toEqual(probes.map((ts) => firstAtOrAfter(stamps, ts)));
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);

  it('a flush puts one time mark, its newest entry, in the byTime index', async () => {
    const { log, name, topicId } = await topic();

    for (let i = 0; i < FLUSH_AT; i++) await log.append(name, 0, { records: [{ ...rec(`v${i}`), timestamp: 1000 + i }] });

    const marks = await storage.clients.ddb.send(new QueryCommand({
      TableName: storage.clients.names.tables.segments,
      IndexName: 'byTime',
      KeyConditionExpression: 'tp = :tp',
      ExpressionAttributeValues: { ':tp': S(tpKey(topicId, 0)) },
    }));
    expect(marks.Items?.map((i) => Number(i.lastOffset!.N))).toEqual([FLUSH_AT - 1]);
    expect(await log.listOffsets(name, 0, 1003)).toBe(3);
  });
});
