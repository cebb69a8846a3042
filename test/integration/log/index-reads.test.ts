// Reads of the segment index (lib/storage/segmentIndex.ts queryIndexFrom): a read is
// billed by the kilobyte, so a fetch asks for as many items as pages would hold the
// entries it wants, and asks again only where items hold fewer.
import { describe, expect, it } from 'vitest';
import { seedPartition } from '../../../lib/local/index.ts';
import { Log } from '../../../lib/log/index.ts';
import { encodeBatch } from '../../../lib/records/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { rec, seedSingleEntries } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;

async function topic() {
  const log = new Log(storage.clients);
  const t = await log.createTopic({ name: `ir${n++}-${Date.now()}`, partitions: 1 });
  return { log, name: t.name, topicId: t.topicId };
}

/** The Limit of every Query of the segments table while `fn` runs. */
async function queryLimits(fn: () => Promise<unknown>): Promise<number[]> {
  const limits: number[] = [];
  const name = `limits-${Math.random()}`;
  (storage.clients.ddb.middlewareStack as any).add(
    (next: any, ctx: any) => async (args: any) => {
      if (ctx.commandName === 'QueryCommand' && args.input.TableName === storage.clients.names.tables.segments) limits.push(args.input.Limit);
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await fn();
  } finally {
    (storage.clients.ddb.middlewareStack as any).remove(name);
  }
  return limits;
}

const batches = (count: number) => Array.from({ length: count }, (_, i) => encodeBatch({ records: [rec(`v${i}`)] }));

describe('index reads', () => {
  it('a fetch of 100 records from pages reads one query of 14 items (a page may start before the offset), not 100', async () => {
    const { log, name, topicId } = await topic();
    await seedPartition(storage.clients, { topicId, partition: 0 }, batches(300));

    let res: Awaited<ReturnType<Log['fetch']>> | undefined;
    const limits = await queryLimits(async () => (res = await log.fetch(name, 0, { offset: 50, maxRecords: 100 })));

    expect(limits).toEqual([14]);
    expect(res!.records.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => 50 + i));
  });

  it('where every entry is an item of its own, it asks again for as many as are missing', async () => {
    const { log, name, topicId } = await topic();
    await seedSingleEntries(storage.clients, topicId, new Array(120).fill(0), new Array(120).fill(false));

    let res: Awaited<ReturnType<Log['fetch']>> | undefined;
    const limits = await queryLimits(async () => (res = await log.fetch(name, 0, { offset: 10, maxRecords: 50 })));

    expect(limits).toEqual([8, 42]);
    expect(res!.records.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => 10 + i));
  });
});
