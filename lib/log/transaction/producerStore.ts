// Transactional producers, in the producers table (Kafka's transaction coordinator state,
// kept as one item per transactional id):
//
//   id = 'txn#{transactionalId}'
//     producerId   random 53-bit id, kept across registrations
//     epoch        bumped by every registration: older epochs are fenced (zombies)
//     timeoutMs    transactionTimeoutMs of the current registration
//     txn          id of the transaction in progress (absent: none)
//     startedAt    when it began (its first staged batch), epoch ms
//     staged       JSON list of its staged batches (StagedBatch), in staging order
//     stagedCount  length of that list: the optimistic lock of staging
//     offsets      JSON list of group offset commits staged in the transaction
//                  (StagedOffsetCommit: Kafka's TxnOffsetCommit), committed with it by
//                  participants the caller builds from them (lib/log knows no groups)
//     last         JSON {txn, epoch, results} of the last committed transaction, so a
//                  retried commit answers instead of failing
//     expiresAt    TTL: a transactional id unused for 7 days is forgotten, as Kafka's
//                  transactional.id.expiration.ms
//
// Registration aborts a transaction in progress (its staged objects become orphans for
// cleanup). Every write is conditional on the epoch, so a zombie writes nothing.
import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { InvalidTxnStateError, ProducerFencedError } from '../../core/errors.ts';
import type { StorageClients } from '../../storage/clients.ts';
import { call, conditional, getItem, N, num, S, type Item } from '../../storage/dynamo.ts';
import { randomProducerId, REGISTRATION_TTL_SECONDS } from '../../storage/producers.ts';
import type { PartitionResult, TxnSegment } from './types.ts';

/** Kafka's epochs are int16: past this one a registration gets a fresh producer id. */
const MAX_EPOCH = 32_766;

export interface StagedBatch extends TxnSegment {
  topic: string;
  topicId: string;
  partition: number;
  /** Base sequence of a binary batch, for deduplicating a resent stage; -1 for none. */
  seq: number;
}

/** Offsets a transaction commits for a group, with the membership that sent them (if any). */
export interface StagedOffsetCommit {
  group: string;
  /** The member and generation that sent them, checked again at the commit; absent: unfenced. */
  fence?: { memberId: string; generation: number };
  offsets: { topic: string; partition: number; offset: number; metadata?: string }[];
}

export interface LastCommit {
  txn: string;
  epoch: number;
  results: PartitionResult[];
}

export interface TxnProducer {
  transactionalId: string;
  producerId: number;
  epoch: number;
  timeoutMs: number;
  txn?: string;
  startedAt?: number;
  staged: StagedBatch[];
  /** Group offsets staged in the transaction, in staging order. */
  offsets: StagedOffsetCommit[];
  last?: LastCommit;
}

export const txnProducerKey = (transactionalId: string): Item => ({ id: S(`txn#${transactionalId}`) });
const expiry = (now: number) => N(Math.floor(now / 1000) + REGISTRATION_TTL_SECONDS);

function fromItem(transactionalId: string, i: Item): TxnProducer {
  return {
    transactionalId,
    producerId: num(i.producerId),
    epoch: num(i.epoch),
    timeoutMs: num(i.timeoutMs),
    ...(i.txn?.S ? { txn: i.txn.S, startedAt: num(i.startedAt) } : {}),
    staged: i.staged?.S ? (JSON.parse(i.staged.S) as StagedBatch[]) : [],
    offsets: i.offsets?.S ? (JSON.parse(i.offsets.S) as StagedOffsetCommit[]) : [],
    ...(i.last?.S ? { last: JSON.parse(i.last.S) as LastCommit } : {}),
  };
}

export async function readTxnProducer(clients: StorageClients, transactionalId: string): Promise<TxnProducer | undefined> {
  const item = await getItem(clients, clients.names.tables.producers, txnProducerKey(transactionalId));
  return item ? fromItem(transactionalId, item) : undefined;
}

/** Registers (or re-registers) a transactional id: a new epoch, any transaction in progress aborted. */
export async function registerTxnProducer(
  clients: StorageClients,
  transactionalId: string,
  timeoutMs: number,
  now: number,
): Promise<{ producerId: number; producerEpoch: number }> {
  const bumped = await conditional('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: txnProducerKey(transactionalId),
        UpdateExpression:
          'SET epoch = if_not_exists(epoch, :none) + :one, producerId = if_not_exists(producerId, :pid), ' +
          'timeoutMs = :timeout, expiresAt = :exp REMOVE txn, startedAt, staged, stagedCount, offsets',
        ConditionExpression: 'attribute_not_exists(epoch) OR epoch < :max',
        ExpressionAttributeValues: { ':none': N(-1), ':one': N(1), ':pid': N(randomProducerId()), ':timeout': N(timeoutMs), ':exp': expiry(now), ':max': N(MAX_EPOCH) },
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  if (bumped.ok) return { producerId: num(bumped.value.Attributes?.producerId), producerEpoch: num(bumped.value.Attributes?.epoch) };
  // Epochs ran out: a fresh producer id at epoch 0 (as Kafka does), unless someone beat us to it.
  const producerId = randomProducerId();
  await call('PutItem', () =>
    clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.producers,
        Item: { ...txnProducerKey(transactionalId), producerId: N(producerId), epoch: N(0), timeoutMs: N(timeoutMs), expiresAt: expiry(now) },
      }),
    ),
  );
  return { producerId, producerEpoch: 0 };
}

/**
 * The producer at `epoch`: PRODUCER_FENCED for an older epoch, INVALID_TXN_STATE for an
 * id never registered (or expired) or an epoch never handed out.
 */
export async function requireTxnProducer(clients: StorageClients, transactionalId: string, epoch: number): Promise<TxnProducer> {
  const p = await readTxnProducer(clients, transactionalId);
  if (!p) {
    throw new InvalidTxnStateError(`Transactional id '${transactionalId}' is not registered (or expired); call POST /v1/producers with it first.`, {
      transactionalId,
    });
  }
  checkEpoch(p, epoch);
  return p;
}

export function checkEpoch(p: TxnProducer, epoch: number): void {
  if (epoch < p.epoch) {
    throw new ProducerFencedError(
      `Producer epoch ${epoch} of transactional id '${p.transactionalId}' is fenced by epoch ${p.epoch}: a newer instance registered.`,
      { transactionalId: p.transactionalId, producerEpoch: p.epoch },
    );
  }
  if (epoch > p.epoch) {
    throw new InvalidTxnStateError(`Transactional id '${p.transactionalId}' has epoch ${p.epoch}; epoch ${epoch} was never handed out.`, {
      transactionalId: p.transactionalId,
    });
  }
}

/** One conditional update of the producer item; false when its condition failed. */
async function updateIf(clients: StorageClients, transactionalId: string, update: string, condition: string, values: Item): Promise<boolean> {
  const written = await conditional('UpdateItem', () =>
    clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: txnProducerKey(transactionalId),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      }),
    ),
  );
  return written.ok;
}

/**
 * Records staged batches: the list as read (`read.staged`) plus `added`, IF epoch,
 * transaction and list are still as read. False when anything changed (re-read and judge again).
 */
export function writeStaged(
  clients: StorageClients,
  read: TxnProducer,
  txn: { id: string; startedAt: number },
  added: StagedBatch[],
  now: number,
): Promise<boolean> {
  return updateIf(
    clients,
    read.transactionalId,
    'SET txn = :txn, startedAt = :started, staged = :staged, stagedCount = :count, expiresAt = :exp',
    'epoch = :epoch AND ' + (read.txn ? 'txn = :txn AND stagedCount = :read' : 'attribute_not_exists(txn) AND attribute_not_exists(stagedCount)'),
    {
      ':txn': S(txn.id),
      ':started': N(txn.startedAt),
      ':staged': S(JSON.stringify([...read.staged, ...added])),
      ':count': N(read.staged.length + added.length),
      ':epoch': N(read.epoch),
      ':exp': expiry(now),
      ...(read.txn ? { ':read': N(read.staged.length) } : {}),
    },
  );
}

/**
 * Records the transaction's staged offsets (`offsets`, the whole new list), starting the
 * transaction if none is in progress, IF epoch, transaction and offsets are still as read.
 */
export function writeStagedOffsets(
  clients: StorageClients,
  read: TxnProducer,
  txn: { id: string; startedAt: number },
  offsets: StagedOffsetCommit[],
  now: number,
): Promise<boolean> {
  return updateIf(
    clients,
    read.transactionalId,
    'SET txn = :txn, startedAt = :started, offsets = :offsets, expiresAt = :exp, staged = if_not_exists(staged, :none), stagedCount = if_not_exists(stagedCount, :zero)',
    'epoch = :epoch AND ' +
      (read.txn ? 'txn = :txn' : 'attribute_not_exists(txn)') +
      (read.offsets.length > 0 ? ' AND offsets = :read' : ' AND attribute_not_exists(offsets)'),
    {
      ':txn': S(txn.id),
      ':started': N(txn.startedAt),
      ':offsets': S(JSON.stringify(offsets)),
      ':exp': expiry(now),
      ':none': S('[]'),
      ':zero': N(0),
      ':epoch': N(read.epoch),
      ...(read.offsets.length > 0 ? { ':read': S(JSON.stringify(read.offsets)) } : {}),
    },
  );
}

/** Ends the transaction `txn` without committing it (abort, timeout); false if it is not the one in progress. */
export function clearTxn(clients: StorageClients, transactionalId: string, epoch: number, txn: string): Promise<boolean> {
  return updateIf(clients, transactionalId, 'REMOVE txn, startedAt, staged, stagedCount, offsets', 'epoch = :epoch AND txn = :txn', { ':epoch': N(epoch), ':txn': S(txn) });
}

/** The item the commit writes: the transaction ends, its result is kept. IF epoch and transaction unchanged. */
export function endTxnUpdate(clients: StorageClients, p: TxnProducer, txn: string, results: readonly PartitionResult[], now: number) {
  const last: LastCommit = { txn, epoch: p.epoch, results: [...results] };
  return {
    Update: {
      TableName: clients.names.tables.producers,
      Key: txnProducerKey(p.transactionalId),
      UpdateExpression: 'SET #last = :last, expiresAt = :exp REMOVE txn, startedAt, staged, stagedCount, offsets',
      // The staged offsets as read: offsets staged meanwhile are never dropped unseen.
      ConditionExpression:
        (p.txn ? 'epoch = :epoch AND txn = :txn' : 'epoch = :epoch AND attribute_not_exists(txn)') +
        (p.offsets.length > 0 ? ' AND offsets = :offsets' : ' AND attribute_not_exists(offsets)'),
      ExpressionAttributeNames: { '#last': 'last' },
      ExpressionAttributeValues: {
        ':last': S(JSON.stringify(last)),
        ':exp': expiry(now),
        ':epoch': N(p.epoch),
        ...(p.txn ? { ':txn': S(txn) } : {}),
        ...(p.offsets.length > 0 ? { ':offsets': S(JSON.stringify(p.offsets)) } : {}),
      },
    },
  };
}
