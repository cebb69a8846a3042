// A one-shot transaction (POST /v1/transactions): records for many topics and partitions
// uploaded as one object, then committed with the participants (group offsets, ...) in
// one TransactWriteItems. Answers every record's offset, in request order.
import type { StorageClients } from '../../storage/clients.ts';
import type { CommitOptions } from '../../storage/commit.ts';
import type { TopicRecord } from '../../storage/metadata.ts';
import { commitTransaction } from './commit.ts';
import { prepareRecords, type TxnRecord } from './prepare.ts';
import { sharedObjectRefs } from './sharedObjects.ts';
import type { PartitionResult, TxnParticipant } from './types.ts';

export interface RecordOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface OneShotResult {
  /** Every record's place, in request order. */
  offsets: RecordOffset[];
  /** Every partition written. */
  partitions: PartitionResult[];
}

export async function commitRecords(
  clients: StorageClients,
  topics: ReadonlyMap<string, TopicRecord>,
  records: readonly TxnRecord[],
  opts: { participants?: readonly TxnParticipant[]; now: number; commit?: CommitOptions },
): Promise<OneShotResult> {
  const participants = [...(opts.participants ?? [])];
  if (records.length === 0) {
    await commitTransaction(clients, { partitions: [], participants }, opts.commit);
    return { offsets: [], partitions: [] };
  }
  const participantItems = participants.reduce((n, p) => n + p.count, 0);
  const prepared = await prepareRecords(clients, topics, records, { now: opts.now, participantItems });
  if (prepared.sharedObjectKey) participants.unshift(sharedObjectRefs(clients, prepared.sharedObjectKey));
  const results = await commitTransaction(clients, { partitions: prepared.partitions, participants }, opts.commit);
  const offsets = prepared.placements.map(({ at, position }) => {
    const r = results[at]!;
    return { topic: r.topic, partition: r.partition, offset: r.baseOffset + position };
  });
  return { offsets, partitions: results };
}
