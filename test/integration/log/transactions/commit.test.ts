// Transactions in the log (DESIGN.md "Transactions"): many partitions and the items of
// other features visible together or not at all, under conflicts, lost responses and
// crashes between the upload and the commit. Faults are injected with SDK middleware
// where the emulators cannot produce them.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { Groups } from '../../../../lib/groups/index.ts';
import { Log, MAX_TRANSACTION_ITEMS, versionedItems, type TxnRecord } from '../../../../lib/log/index.ts';
import { encodeBatch } from '../../../../lib/records/index.ts';
import { createStorageClients, destroyStorageClients } from '../../../../lib/storage/clients.ts';
import { getHead } from '../../../../lib/storage/metadata.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { expectDenseOffsets, indexEntries, injectFault, readAll, rec, sharedObjectKeys } from '../../../support/log.ts';

const storage = useTestStorage();
let n = 0;
async function topics(count = 2, partitions = 1) {
  const log = new Log(storage.clients);
  const made = [];
  for (let i = 0; i < count; i++) made.push(await log.createTopic({ name: `tx${n++}-${Date.now()}`, partitions }));
  return { log, names: made.map((t) => t.name), ids: made.map((t) => t.topicId) };
}
const to = (topic: string, value: string, partition = 0): TxnRecord => ({ topic, partition, record: rec(value) });

const sharedObjects = () => sharedObjectKeys(storage.clients);

describe('a one-shot transaction', () => {
  it('writes records of two topics in one object and answers their offsets in request order', async () => {
    const { log, names, ids } = await topics();
    await log.append(names[1]!, 0, { records: [rec('earlier')] });

    const res = await log.transaction([to(names[0]!, 'a'), to(names[1]!, 'b'), to(names[0]!, 'c')]);

    expect(res.offsets).toEqual([
      { topic: names[0], partition: 0, offset: 0 },
      { topic: names[1], partition: 0, offset: 1 },
      { topic: names[0], partition: 0, offset: 1 },
    ]);
    expect((await readAll(log, names[0]!, 0)).map((r) => r.value)).toEqual(['a', 'c']);
    expect((await readAll(log, names[1]!, 0)).map((r) => r.value)).toEqual(['earlier', 'b']);
    const [e0, e1] = [(await indexEntries(storage.clients, ids[0]!, 0))[0]!, (await indexEntries(storage.clients, ids[1]!, 0))[1]!];
    expect(e0.objectKey).toBe(e1.objectKey);
    expect(e0.objectKey.startsWith('segments/~shared/')).toBe(true);
    expect(e1.byteStart).toBe(e0.byteLength);
    for (const id of ids) await expectDenseOffsets(storage.clients, id, 0);
  });

  it('commits group offsets with the records, fenced on the member generation', async () => {
    const { log, names } = await topics();
    await log.append(names[0]!, 0, { records: [rec('in-0'), rec('in-1')] });
    const groups = new Groups(storage.clients, log);
    const member = await groups.join('copy', { topics: [names[0]!] });
    const offsets = await groups.transactionalOffsets('copy', {
      memberId: member.memberId,
      generation: member.generation,
      offsets: [{ topic: names[0]!, partition: 0, offset: 2 }],
    });

    await log.transaction([to(names[1]!, 'out-0'), to(names[1]!, 'out-1')], { participants: [offsets] });

    expect((await groups.fetchOffsets('copy')).offsets[0]).toMatchObject({ topic: names[0], partition: 0, offset: 2 });
    expect((await readAll(log, names[1]!, 0)).map((r) => r.value)).toEqual(['out-0', 'out-1']);
  });

  it('writes nothing when the member was fenced between the check and the commit', async () => {
    const { log, names, ids } = await topics();
    await log.append(names[0]!, 0, { records: [rec('in-0')] });
    const groups = new Groups(storage.clients, log);
    const member = await groups.join('fenced', { topics: [names[0]!] });
    const offsets = await groups.transactionalOffsets('fenced', {
      memberId: member.memberId,
      generation: member.generation,
      offsets: [{ topic: names[0]!, partition: 0, offset: 1 }],
    });
    await groups.leave('fenced', member.memberId);

    const err = await log.transaction([to(names[1]!, 'out')], { participants: [offsets] }).catch((e) => e);

    expect(err).toMatchObject({ code: 'UNKNOWN_MEMBER_ID', status: 409 });
    expect((await getHead(storage.clients, ids[1]!, 0)).nextOffset).toBe(0);
    expect((await groups.fetchOffsets('fenced')).offsets.every((o) => o.offset === null)).toBe(true);
  });

  it('commits versioned items, and refuses one whose version moved with nothing written', async () => {
    const { log, names, ids } = await topics(1);
    const key = { id: { S: `state-${n++}` } };
    const v1 = versionedItems(storage.clients, [{ table: 'producers', key, attributes: { value: { S: 'one' } } }]);
    await log.transaction([to(names[0]!, 'a')], { participants: [v1] });
    const stale = versionedItems(storage.clients, [{ table: 'producers', key, expectedVersion: 0, attributes: { value: { S: 'stale' } } }]);

    const err = await log.transaction([to(names[0]!, 'b')], { participants: [stale] }).catch((e) => e);

    expect(err).toMatchObject({ code: 'CONCURRENT_MODIFICATION' });
    const item = await storage.clients.ddb.send(new GetItemCommand({ TableName: storage.clients.names.tables.producers, Key: key, ConsistentRead: true }));
    expect(item.Item).toMatchObject({ value: { S: 'one' }, version: { N: '1' } });
    expect((await getHead(storage.clients, ids[0]!, 0)).nextOffset).toBe(1);
  });

  it(`refuses more than ${MAX_TRANSACTION_ITEMS} items with INVALID_TXN_STATE naming the limit, uploading nothing`, async () => {
    const { log, names, ids } = await topics(1, 50);
    const before = await sharedObjects();
    const records = Array.from({ length: 50 }, (_, p) => to(names[0]!, `v${p}`, p));

    const err = await log.transaction(records).catch((e) => e);

    expect(err).toMatchObject({ code: 'INVALID_TXN_STATE', status: 400, details: { limit: 100, items: 101 } });
    expect(await sharedObjects()).toEqual(before);
    expect((await getHead(storage.clients, ids[0]!, 0)).exists).toBe(false);
    // 49 partitions is the exact limit without offsets.
    await expect(log.transaction(records.slice(0, 49))).resolves.toMatchObject({ partitions: expect.any(Array) });
  });
});

describe('conflicts and ambiguous outcomes', () => {
  it('concurrent plain appends to the same partitions: every transaction lands whole, offsets stay dense', async () => {
    const { log, names, ids } = await topics();
    const appenders = names.map(async (name) => {
      for (let i = 0; i < 15; i++) await new Log(storage.clients).append(name, 0, { records: [rec(`plain-${i}`)] });
    });
    const txns = Array.from({ length: 3 }, async (_, w) => {
      for (let i = 0; i < 5; i++) await new Log(storage.clients).transaction([to(names[0]!, `t${w}-${i}`), to(names[1]!, `t${w}-${i}`)]);
    });
    await Promise.all([...appenders, ...txns]);

    for (const [i, name] of names.entries()) {
      const values = (await readAll(log, name, 0)).map((r) => r.value);
      expect(values).toHaveLength(30);
      expect(new Set(values).size).toBe(30);
      await expectDenseOffsets(storage.clients, ids[i]!, 0);
    }
  }, 60_000);

  it('reads the heads while the data uploads: after the upload, the next call is the commit', async () => {
    const { names } = await topics();
    const traced = createStorageClients(storage.config);
    const events: string[] = [];
    for (const client of [traced.ddb, traced.s3]) {
      (client.middlewareStack as any).add(
        (next: any, context: any) => async (args: any) => {
          const table = args.input.TableName === storage.clients.names.tables.partitions ? ' head' : '';
          const op = `${context.commandName.replace(/Command$/, '')}${table}`;
          events.push(`send ${op}`);
          const out = await next(args);
          events.push(`answered ${op}`);
          return out;
        },
        { step: 'initialize', name: 'trace-order' },
      );
    }
    try {
      await new Log(traced).transaction([to(names[0]!, 'a'), to(names[1]!, 'b')]);

      const afterUpload = events.slice(events.indexOf('answered PutObject') + 1).filter((e) => e.startsWith('send'));
      expect(afterUpload).toEqual(['send TransactWriteItems']);
      expect(events.filter((e) => e === 'send GetItem head')).toHaveLength(2);
    } finally {
      destroyStorageClients(traced);
    }
  });

  it('a head that moves after it was read beside the upload fails only the first attempt: the records land after the append', async () => {
    const { log, names, ids } = await topics();
    const racing = createStorageClients(storage.config);
    let moved = false;
    let commits = 0;
    (racing.ddb.middlewareStack as any).add(
      (next: any, context: any) => async (args: any) => {
        if (context.commandName === 'TransactWriteItemsCommand') commits++;
        const out = await next(args);
        if (context.commandName === 'GetItemCommand' && args.input.TableName === storage.clients.names.tables.partitions && !moved) {
          moved = true;
          await log.append(names[0]!, 0, { records: [rec('between')] });
        }
        return out;
      },
      { step: 'initialize', name: 'move-head-after-read' },
    );
    try {
      const res = await new Log(racing).transaction([to(names[0]!, 'a'), to(names[1]!, 'b')]);

      expect(res.offsets).toEqual([
        { topic: names[0], partition: 0, offset: 1 },
        { topic: names[1], partition: 0, offset: 0 },
      ]);
      expect(commits).toBe(2);
      expect((await readAll(log, names[0]!, 0)).map((r) => r.value)).toEqual(['between', 'a']);
      expect((await readAll(log, names[1]!, 0)).map((r) => r.value)).toEqual(['b']);
      for (const id of ids) await expectDenseOffsets(storage.clients, id, 0);
    } finally {
      destroyStorageClients(racing);
    }
  });

  it('a response lost after the commit answers the original offsets and commits once', async () => {
    const { log, names, ids } = await topics();
    await log.append(names[0]!, 0, { records: [rec('before')] });
    const remove = injectFault(storage.clients.ddb, 'TransactWriteItems', 'after', { times: 1 });

    const res = await log.transaction([to(names[0]!, 'x'), to(names[1]!, 'y')]).finally(remove);

    expect(res.offsets.map((o) => o.offset)).toEqual([1, 0]);
    expect((await readAll(log, names[0]!, 0)).map((r) => r.value)).toEqual(['before', 'x']);
    expect((await readAll(log, names[1]!, 0)).map((r) => r.value)).toEqual(['y']);
    for (const id of ids) await expectDenseOffsets(storage.clients, id, 0);
  });

  it('a lost response while another writer moves a head is found in the index, not committed twice', async () => {
    const { log, names, ids } = await topics();
    const rival = new Log(storage.clients);
    let fired = false;
    const stack = storage.clients.ddb.middlewareStack as any;
    stack.add(
      (next: any, ctx: any) => async (args: any) => {
        if (ctx.commandName !== 'TransactWriteItemsCommand' || fired) return next(args);
        fired = true;
        await next(args);
        await rival.append(names[0]!, 0, { records: [rec('rival')] });
        throw Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError' });
      },
      { step: 'initialize', name: 'txn-lost-then-rival', priority: 'high' },
    );

    const res = await log.transaction([to(names[0]!, 'mine'), to(names[1]!, 'mine')]).finally(() => stack.remove('txn-lost-then-rival'));

    expect(res.offsets.map((o) => o.offset)).toEqual([0, 0]);
    expect((await readAll(log, names[0]!, 0)).map((r) => r.value)).toEqual(['mine', 'rival']);
    expect((await readAll(log, names[1]!, 0)).map((r) => r.value)).toEqual(['mine']);
    for (const id of ids) await expectDenseOffsets(storage.clients, id, 0);
  });

  it('a crash between the upload and the commit leaves only an unreferenced object, which the sweep deletes', async () => {
    const { log, names, ids } = await topics();
    const doomed = createStorageClients(storage.config);
    injectFault(doomed.ddb, 'TransactWriteItems', 'before', { error: () => new Error('process crashed') });
    const before = await sharedObjects();

    await expect(new Log(doomed, { commit: { maxAttempts: 2, backoffCapMs: 5 } }).transaction([to(names[0]!, 'lost'), to(names[1]!, 'lost')])).rejects.toThrow();
    destroyStorageClients(doomed);

    const orphan = (await sharedObjects()).filter((k) => !before.includes(k));
    expect(orphan).toHaveLength(1);
    for (const id of ids) expect((await getHead(storage.clients, id, 0)).nextOffset).toBe(0);
    expect((await readAll(log, names[0]!, 0))).toEqual([]);
    const { sweepSharedObjects } = await import('../../../../lib/log/index.ts');
    const swept = await sweepSharedObjects(storage.clients, { now: () => Date.now() + 3_600_000, graceMs: 600_000 });
    expect(swept.orphansDeleted).toBeGreaterThanOrEqual(1);
    expect(await sharedObjects()).not.toContain(orphan[0]);
  });

  it('keeps a shared object while any partition references it', async () => {
    const { log, names } = await topics();
    await log.transaction([to(names[0]!, 'kept'), to(names[1]!, 'kept')]);
    const key = (await sharedObjects()).at(-1)!;
    const { sweepSharedObjects } = await import('../../../../lib/log/index.ts');

    await sweepSharedObjects(storage.clients, { now: () => Date.now() + 3_600_000, graceMs: 600_000 });

    expect(await sharedObjects()).toContain(key);
    expect((await readAll(log, names[1]!, 0)).map((r) => r.value)).toEqual(['kept']);
  });

  it("leaves an idempotent producer's sequence state intact across transactions on its partition", async () => {
    const { log, names } = await topics(2);
    const { producerId } = await log.initProducer();
    const batch = (seq: number, v: string) => encodeBatch({ records: [rec(v)], producerId: BigInt(producerId), producerEpoch: 0, baseSequence: seq });
    const first = await log.append(names[0]!, 0, { batches: batch(0, 'p0') });

    await log.transaction([to(names[0]!, 'txn'), to(names[1]!, 'txn')]);
    const resent = await log.append(names[0]!, 0, { batches: batch(0, 'p0') });
    const next = await log.append(names[0]!, 0, { batches: batch(1, 'p1') });

    expect(resent).toEqual(first);
    expect(next.baseOffset).toBe(2);
    expect((await readAll(log, names[0]!, 0)).map((r) => r.value)).toEqual(['p0', 'txn', 'p1']);
  });
});
