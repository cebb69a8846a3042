// Transactional producers: registration with epochs that fence zombies, staged batches
// invisible until the commit, abort, the timeout, and retries of a commit.
import { describe, expect, it } from 'vitest';
import { Groups } from '../../../../lib/groups/index.ts';
import { Log } from '../../../../lib/log/index.ts';
import { encodeBatch } from '../../../../lib/records/index.ts';
import { getHead } from '../../../../lib/storage/metadata.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { expectDenseOffsets, injectFault, readAll, rec } from '../../../support/log.ts';

const storage = useTestStorage();
let n = 0;
async function setup(opts: { now?: () => number } = {}) {
  const log = new Log(storage.clients, opts);
  const a = await log.createTopic({ name: `sa${n}-${Date.now()}`, partitions: 2 });
  const b = await log.createTopic({ name: `sb${n}-${Date.now()}` });
  const id = `producer-${n++}-${Date.now()}`;
  return { log, a: a.name, b: b.name, ids: [a.topicId, b.topicId], id };
}

describe('a staged transaction', () => {
  it('is invisible until its commit, then every batch is visible at once, in staging order', async () => {
    const { log, a, b, ids, id } = await setup();
    const { producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, producerEpoch, a, 0, { records: [rec('a1')] });
    await log.stageTransaction(id, producerEpoch, b, 0, { records: [rec('b1'), rec('b2')] });
    await log.stageTransaction(id, producerEpoch, a, 0, { records: [rec('a2')] });
    expect((await getHead(storage.clients, ids[0]!, 0)).nextOffset).toBe(0);

    const results = await log.commitStagedTransaction(id, producerEpoch);

    expect(results).toEqual([
      expect.objectContaining({ topic: a, partition: 0, baseOffset: 0, lastOffset: 1 }),
      expect.objectContaining({ topic: b, partition: 0, baseOffset: 0, lastOffset: 1 }),
    ]);
    expect((await readAll(log, a, 0)).map((r) => r.value)).toEqual(['a1', 'a2']);
    expect((await readAll(log, b, 0)).map((r) => r.value)).toEqual(['b1', 'b2']);
    await expectDenseOffsets(storage.clients, ids[0]!, 0);
  });

  it('a retried commit (its answer lost) answers the same results and writes nothing more', async () => {
    const { log, a, id } = await setup();
    const { producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, producerEpoch, a, 1, { records: [rec('x')] });
    const first = await log.commitStagedTransaction(id, producerEpoch);

    const again = await log.commitStagedTransaction(id, producerEpoch);

    expect(again).toEqual(first);
    expect((await readAll(log, a, 1)).map((r) => r.value)).toEqual(['x']);
  });

  it('a lost response of the commit call is resolved, committed once', async () => {
    const { log, a, b, id } = await setup();
    const { producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, producerEpoch, a, 0, { records: [rec('x')] });
    await log.stageTransaction(id, producerEpoch, b, 0, { records: [rec('y')] });
    const remove = injectFault(storage.clients.ddb, 'TransactWriteItems', 'after', { times: 1 });

    const results = await log.commitStagedTransaction(id, producerEpoch).finally(remove);

    expect(results.map((r) => r.baseOffset)).toEqual([0, 0]);
    expect((await readAll(log, a, 0)).map((r) => r.value)).toEqual(['x']);
    expect((await readAll(log, b, 0)).map((r) => r.value)).toEqual(['y']);
  });

  it('commits consumer-group offsets with the staged batches', async () => {
    const { log, a, b, id } = await setup();
    await log.append(a, 0, { records: [rec('in')] });
    const groups = new Groups(storage.clients, log);
    const m = await groups.join(`g-${id}`, { topics: [a] });
    const { producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, producerEpoch, b, 0, { records: [rec('out')] });
    const offsets = await groups.transactionalOffsets(`g-${id}`, { memberId: m.memberId, generation: m.generation, offsets: [{ topic: a, partition: 0, offset: 1 }] });

    await log.commitStagedTransaction(id, producerEpoch, [offsets]);

    expect((await groups.fetchOffsets(`g-${id}`)).offsets.find((o) => o.partition === 0)).toMatchObject({ offset: 1 });
    expect((await readAll(log, b, 0)).map((r) => r.value)).toEqual(['out']);
  });

  it('is gone after an abort: nothing of it ever becomes visible', async () => {
    const { log, a, ids, id } = await setup();
    const { producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, producerEpoch, a, 0, { records: [rec('never')] });

    expect(await log.abortTransaction(id, producerEpoch)).toEqual({ aborted: true });

    await expect(log.commitStagedTransaction(id, producerEpoch)).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' });
    expect((await getHead(storage.clients, ids[0]!, 0)).nextOffset).toBe(0);
  });

  it('is aborted once it outlives its timeout: TRANSACTION_ABORTABLE, nothing visible, the producer goes on', async () => {
    let now = 1_750_000_000_000;
    const { log, a, ids, id } = await setup({ now: () => now });
    const { producerEpoch } = await log.initTransactionalProducer(id, 1_000);
    await log.stageTransaction(id, producerEpoch, a, 0, { records: [rec('late')] });
    now += 1_001;

    const err = await log.commitStagedTransaction(id, producerEpoch).catch((e) => e);

    expect(err).toMatchObject({ code: 'TRANSACTION_ABORTABLE', status: 409 });
    expect((await getHead(storage.clients, ids[0]!, 0)).nextOffset).toBe(0);
    await log.stageTransaction(id, producerEpoch, a, 0, { records: [rec('next')] });
    await log.commitStagedTransaction(id, producerEpoch);
    expect((await readAll(log, a, 0)).map((r) => r.value)).toEqual(['next']);
  });

  it('deduplicates a resent binary batch by its sequence number', async () => {
    const { log, a, id } = await setup();
    const { producerId, producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    const batch = encodeBatch({ records: [rec('once')], producerId: BigInt(producerId), producerEpoch, baseSequence: 0 });
    await log.stageTransaction(id, producerEpoch, a, 0, { batches: batch });

    const resent = await log.stageTransaction(id, producerEpoch, a, 0, { batches: batch });
    await log.commitStagedTransaction(id, producerEpoch);

    expect(resent.staged).toBe(1);
    expect((await readAll(log, a, 0)).map((r) => r.value)).toEqual(['once']);
  });
});

describe('zombie fencing', () => {
  it('a producer with an old epoch is fenced and writes nothing; its open transaction is aborted', async () => {
    const { log, a, ids, id } = await setup();
    const zombie = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, zombie.producerEpoch, a, 0, { records: [rec('zombie')] });

    const fresh = await log.initTransactionalProducer(id, 60_000);

    expect(fresh).toEqual({ producerId: zombie.producerId, producerEpoch: zombie.producerEpoch + 1 });
    await expect(log.stageTransaction(id, zombie.producerEpoch, a, 0, { records: [rec('zombie2')] })).rejects.toMatchObject({ code: 'PRODUCER_FENCED', status: 409 });
    await expect(log.commitStagedTransaction(id, zombie.producerEpoch)).rejects.toMatchObject({ code: 'PRODUCER_FENCED' });
    await expect(log.abortTransaction(id, zombie.producerEpoch)).rejects.toMatchObject({ code: 'PRODUCER_FENCED' });
    await expect(log.commitStagedTransaction(id, fresh.producerEpoch)).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' });
    expect((await getHead(storage.clients, ids[0]!, 0)).nextOffset).toBe(0);
  });

  it('a zombie whose commit races the new registration commits nothing', async () => {
    const { log, a, ids, id } = await setup();
    const zombie = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, zombie.producerEpoch, a, 0, { records: [rec('zombie')] });
    // The new instance registers between the zombie's read of its item and its commit.
    let fired = false;
    const stack = storage.clients.ddb.middlewareStack as any;
    stack.add(
      (next: any, ctx: any) => async (args: any) => {
        if (ctx.commandName === 'TransactWriteItemsCommand' && !fired) {
          fired = true;
          await new Log(storage.clients).initTransactionalProducer(id, 60_000);
        }
        return next(args);
      },
      { step: 'initialize', name: 'register-during-commit', priority: 'high' },
    );

    const err = await log.commitStagedTransaction(id, zombie.producerEpoch).catch((e) => e).finally(() => stack.remove('register-during-commit'));

    expect(err).toMatchObject({ code: 'PRODUCER_FENCED' });
    expect((await getHead(storage.clients, ids[0]!, 0)).nextOffset).toBe(0);
  });
});
