// Group offsets staged in a transactional producer's transaction (Kafka's TxnOffsetCommit):
// kept on the producer item, committed with its batches by the participants the caller
// builds from them, dropped with the transaction by an abort, a timeout or a new epoch;
// transactional batches are taken only into a transaction.
import { describe, expect, it } from 'vitest';
import { Groups } from '../../../../lib/groups/index.ts';
import { Log, type StagedOffsetCommit } from '../../../../lib/log/index.ts';
import { encodeBatch } from '../../../../lib/records/index.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { readAll, rec } from '../../../support/log.ts';

const storage = useTestStorage();
let n = 0;
async function setup(opts: { now?: () => number } = {}) {
  const log = new Log(storage.clients, opts);
  const input = await log.createTopic({ name: `oi${n}-${Date.now()}` });
  const output = await log.createTopic({ name: `oo${n}-${Date.now()}` });
  await log.append(input.name, 0, { records: [rec('1'), rec('2'), rec('3')] });
  const groups = new Groups(storage.clients, log);
  const group = `g-${n}-${Date.now()}`;
  const id = `producer-${n++}-${Date.now()}`;
  /** Staged offsets as participants, unfenced (as a client without a member would send them). */
  const build = (staged: readonly StagedOffsetCommit[]) => Promise.all(staged.map((c) => groups.transactionalOffsets(c.group, { offsets: c.offsets })));
  const committed = async () => (await groups.fetchOffsets(group)).offsets.find((o) => o.topic === input.name)?.offset ?? null;
  return { log, input: input.name, output: output.name, group, id, build, committed };
}

describe('offsets staged in a transaction', () => {
  it('are committed with its batches, the last staged offset of a partition winning', async () => {
    const { log, input, output, group, id, build, committed } = await setup();
    const { producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, producerEpoch, output, 0, { records: [rec('out')] });
    await log.stageTransactionOffsets(id, producerEpoch, { group, offsets: [{ topic: input, partition: 0, offset: 1 }] });
    await log.stageTransactionOffsets(id, producerEpoch, { group, offsets: [{ topic: input, partition: 0, offset: 3 }] });
    expect(await committed()).toBeNull();

    await log.commitStagedTransaction(id, producerEpoch, [], build);

    expect(await committed()).toBe(3);
    expect((await readAll(log, output, 0)).map((r) => r.value)).toEqual(['out']);
  });

  it('make a transaction on their own, committed without any batch', async () => {
    const { log, input, group, id, build, committed } = await setup();
    const { producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransactionOffsets(id, producerEpoch, { group, offsets: [{ topic: input, partition: 0, offset: 2 }] });

    await log.commitStagedTransaction(id, producerEpoch, [], build);

    expect(await committed()).toBe(2);
  });

  it('cannot be committed by a caller that does not say how to write them: INVALID_TXN_STATE, nothing written', async () => {
    const { log, input, output, group, id, committed } = await setup();
    const { producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransaction(id, producerEpoch, output, 0, { records: [rec('out')] });
    await log.stageTransactionOffsets(id, producerEpoch, { group, offsets: [{ topic: input, partition: 0, offset: 1 }] });

    await expect(log.commitStagedTransaction(id, producerEpoch)).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' });

    expect(await committed()).toBeNull();
    expect(await readAll(log, output, 0)).toEqual([]);
  });

  it('are dropped by an abort and by a new epoch: a later transaction does not carry them', async () => {
    const { log, input, output, group, id, build, committed } = await setup();
    const first = await log.initTransactionalProducer(id, 60_000);
    await log.stageTransactionOffsets(id, first.producerEpoch, { group, offsets: [{ topic: input, partition: 0, offset: 1 }] });
    await log.abortTransaction(id, first.producerEpoch);
    await log.stageTransactionOffsets(id, first.producerEpoch, { group, offsets: [{ topic: input, partition: 0, offset: 2 }] });
    const second = await log.initTransactionalProducer(id, 60_000);
    await expect(log.stageTransactionOffsets(id, first.producerEpoch, { group, offsets: [] })).rejects.toMatchObject({ code: 'PRODUCER_FENCED' });

    await log.stageTransaction(id, second.producerEpoch, output, 0, { records: [rec('out')] });
    await log.commitStagedTransaction(id, second.producerEpoch, [], build);

    expect(await committed()).toBeNull();
    expect((await readAll(log, output, 0)).map((r) => r.value)).toEqual(['out']);
  });

  it('are dropped with a transaction that outlived its timeout', async () => {
    let now = 1_750_000_000_000;
    const { log, input, group, id, committed } = await setup({ now: () => now });
    const { producerEpoch } = await log.initTransactionalProducer(id, 1_000);
    await log.stageTransactionOffsets(id, producerEpoch, { group, offsets: [{ topic: input, partition: 0, offset: 1 }] });
    now += 1_001;

    await expect(log.transactionalProducer(id, producerEpoch)).rejects.toMatchObject({ code: 'TRANSACTION_ABORTABLE' });

    expect(await log.transactionalProducer(id, producerEpoch)).toMatchObject({ inTransaction: false });
    expect(await committed()).toBeNull();
  });
});

describe('transactional batches', () => {
  it('are staged in their producer transaction, but refused on a plain append with INVALID_TXN_STATE', async () => {
    const { log, output, id } = await setup();
    const { producerId, producerEpoch } = await log.initTransactionalProducer(id, 60_000);
    const batch = encodeBatch({ records: [rec('t')], producerId: BigInt(producerId), producerEpoch, baseSequence: 0, isTransactional: true });

    await expect(log.append(output, 0, { batches: batch })).rejects.toMatchObject({ code: 'INVALID_TXN_STATE' });
    await log.stageTransaction(id, producerEpoch, output, 0, { batches: batch });
    await log.commitStagedTransaction(id, producerEpoch);

    expect((await readAll(log, output, 0)).map((r) => r.value)).toEqual(['t']);
  });
});
