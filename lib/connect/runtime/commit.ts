// The exactly-once commit of one source poll: its records (any topics and partitions,
// uploaded as ONE object) and the connector's source offsets in ONE lib/log transaction.
// Either the records and the offsets that account for them become visible together, or
// neither does, so a runner that resumes from the committed offsets never appends a
// record twice and never skips one.
//
//   TransactWriteItems
//     per output partition      head + index entry          (lib/log/transaction)
//     outputs in >1 partition   1 shared-object reference
//     per source offset         1 versioned Put (Delete for a null offset)
//                               IF version = the version read (IF absent when never stored)
//     the task's run lease      1 ConditionCheck leaseOwner = this runner
//
// Two runners of one task (a lease that expired under a slow run) read the same offsets
// at the same versions: whichever commits first moves them on, the other's conditions
// fail (CONCURRENT_MODIFICATION, nothing written) and it stops; its next run polls again
// from what the winner committed. After an ambiguous outcome the transaction commit
// itself tells a landed attempt (its index entry, or the offsets' receipt) from one that
// did not land.
import { ConcurrentModificationError, UnknownTopicOrPartitionError } from '../../core/errors.ts';
import { versionedItems, type TxnParticipant, type TxnRecord, type VersionedItem } from '../../log/index.ts';
import type { SourceOffset } from '../plugins/define.ts';
import { partitionKey, type ProducedRecord } from '../tasks/source.ts';
import { sourceLeaseCheck, sourceLeaseOwner, sourceOffsetAttributes, sourceOffsetKey, type ConnectorRecord } from '../store.ts';
import { createTopics } from './append.ts';
import type { ConnectRuntimeDeps } from './tasks.ts';

export interface SourceCommit {
  connector: ConnectorRecord;
  /** The task polled, whose run lease `owner` holds. */
  task: number;
  owner: string;
  records: readonly ProducedRecord[];
  offsets: readonly SourceOffset[];
  /** The versions of the stored offsets the poll started from, by partitionKey (absent: none stored). */
  versions: ReadonlyMap<string, number>;
}

/** Makes one poll's records and source offsets durable. */
export interface SourceCommitter {
  commit(c: SourceCommit): Promise<void>;
}

function txnRecord(r: ProducedRecord): TxnRecord {
  return {
    topic: r.topic,
    ...(r.partition !== null ? { partition: r.partition } : {}),
    record: { key: r.key, value: r.value, headers: r.headers, ...(r.timestamp !== null ? { timestamp: r.timestamp } : {}) },
  };
}

function offsetItems(c: SourceCommit): VersionedItem[] {
  return c.offsets.map((o) => {
    const version = c.versions.get(partitionKey(o.partition));
    return {
      table: 'connectors',
      key: sourceOffsetKey(c.connector.name, o.partition),
      ...(version !== undefined ? { expectedVersion: version } : {}),
      ...(o.offset !== null ? { attributes: sourceOffsetAttributes({ ...o, offset: o.offset }) } : {}),
    };
  });
}

/** The task's run lease, checked in the transaction: a runner that lost it commits nothing. */
function leaseParticipant(deps: Pick<ConnectRuntimeDeps, 'clients'>, c: SourceCommit): TxnParticipant {
  const { name } = c.connector;
  return {
    what: `run lease of connector '${name}' task ${c.task}`,
    count: 1,
    items: () => [sourceLeaseCheck(deps.clients, name, c.task, c.owner)],
    explain: async () => {
      if ((await sourceLeaseOwner(deps.clients, name, c.task)) === c.owner) return undefined;
      return new ConcurrentModificationError(`Task ${c.task} of connector '${name}' is run by another worker now. Nothing was written.`, { connector: name, task: c.task });
    },
  };
}

/** Exactly-once: the poll's records and its source offsets in one transaction. */
export function transactionalCommitter(deps: Pick<ConnectRuntimeDeps, 'log' | 'clients'>): SourceCommitter {
  return {
    async commit(c) {
      const participants = [versionedItems(deps.clients, offsetItems(c)), leaseParticipant(deps, c)];
      const records = c.records.map(txnRecord);
      try {
        await deps.log.transaction(records, { participants });
      } catch (err) {
        // Kafka Connect's workers create the topics their sources write to.
        if (!(err instanceof UnknownTopicOrPartitionError) || c.records.some((r) => r.partition !== null)) throw err;
        await createTopics(deps.log, [...new Set(c.records.map((r) => r.topic))]);
        await deps.log.transaction(records, { participants });
      }
    },
  };
}
