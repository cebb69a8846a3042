// A Jepsen-style check of atomicity: concurrent "transfers" each write a debit to one
// partition and a credit to another (of another topic) in one transaction; some are
// made to fail before their commit (aborted), others are staged and aborted on purpose;
// readers run all along. A checker over everything read proves:
//   - no reader ever saw half a transfer: reading the partitions one after the other,
//     a transfer seen in a partition read earlier is seen in every one of its partitions
//     read later (a commit is visible everywhere at once, or nowhere);
//   - nothing committed is lost, nothing is duplicated;
//   - no aborted transfer is ever seen (no dirty read, Adya's G1a).
import { describe, expect, it } from 'vitest';
import { Log, type TxnRecord } from '../../../../lib/log/index.ts';
import { createStorageClients, destroyStorageClients } from '../../../../lib/storage/clients.ts';
import { useTestStorage } from '../../../support/stack.ts';
import { injectFault, readAll, rec } from '../../../support/log.ts';

const storage = useTestStorage();

interface Snapshot {
  /** Transfer ids seen, per (topic#partition), in the order the partitions were read. */
  reads: { tp: string; ids: string[] }[];
}

const TOPICS = ['debits', 'credits'].map((t) => `${t}-${Date.now()}`);
const PARTITIONS = 2;
const tps = TOPICS.flatMap((t) => Array.from({ length: PARTITIONS }, (_, p) => ({ topic: t, partition: p })));
const id = (value: string | null) => value!.split(':')[0]!;

async function transfer(log: Log, name: string, i: number): Promise<TxnRecord[]> {
  const from = i % PARTITIONS;
  const into = (i >> 1) % PARTITIONS;
  const records: TxnRecord[] = [
    { topic: TOPICS[0]!, partition: from, record: rec(`${name}:-10`) },
    { topic: TOPICS[1]!, partition: into, record: rec(`${name}:+10`) },
  ];
  await log.transaction(records);
  return records;
}

/** Reads every partition once, one after the other, in a random order. */
async function snapshot(log: Log): Promise<Snapshot> {
  const order = [...tps].sort(() => Math.random() - 0.5);
  const reads = [];
  for (const { topic, partition } of order) {
    reads.push({ tp: `${topic}#${partition}`, ids: (await readAll(log, topic, partition)).map((r) => id(r.value)) });
  }
  return { reads };
}

describe('concurrent transfers with concurrent readers', () => {
  it('no half transfer is ever seen, nothing committed is lost or duplicated, nothing aborted appears', async () => {
    const log = new Log(storage.clients);
    for (const t of TOPICS) await log.createTopic({ name: t, partitions: PARTITIONS });
    const committed = new Map<string, string[]>(); // transfer -> its partitions
    const aborted = new Set<string>();
    let done = false;

    const writers = Array.from({ length: 4 }, async (_, w) => {
      const mine = new Log(storage.clients);
      for (let i = 0; i < 8; i++) {
        const name = `w${w}t${i}`;
        const records = await transfer(mine, name, i + w);
        committed.set(name, records.map((r) => `${r.topic}#${r.partition}`));
      }
    });
    // Transfers that die between their upload and their commit.
    const doomed = createStorageClients(storage.config);
    injectFault(doomed.ddb, 'TransactWriteItems', 'before', { error: () => Object.assign(new Error('refused'), { name: 'ValidationException', $fault: 'client' }) });
    const failing = (async () => {
      const dead = new Log(doomed);
      for (let i = 0; i < 4; i++) {
        const name = `dead${i}`;
        aborted.add(name);
        await expect(transfer(dead, name, i)).rejects.toThrow();
      }
    })();
    // Staged transfers aborted on purpose.
    const abandoning = (async () => {
      const txnId = `transfers-${Date.now()}`;
      const { producerEpoch } = await log.initTransactionalProducer(txnId, 60_000);
      for (let i = 0; i < 3; i++) {
        const name = `abort${i}`;
        aborted.add(name);
        await log.stageTransaction(txnId, producerEpoch, TOPICS[0]!, i % PARTITIONS, { records: [rec(`${name}:-10`)] });
        await log.stageTransaction(txnId, producerEpoch, TOPICS[1]!, i % PARTITIONS, { records: [rec(`${name}:+10`)] });
        expect(await log.abortTransaction(txnId, producerEpoch)).toEqual({ aborted: true });
      }
    })();
    const snapshots: Snapshot[] = [];
    const readers = Array.from({ length: 2 }, async () => {
      while (!done) snapshots.push(await snapshot(new Log(storage.clients)));
    });

    await Promise.all([...writers, failing, abandoning]);
    done = true;
    await Promise.all(readers);
    destroyStorageClients(doomed);
    const final = await snapshot(log);

    expect(snapshots.length).toBeGreaterThan(2);
    for (const s of [...snapshots, final]) {
      const seenAt = new Map<string, Set<string>>();
      s.reads.forEach(({ tp, ids }, k) => {
        // Nothing twice in one partition, nothing aborted.
        expect(new Set(ids).size).toBe(ids.length);
        for (const t of ids) expect(aborted.has(t), `aborted transfer ${t} seen`).toBe(false);
        // Every transfer seen in a partition read earlier is here if it belongs here.
        for (const [t, where] of seenAt) {
          const parts = committed.get(t) ?? [];
          if (parts.includes(tp) && where.size > 0) expect(ids, `half of ${t} seen before ${tp} was read (read #${k})`).toContain(t);
        }
        for (const t of ids) seenAt.set(t, (seenAt.get(t) ?? new Set()).add(tp));
      });
    }
    // Nothing committed is lost: the final read holds every acknowledged transfer, in both places.
    const finalByTp = new Map(final.reads.map((r) => [r.tp, new Set(r.ids)]));
    for (const [t, parts] of committed) for (const tp of parts) expect(finalByTp.get(tp)!.has(t), `${t} lost from ${tp}`).toBe(true);
    const total = [...finalByTp.values()].reduce((s, ids) => s + ids.size, 0);
    expect(total).toBe(committed.size * 2);
  }, 120_000);
});
