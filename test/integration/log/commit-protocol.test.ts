// The commit protocol's invariants (DESIGN.md) under concurrent writers, lost responses
// and crashes between steps. Faults are injected with SDK middleware: the emulators
// cannot drop a response after committing, so that is the one thing mocked. A plain
// append commits with one UpdateItem of the head (lib/storage/commit.ts, step B).
import { BatchWriteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { encodeBatch } from '../../../lib/records/index.ts';
import { createStorageClients, destroyStorageClients } from '../../../lib/storage/clients.ts';
import { getHead, N, S } from '../../../lib/storage/metadata.ts';
import { indexEntryItem } from '../../../lib/storage/segmentIndex.ts';
import { flushTail } from '../../../lib/storage/tail.ts';
import { useTestStorage } from '../../support/stack.ts';
import { countRequests, expectDenseOffsets, indexEntries, injectFault, readAll, rec, tableEntries } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;
async function topic(partitions = 1) {
  const log = new Log(storage.clients);
  const t = await log.createTopic({ name: `c${n++}-${Date.now()}`, partitions });
  return { log, name: t.name, topicId: t.topicId };
}

async function objectKeys(topicId: string): Promise<string[]> {
  const res = await storage.clients.s3.send(
    new ListObjectsV2Command({ Bucket: storage.clients.names.bucket, Prefix: `segments/${topicId}/` }),
  );
  return (res.Contents ?? []).map((o) => o.Key!);
}

describe('concurrent appenders', () => {
  it('8 writers x 50 appends to one partition: offsets dense and unique, every ack readable at its offsets', async () => {
    const { name, topicId } = await topic();
    const writers = 8;
    const appends = 50;

    const acks = await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const log = new Log(storage.clients); // one per writer, as separate Lambda instances
        const mine: { offset: number; value: string }[] = [];
        for (let i = 0; i < appends; i++) {
          const values = [`w${w}-${i}-a`, `w${w}-${i}-b`];
          const res = await log.append(name, 0, { records: values.map((v) => rec(v)) });
          mine.push({ offset: res.baseOffset, value: values[0]! }, { offset: res.lastOffset, value: values[1]! });
        }
        return mine;
      }),
    );

    const all = await readAll(new Log(storage.clients), name, 0);
    expect(all).toHaveLength(writers * appends * 2);
    expect(all.map((r) => r.offset)).toEqual(all.map((_, i) => i));
    const byOffset = new Map(all.map((r) => [r.offset, r.value]));
    for (const ack of acks.flat()) expect(byOffset.get(ack.offset)).toBe(ack.value);
    expect(new Set(all.map((r) => r.value)).size).toBe(all.length);
    await expectDenseOffsets(storage.clients, topicId, 0);
  }, 120_000);

  it('32 producers on one partition: every acknowledged record readable exactly once at its offset', async () => {
    const { name, topicId } = await topic();
    const producers = 32;
    const appends = 6;

    const acks = await Promise.all(
      Array.from({ length: producers }, async (_, w) => {
        const log = new Log(storage.clients);
        const mine: { offset: number; value: string }[] = [];
        for (let i = 0; i < appends; i++) {
          const values = [`p${w}-${i}-a`, `p${w}-${i}-b`, `p${w}-${i}-c`];
          const res = await log.append(name, 0, { records: values.map((v) => rec(v)) });
          values.forEach((value, k) => mine.push({ offset: res.baseOffset + k, value }));
        }
        return mine;
      }),
    );

    const all = await readAll(new Log(storage.clients), name, 0);
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: producers * appends * 3 }, (_, i) => i));
    const byOffset = new Map(all.map((r) => [r.offset, r.value]));
    for (const ack of acks.flat()) expect(byOffset.get(ack.offset)).toBe(ack.value);
    expect(new Set(all.map((r) => r.value)).size).toBe(all.length);
    // The tail was flushed to the table along the way, and the two never overlap.
    expect((await tableEntries(storage.clients, topicId, 0)).length).toBeGreaterThan(0);
    await expectDenseOffsets(storage.clients, topicId, 0);
  }, 120_000);

  it('writers on different partitions do not disturb each other', async () => {
    const { log, name, topicId } = await topic(4);

    await Promise.all([0, 1, 2, 3].map(async (p) => {
      for (let i = 0; i < 10; i++) await log.append(name, p, { records: [rec(`${p}-${i}`)] });
    }));

    for (const p of [0, 1, 2, 3]) {
      expect((await readAll(log, name, p)).map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `${p}-${i}`));
      await expectDenseOffsets(storage.clients, topicId, p);
    }
  });
});

describe('ambiguous outcomes', () => {
  it('a response lost after the commit returns the original offsets and commits once', async () => {
    const { log, name, topicId } = await topic();
    await log.append(name, 0, { records: [rec('before')] });
    const remove = injectFault(storage.clients.ddb, 'UpdateItem', 'after', { times: 1 });

    const res = await log.append(name, 0, { records: [rec('x'), rec('y')] }).finally(remove);

    expect(res).toEqual({ partition: 0, baseOffset: 1, lastOffset: 2 });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['before', 'x', 'y']);
    expect(await indexEntries(storage.clients, topicId, 0)).toHaveLength(2);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('lost responses under contention: 16 producers, every lost answer resent, nothing committed twice', async () => {
    const { name, topicId } = await topic();
    const remove = injectFault(storage.clients.ddb, 'UpdateItem', 'after', { times: 12 });

    const acks = await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        const log = new Log(storage.clients);
        const mine: { offset: number; value: string }[] = [];
        for (let i = 0; i < 4; i++) {
          const res = await log.append(name, 0, { records: [rec(`w${w}-${i}`), rec(`w${w}-${i}+`)] });
          mine.push({ offset: res.baseOffset, value: `w${w}-${i}` }, { offset: res.lastOffset, value: `w${w}-${i}+` });
        }
        return mine;
      }),
    ).finally(remove);

    const all = await readAll(new Log(storage.clients), name, 0);
    expect(all).toHaveLength(16 * 4 * 2);
    expect(new Set(all.map((r) => r.value)).size).toBe(all.length);
    const byOffset = new Map(all.map((r) => [r.offset, r.value]));
    for (const ack of acks.flat()) expect(byOffset.get(ack.offset)).toBe(ack.value);
    await expectDenseOffsets(storage.clients, topicId, 0);
  }, 60_000);

  it('a request lost before it reached DynamoDB is resent and commits once', async () => {
    const { log, name, topicId } = await topic();
    const remove = injectFault(storage.clients.ddb, 'UpdateItem', 'before', { times: 2 });

    const res = await log.append(name, 0, { records: [rec('x')] }).finally(remove);

    expect(res).toMatchObject({ baseOffset: 0, lastOffset: 0 });
    expect(await indexEntries(storage.clients, topicId, 0)).toHaveLength(1);
  });

  it('a lost response while another writer moves the head is recognised on the head, not appended twice', async () => {
    const { log, name, topicId } = await topic();
    const rival = new Log(storage.clients);
    let fired = false;
    (storage.clients.ddb.middlewareStack as any).add(
      (next: any, ctx: any) => async (args: any) => {
        if (ctx.commandName !== 'UpdateItemCommand' || fired) return next(args);
        fired = true;
        await next(args); // our commit lands...
        await rival.append(name, 0, { records: [rec('rival')] }); // ...someone appends after it...
        throw Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError' }); // ...and our response is lost
      },
      { step: 'initialize', name: 'lost-then-rival', priority: 'high' },
    );

    const res = await log.append(name, 0, { records: [rec('mine')] }).finally(() =>
      (storage.clients.ddb.middlewareStack as any).remove('lost-then-rival'),
    );

    expect(res).toMatchObject({ baseOffset: 0, lastOffset: 0 });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['mine', 'rival']);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('gives up with a retriable error when DynamoDB keeps failing, leaving the head untouched', async () => {
    const log = new Log(storage.clients, { commit: { maxAttempts: 3, backoffCapMs: 5 } });
    const t = await log.createTopic({ name: `giveup${n++}` });
    const remove = injectFault(storage.clients.ddb, 'UpdateItem', 'before', {
      error: () => Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
    });

    const err = await log.append(t.name, 0, { records: [rec('x')] }).catch((e) => e).finally(remove);

    expect(err).toMatchObject({ code: 'REQUEST_TIMED_OUT', status: 503, retriable: true });
    expect((await getHead(storage.clients, t.topicId, 0)).nextOffset).toBe(0);
  });
});

describe('crashes between steps', () => {
  it('a crash after the upload and before the commit leaves only an unreferenced object', async () => {
    const { name, topicId } = await topic();
    const doomed = createStorageClients(storage.config);
    injectFault(doomed.ddb, 'UpdateItem', 'before', { error: () => new Error('process crashed') });

    await expect(new Log(doomed).append(name, 0, { records: [rec('lost')] })).rejects.toThrow();
    destroyStorageClients(doomed);

    const survivor = new Log(storage.clients);
    expect(await readAll(survivor, name, 0)).toEqual([]);
    expect((await getHead(storage.clients, topicId, 0)).nextOffset).toBe(0);
    const [orphan] = await objectKeys(topicId);
    expect(orphan).toBeDefined();
    expect((await indexEntries(storage.clients, topicId, 0)).map((e) => e.objectKey)).not.toContain(orphan);
    await expect(survivor.append(name, 0, { records: [rec('next')] })).resolves.toMatchObject({ baseOffset: 0 });
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('a crash after the commit and before the response leaves the records readable, no hole', async () => {
    const { log, name, topicId } = await topic();
    await log.append(name, 0, { records: [rec('acked')] });
    const doomed = createStorageClients(storage.config);
    let dead = false;
    (doomed.ddb.middlewareStack as any).add(
      (next: any, ctx: any) => async (args: any) => {
        if (dead) throw new Error('process is gone');
        const out = await next(args);
        if (ctx.commandName === 'UpdateItemCommand') {
          dead = true;
          throw new Error('process crashed before answering');
        }
        return out;
      },
      { step: 'initialize', name: 'crash-after-commit', priority: 'high' },
    );

    await expect(new Log(doomed).append(name, 0, { records: [rec('unacked')] })).rejects.toThrow();
    destroyStorageClients(doomed);

    await log.append(name, 0, { records: [rec('after')] });
    expect((await readAll(log, name, 0)).map((r) => [r.offset, r.value])).toEqual([[0, 'acked'], [1, 'unacked'], [2, 'after']]);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('a reader never sees a committed entry above the head it read', async () => {
    const { log, name, topicId } = await topic();
    await log.append(name, 0, { records: [rec('a')] });
    // An index entry past the head can only exist mid-transaction; plant one to prove the
    // reader bounds itself by the head rather than by what the index returns.
    const key = `segments/${topicId}/0/planted`;
    await storage.clients.s3.send(new PutObjectCommand({ Bucket: storage.clients.names.bucket, Key: key, Body: encodeBatch({ records: [rec('future')] }) }));
    await storage.clients.ddb.send(new PutItemCommand({
      TableName: storage.clients.names.tables.segments,
      Item: indexEntryItem(topicId, 0, { baseOffset: 1, lastOffset: 1, objectKey: key, byteStart: 0, byteLength: encodeBatch({ records: [rec('future')] }).length, recordCount: 1, firstTimestamp: 0, maxTimestamp: 0 }, 0, true),
    }));

    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['a']);
    expect((await log.fetchBatches(name, 0, { offset: 0 })).nextOffset).toBe(1);
  });
});

describe('a partition with thousands of segments', () => {
  const SEGMENTS = 3000;

  /** Seeds a committed state directly: one object holding SEGMENTS one-record batches, one index entry each. */
  async function seed(topicId: string) {
    const batches = Array.from({ length: SEGMENTS }, (_, i) => encodeBatch({ records: [{ ...rec(`v${i}`), timestamp: 1000 + i }] }));
    const key = `segments/${topicId}/0/seeded`;
    await storage.clients.s3.send(new PutObjectCommand({ Bucket: storage.clients.names.bucket, Key: key, Body: Buffer.concat(batches) }));
    let at = 0;
    const items = batches.map((b, i) => {
      const item = indexEntryItem(topicId, 0, { baseOffset: i, lastOffset: i, objectKey: key, byteStart: at, byteLength: b.length, recordCount: 1, firstTimestamp: 1000 + i, maxTimestamp: 1000 + i }, 1000 + i, i % 8 === 7);
      at += b.length;
      return item;
    });
    for (let i = 0; i < items.length; i += 25) {
      await storage.clients.ddb.send(new BatchWriteItemCommand({
        RequestItems: { [storage.clients.names.tables.segments]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }));
    }
    await storage.clients.ddb.send(new PutItemCommand({
      TableName: storage.clients.names.tables.partitions,
      Item: { topicId: S(topicId), partition: N(0), nextOffset: N(SEGMENTS), logStartOffset: N(0), sizeBytes: N(at), segmentCount: N(SEGMENTS), maxTimestamp: N(1000 + SEGMENTS - 1) },
    }));
  }

  it('fetches at any offset with the same number of requests as at the front of the log', async () => {
    const big = await topic();
    await seed(big.topicId);
    const ddb = countRequests(storage.clients.ddb);
    const s3 = countRequests(storage.clients.s3);

    await big.log.fetch(big.name, 0, { offset: 0, maxRecords: 1 });
    const smallCost = ddb.total() + s3.total();
    ddb.reset();
    s3.reset();
    const deep = await big.log.fetch(big.name, 0, { offset: 2718, maxRecords: 1 });
    const bigCost = ddb.total() + s3.total();
    ddb.remove();
    s3.remove();

    expect(deep.records.map((r) => [r.offset, r.value?.toString()])).toEqual([[2718, 'v2718']]);
    expect(bigCost).toBe(smallCost);
  });

  it('reads a run of segments in order from the middle', async () => {
    const { log, name, topicId } = await topic();
    await seed(topicId);

    const res = await log.fetch(name, 0, { offset: 1500, maxRecords: 50 });

    expect(res.records.map((r) => r.value?.toString())).toEqual(Array.from({ length: 50 }, (_, i) => `v${1500 + i}`));
    expect(res.nextOffset).toBe(1550);
  });

  it('finds an offset by timestamp deep in the log', async () => {
    const { log, name, topicId } = await topic();
    await seed(topicId);

    expect(await log.listOffsets(name, 0, 1000 + 2345)).toBe(2345);
  });
});

describe('reads racing an index swap', () => {
  /** Alters the items of the next segments Query as a read-committed read of a half-applied swap could. */
  function tamperNextQuery(alter: (items: any[]) => any[]) {
    let done = false;
    (storage.clients.ddb.middlewareStack as any).add(
      (next: any, ctx: any) => async (args: any) => {
        const out = await next(args);
        if (!done && ctx.commandName === 'QueryCommand' && args.input.TableName === storage.clients.names.tables.segments) {
          done = true;
          out.output.Items = alter(out.output.Items);
        }
        return out;
      },
      { step: 'initialize', name: 'tamper-query', priority: 'high' },
    );
    return () => (storage.clients.ddb.middlewareStack as any).remove('tamper-query');
  }

  it('asks again when the entry holding the offset is missing from the answer', async () => {
    const { log, name, topicId } = await topic();
    // One flush per append: each entry an item of its own, so one can go missing.
    for (const v of ['a', 'b', 'c']) {
      await log.append(name, 0, { records: [rec(v)] });
      await flushTail(storage.clients, topicId, 0);
    }
    const restore = tamperNextQuery((items) => items.slice(1));

    const res = await log.fetch(name, 0, { offset: 0 }).finally(restore);

    expect(res.records.map((r) => r.value?.toString())).toEqual(['a', 'b', 'c']);
  });

  it('stops before a gap rather than skipping records, and continues from there', async () => {
    const { log, name, topicId } = await topic();
    for (const v of ['a', 'b', 'c']) {
      await log.append(name, 0, { records: [rec(v)] });
      await flushTail(storage.clients, topicId, 0);
    }
    const restore = tamperNextQuery((items) => [items[0], items[2]]);

    const first = await log.fetch(name, 0, { offset: 0 }).finally(restore);
    const rest = await log.fetch(name, 0, { offset: first.nextOffset });

    expect(first.records.map((r) => r.value?.toString())).toEqual(['a']);
    expect(rest.records.map((r) => r.value?.toString())).toEqual(['b', 'c']);
  });
});
