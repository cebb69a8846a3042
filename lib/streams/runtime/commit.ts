// The commit of one processed batch: its outputs (records for any topics and partitions,
// uploaded as ONE object), its state writes and its task item (input positions, stream
// time, ...) in ONE lib/log transaction. Either all of it becomes visible or none of it:
// a crash before the TransactWriteItems leaves an invisible object (swept as any orphan);
// a crash after it leaves a committed batch whose task item already says so, and the
// batch is never run again.
//
//   TransactWriteItems
//     per output partition      head + index entry        (lib/log/transaction)
//     outputs in >1 partition   1 shared-object reference
//     per state mutation        1 versioned write          (stores/dynamo/writes.ts)
//     the task item             1 Update IF ver = read     (store.ts taskWrite, receipt = txnId, wakeAt)
//
// A failed condition on the task item or on a state write means another writer got there
// first (an instance still running the task, a reset), or, after a lost answer, that this
// very transaction committed: the task item's receipt tells which.
import { ConcurrentModificationError } from '../../core/errors.ts';
import type { Log, TxnParticipant, TxnRecord } from '../../log/index.ts';
import { MAX_TRANSACTION_ITEM_BYTES, MAX_TRANSACTION_ITEMS } from '../../log/index.ts';
import type { BatchResult } from '../engine/batch.ts';
import type { CommitUsage } from '../engine/run.ts';
import { taskKey, type OutputRecord, type TaskId } from '../engine/types.ts';
import type { DynamoStoreBackend } from '../stores/dynamo/backend.ts';
import { stateWrites } from '../stores/dynamo/writes.ts';
import type { ProcessorStore } from '../store.ts';

export interface TaskCursor {
  processor: string;
  incarnation: string;
  task: TaskId;
  /** The task item's version read before the batch ran (null: never committed). */
  version: number | null;
}

/**
 * What one commit's DynamoDB items may weigh besides the state writes' keys and values:
 * per state item its namespace prefix (application, incarnation, store: at most ~480
 * bytes), attribute names and version; the task item (a DynamoDB item, 400 KB at most);
 * per output partition a head and an index entry.
 */
export const STATE_ITEM_OVERHEAD_BYTES = 600;
export const TASK_ITEM_RESERVE_BYTES = 400 * 1024;
export const OUTPUT_PARTITION_RESERVE_BYTES = 2 * 1024;
/**
 * Output bytes one batch may carry: they go to S3 as one object (split into batches of
 * the topic's max.message.bytes), so no transaction limit applies; this bounds the
 * memory and the upload of one batch.
 */
export const MAX_BATCH_OUTPUT_BYTES = 64 * 1024 * 1024;

/**
 * Whether a batch of this size still fits one commit (lib/log/transaction/limits.ts):
 * items — its store items, the task item, and per output partition a head and an index
 * entry (at most `outputPartitions` distinct ones), plus one shared-object reference —
 * within MAX_TRANSACTION_ITEMS, and their bytes within MAX_TRANSACTION_ITEM_BYTES.
 */
export function commitFits(outputPartitions: number): (usage: CommitUsage) => boolean {
  return (u) => {
    const partitions = Math.min(u.outputs, outputPartitions);
    const items = u.items + 1 + 2 * partitions + (u.outputs > 1 ? 1 : 0);
    const bytes = u.itemBytes + u.items * STATE_ITEM_OVERHEAD_BYTES + TASK_ITEM_RESERVE_BYTES + partitions * OUTPUT_PARTITION_RESERVE_BYTES;
    return items <= MAX_TRANSACTION_ITEMS && bytes <= MAX_TRANSACTION_ITEM_BYTES && u.outputBytes <= MAX_BATCH_OUTPUT_BYTES;
  };
}

function txnRecord(out: OutputRecord): TxnRecord {
  return {
    topic: out.topic,
    ...(out.partition !== undefined ? { partition: out.partition } : {}),
    record: {
      key: out.key === null ? null : Buffer.from(out.key),
      value: out.value === null ? null : Buffer.from(out.value),
      timestamp: out.timestamp,
      headers: out.headers.map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) })),
    },
  };
}

/** The batch's state writes and task item, as the transaction's participant. */
function taskParticipant(store: ProcessorStore, backend: DynamoStoreBackend, cursor: TaskCursor, result: BatchResult, now: number): TxnParticipant {
  const writes = stateWrites(backend, result.mutations);
  const { processor, incarnation, task, version } = cursor;
  return {
    what: `batch of processor '${processor}' task ${taskKey(task)}`,
    count: writes.length + 1,
    items: ({ txnId }) => [...writes, store.taskWrite(processor, incarnation, task, result.state, version, now, txnId, result.wakeAt)],
    explain: async (_failed, { txnId }) => {
      const current = await store.task(processor, incarnation, task);
      if (current.receipt === txnId) return 'committed';
      return new ConcurrentModificationError(
        `Task ${taskKey(task)} of processor '${processor}' or its state changed since the batch read it (version ${current.version ?? 'none'}, read ${version ?? 'none'}). Nothing was written; the batch runs again from what is committed.`,
        { processor, task: taskKey(task) },
      );
    },
  };
}

/** Commits the batch (outputs, state, position) in one transaction. */
export async function commitBatch(
  deps: { log: Log; store: ProcessorStore; backend: DynamoStoreBackend; now: number },
  cursor: TaskCursor,
  result: BatchResult,
): Promise<void> {
  const participant = taskParticipant(deps.store, deps.backend, cursor, result, deps.now);
  await deps.log.transaction(result.outputs.map(txnRecord), { participants: [participant] });
}
