import { DeleteItemCommand, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { encodeBatch } from '../../../lib/records/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { bumpEpoch, countRequests, expectDenseOffsets, injectFault, readAll, rec } from '../../support/log.ts';
import { CONFIRM_INTERVAL_MS, PRODUCER_EXPIRY_MS } from '../../../lib/log/idempotence.ts';
import { headKey } from '../../../lib/storage/metadata.ts';
import { runMaintenance } from '../../../lib/log/maintenance/index.ts';
import { itemSize } from '../../../lib/storage/itemSize.ts';

const storage = useTestStorage();
let n = 0;
async function topic() {
  const log = new Log(storage.clients);
  const t = await log.createTopic({ name: `idem${n++}-${Date.now()}` });
  const { producerId } = await log.initProducer();
  return { log, name: t.name, topicId: t.topicId, producerId: BigInt(producerId) };
}

const batch = (producerId: bigint, baseSequence: number, values: string[], producerEpoch = 0) =>
  encodeBatch({ records: values.map((v) => rec(v)), producerId, producerEpoch, baseSequence });


describe('idempotent producers', () => {
  it('allocates a distinct producer id each time', async () => {
    const log = new Log(storage.clients);

    const ids = await Promise.all([1, 2, 3, 4].map(() => log.initProducer()));

    expect(new Set(ids.map((i) => i.producerId)).size).toBe(4);
    expect(ids.every((i) => i.producerEpoch === 0)).toBe(true);
  });

  it('a retried batch returns its original offsets and appends nothing', async () => {
    const { log, name, producerId } = await topic();
    const first = await log.append(name, 0, { batches: batch(producerId, 0, ['a', 'b']) });
    await log.append(name, 0, { batches: batch(producerId, 2, ['c']) });

    const retried = await log.append(name, 0, { batches: batch(producerId, 0, ['a', 'b']) });

    expect(retried).toEqual(first);
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['a', 'b', 'c']);
  });

  it('a lost response followed by the client resending the batch creates no duplicate', async () => {
    const { log, name, topicId, producerId } = await topic();
    const remove = injectFault(storage.clients.ddb, 'TransactWriteItems', 'after', {
      times: 1,
      error: () => new Error('the process serving the request died'),
    });
    const doomed = new Log(storage.clients, { commit: { maxAttempts: 1 } });
    await expect(doomed.append(name, 0, { batches: batch(producerId, 0, ['x']) })).rejects.toThrow();
    remove();

    const resent = await log.append(name, 0, { batches: batch(producerId, 0, ['x']) });

    expect(resent).toMatchObject({ baseOffset: 0, lastOffset: 0 });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['x']);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER and writes nothing', async () => {
    const { log, name, producerId } = await topic();
    await log.append(name, 0, { batches: batch(producerId, 0, ['a']) });

    await expect(log.append(name, 0, { batches: batch(producerId, 5, ['gap']) })).rejects.toMatchObject({
      code: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
      status: 409,
      details: { expectedSequence: 1 },
    });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['a']);
  });

  it('a new producer must start at sequence 0', async () => {
    const { log, name, producerId } = await topic();

    await expect(log.append(name, 0, { batches: batch(producerId, 3, ['late']) })).rejects.toMatchObject({
      code: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    });
  });

  it('fences an older epoch once a newer one has written', async () => {
    const { log, name, producerId } = await topic();
    await log.append(name, 0, { batches: batch(producerId, 0, ['old'], 0) });
    await bumpEpoch(storage.clients, producerId, 1);
    await log.append(name, 0, { batches: batch(producerId, 0, ['new'], 1) });

    await expect(log.append(name, 0, { batches: batch(producerId, 1, ['zombie'], 0) })).rejects.toMatchObject({
      code: 'PRODUCER_FENCED',
      status: 409,
    });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['old', 'new']);
  });

  it('checks sequences across the batches of one request', async () => {
    const { log, name, producerId } = await topic();
    const body = Buffer.concat([batch(producerId, 0, ['a', 'b']), batch(producerId, 2, ['c'])]);
    const broken = Buffer.concat([batch(producerId, 3, ['d']), batch(producerId, 9, ['e'])]);

    await expect(log.append(name, 0, { batches: body })).resolves.toMatchObject({ baseOffset: 0, lastOffset: 2 });
    await expect(log.append(name, 0, { batches: broken })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
  });

  it('concurrent resends of one batch commit it once', async () => {
    const { name, topicId, producerId } = await topic();
    const body = batch(producerId, 0, ['once']);

    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => new Log(storage.clients).append(name, 0, { batches: body })));

    expect(new Set(results.map((r) => r.baseOffset))).toEqual(new Set([0]));
    expect((await readAll(new Log(storage.clients), name, 0)).map((r) => r.value)).toEqual(['once']);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });
});

describe('producer state', () => {
  it('lives beside the head, one item per producer: the head does not grow with 30 producers', async () => {
    const { log, name, topicId, producerId } = await topic();
    const headBytes = async () => {
      const res = await storage.clients.ddb.send(new GetItemCommand({ TableName: storage.clients.names.tables.partitions, Key: headKey(topicId, 0), ConsistentRead: true }));
      const { tail: _tail, ...rest } = res.Item!;
      return itemSize(rest);
    };
    await log.append(name, 0, { batches: batch(producerId, 0, ['p0']) });
    const withOne = await headBytes();

    for (let i = 1; i < 30; i++) {
      const other = BigInt((await log.initProducer()).producerId);
      await log.append(name, 0, { batches: batch(other, 0, [`p${i}`]) });
    }

    // Only its counters grew a digit or two; 30 producers' states would be kilobytes.
    expect(await headBytes()).toBeLessThan(withOne + 64);
    const state = await storage.clients.ddb.send(new GetItemCommand({
      TableName: storage.clients.names.tables.producers, Key: { id: { S: `pstate#${topicId}#0#${producerId}` } }, ConsistentRead: true,
    }));
    expect(JSON.parse(state.Item!.st!.S!)).toMatchObject({ e: 0, b: [{ f: 0, l: 0, o: 0 }] });
    expect(Number(state.Item!.expiresAt!.N) * 1000).toBeGreaterThan(Date.now() + PRODUCER_EXPIRY_MS - 60_000);
  });

  it('a head written before producer items still vouches for its producers: a resend is a duplicate, the next batch follows on', async () => {
    const { log, name, topicId, producerId } = await topic();
    await log.append(name, 0, { records: [rec('before')] });
    const legacy = { [String(producerId)]: { e: 0, b: [{ f: 0, l: 1, o: 1 }], t: Date.now(), v: Date.now() } };
    await storage.clients.ddb.send(new UpdateItemCommand({
      TableName: storage.clients.names.tables.partitions, Key: headKey(topicId, 0),
      UpdateExpression: 'SET nextOffset = :n, producers = :p', ExpressionAttributeValues: { ':n': { N: '3' }, ':p': { S: JSON.stringify(legacy) } },
    }));

    const resent = await log.append(name, 0, { batches: batch(producerId, 0, ['a', 'b']) });
    const next = await log.append(name, 0, { batches: batch(producerId, 2, ['c']) });
    const gap = await log.append(name, 0, { batches: batch(producerId, 9, ['z']) }).catch((e: unknown) => e);

    expect(resent).toMatchObject({ baseOffset: 1, lastOffset: 2 });
    expect(next).toMatchObject({ baseOffset: 3, lastOffset: 3 });
    expect(gap).toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
  });
});

describe('producer state on heads written before its items', () => {
  const legacyHead = async (topicId: string, producers: Record<string, unknown>) =>
    storage.clients.ddb.send(new UpdateItemCommand({
      TableName: storage.clients.names.tables.partitions, Key: headKey(topicId, 0),
      UpdateExpression: 'SET nextOffset = :n, producers = :p', ExpressionAttributeValues: { ':n': { N: '3' }, ':p': { S: JSON.stringify(producers) } },
    }));
  const headItem = async (topicId: string) =>
    (await storage.clients.ddb.send(new GetItemCommand({ TableName: storage.clients.names.tables.partitions, Key: headKey(topicId, 0), ConsistentRead: true }))).Item!;
  const stateItem = async (topicId: string, producerId: bigint | string) =>
    (await storage.clients.ddb.send(new GetItemCommand({
      TableName: storage.clients.names.tables.producers, Key: { id: { S: `pstate#${topicId}#0#${producerId}` } }, ConsistentRead: true,
    }))).Item;

  it('a maintenance pass moves the live states to their items and removes the attribute; the producer carries on', async () => {
    const { log, name, topicId, producerId } = await topic();
    await log.append(name, 0, { records: [rec('before')] });
    const live = { e: 0, b: [{ f: 0, l: 1, o: 1 }], t: Date.now(), v: Date.now() };
    await legacyHead(topicId, { [String(producerId)]: live, '77': { e: 0, b: [{ f: 0, l: 0, o: 0 }], t: Date.now() - 2 * PRODUCER_EXPIRY_MS } });

    await runMaintenance(storage.clients, { topics: [name], compactionTargetBytes: 0 });

    expect((await headItem(topicId)).producers).toBeUndefined();
    expect(JSON.parse((await stateItem(topicId, producerId))!.st!.S!)).toEqual(live);
    expect(await stateItem(topicId, '77')).toBeUndefined();
    expect(await log.append(name, 0, { batches: batch(producerId, 0, ['a', 'b']) })).toMatchObject({ baseOffset: 1, lastOffset: 2 });
    expect(await log.append(name, 0, { batches: batch(producerId, 2, ['c']) })).toMatchObject({ baseOffset: 3 });
  });

  it('does not overwrite a state an append has written since', async () => {
    const { log, name, topicId, producerId } = await topic();
    await log.append(name, 0, { records: [rec('before')] });
    await legacyHead(topicId, { [String(producerId)]: { e: 0, b: [{ f: 0, l: 1, o: 1 }], t: Date.now(), v: Date.now() } });
    await log.append(name, 0, { batches: batch(producerId, 2, ['c']) });
    const newer = (await stateItem(topicId, producerId))!.st!.S!;

    await runMaintenance(storage.clients, { topics: [name], compactionTargetBytes: 0 });

    expect((await headItem(topicId)).producers).toBeUndefined();
    expect((await stateItem(topicId, producerId))!.st!.S!).toBe(newer);
    expect(await log.append(name, 0, { batches: batch(producerId, 2, ['c']) })).toMatchObject({ baseOffset: 3 });
  });
});

describe('producer ids cannot be spoofed', () => {
  it('hands out random ids, not a sequence one could guess', async () => {
    const log = new Log(storage.clients);

    const ids = (await Promise.all([1, 2, 3, 4].map(() => log.initProducer()))).map((i) => i.producerId).sort((a, b) => a - b);

    for (let i = 1; i < ids.length; i++) expect(ids[i]! - ids[i - 1]!).toBeGreaterThan(1_000);
    for (const id of ids) expect(Number.isSafeInteger(id) && id > 0).toBe(true);
  });

  it("a batch under another producer's id and sequence 0 does not make that producer's real batch a duplicate", async () => {
    const { log, name, producerId } = await topic();
    // The id next to a real one, and a few others: none was handed out.
    for (const guess of [producerId + 1n, producerId - 1n, 1n, 2n ** 52n]) {
      await expect(log.append(name, 0, { batches: batch(guess, 0, ['spoofed']) })).rejects.toMatchObject({
        code: 'UNKNOWN_PRODUCER_ID',
        status: 409,
      });
    }

    const real = await log.append(name, 0, { batches: batch(producerId, 0, ['real']) });

    expect(real).toMatchObject({ baseOffset: 0, lastOffset: 0 });
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['real']);
  });

  it('refuses an epoch the producer was never given', async () => {
    const { log, name, producerId } = await topic();
    await log.append(name, 0, { batches: batch(producerId, 0, ['a']) });

    await expect(log.append(name, 0, { batches: batch(producerId, 0, ['fencing'], 1) })).rejects.toMatchObject({
      code: 'UNKNOWN_PRODUCER_ID',
    });
    await expect(log.append(name, 0, { batches: batch(producerId, 1, ['b']) })).resolves.toMatchObject({ baseOffset: 1 });
  });

  it('confirms a producer once per partition, not on every append', async () => {
    const { log, name, producerId } = await topic();
    const counter = countRequests(storage.clients.ddb);
    try {
      await log.append(name, 0, { batches: batch(producerId, 0, ['first']) });
      const first = counter.counts.get('UpdateItem') ?? 0;
      counter.reset();
      for (let seq = 1; seq <= 5; seq++) await log.append(name, 0, { batches: batch(producerId, seq, [`v${seq}`]) });

      expect(first).toBe(1);
      expect(counter.counts.get('UpdateItem') ?? 0).toBe(0);
    } finally {
      counter.remove();
    }
  });

  it('confirms again once the confirmation is a day old, and refuses an expired registration', async () => {
    let now = Date.now();
    const log = new Log(storage.clients, { now: () => now });
    const t = await log.createTopic({ name: `idem${n++}-${now}` });
    const producerId = BigInt((await log.initProducer()).producerId);
    await log.append(t.name, 0, { batches: batch(producerId, 0, ['a']) });
    await storage.clients.ddb.send(
      new DeleteItemCommand({ TableName: storage.clients.names.tables.producers, Key: { id: { S: `producer#${producerId}` } } }),
    );

    await expect(log.append(t.name, 0, { batches: batch(producerId, 1, ['b']) })).resolves.toMatchObject({ baseOffset: 1 });
    now += CONFIRM_INTERVAL_MS + 1;
    await expect(log.append(t.name, 0, { batches: batch(producerId, 2, ['c']) })).rejects.toMatchObject({ code: 'UNKNOWN_PRODUCER_ID' });
  });
});
