// Idempotency-Key claims of JSON produce requests, in the producers table. A request
// spreads its records over partitions, one commit per partition; each commit records
// its own result under the key in the same transaction (resultPut), so for every
// partition the request touches, either its commit happened and its result says where,
// or it did not happen at all. A retry therefore finds the answer, or re-drives exactly
// the partitions with no result: never appends anything twice, whatever crashed when.
//
//   id = "request#{scope}#{key}"       claim   { fingerprint, partitionCount, sticky,
//                                                leaseUntil, leaseOwner, expiresAt }
//   id = "request#{scope}#{key}#{p}"   result  { fingerprint, baseOffset, expiresAt }
//
// The claim fixes the request's plan (the partition count and sticky partition the
// records were spread with, so a retry spreads them the same way) and holds a lease:
// while one attempt drives the request, another is told to retry shortly, unless the
// answer is complete already. The lease only saves duplicated work; results alone make
// the outcome exactly-once. Both kinds of item expire by TTL after a day.
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { InvalidRequestError, RequestTimedOutError } from '../core/errors.ts';
import type { TableClients } from './tables.ts';
import { call } from './dynamo.ts';
import { dependencyFailure } from './failures.ts';
import { N, num, S, str, type Item } from './metadata.ts';

/** Answers are kept for a day, like a client's retry horizon. */
export const REQUEST_KEY_TTL_SECONDS = 86_400;
/** Keys per BatchGetItem call, DynamoDB's limit. */
const BATCH_GET_KEYS = 100;
/** BatchGetItem calls for keys DynamoDB left unprocessed before giving up (retriable). */
const MAX_ROUNDS = 8;

export interface RequestKey {
  /** What the key is unique within (a topic id). */
  scope: string;
  key: string;
  /** Digest of the request's content: the same key with other content is refused. */
  fingerprint: string;
}

/** How the request's records were spread; fixed by its first attempt. */
export interface RequestPlan {
  partitionCount: number;
  sticky: number;
}

const claimId = (k: RequestKey) => ({ id: S(`request#${k.scope}#${k.key}`) });
const resultId = (k: RequestKey, partition: number) => ({ id: S(`request#${k.scope}#${k.key}#${partition}`) });
const expiry = (now: number) => N(Math.floor(now / 1000) + REQUEST_KEY_TTL_SECONDS);

function differentRequest(k: RequestKey): InvalidRequestError {
  return new InvalidRequestError(
    `Idempotency-Key '${k.key}' was used by a different request in the last day; use a new key for new content.`,
    { fields: ['Idempotency-Key'] },
  );
}

/**
 * Claim the request for `lease.ms` (a new key, or one whose lease ran out or was given
 * back), fixing its plan on first use. Returns the stored plan, whether this attempt
 * holds the lease, and whether it is the request's first (so nothing can be recorded
 * yet). INVALID_REQUEST when the key was used for other content.
 */
export async function claimRequest(
  clients: TableClients,
  k: RequestKey,
  plan: RequestPlan,
  lease: { owner: string; now: number; ms: number },
): Promise<{ plan: RequestPlan; held: boolean; first: boolean }> {
  try {
    const res = await clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: claimId(k),
        UpdateExpression:
          'SET fingerprint = if_not_exists(fingerprint, :fp), partitionCount = if_not_exists(partitionCount, :pc), ' +
          'sticky = if_not_exists(sticky, :sticky), expiresAt = if_not_exists(expiresAt, :exp), ' +
          'leaseUntil = :until, leaseOwner = :owner',
        ConditionExpression: 'attribute_not_exists(id) OR (fingerprint = :fp AND leaseUntil < :now)',
        ExpressionAttributeValues: {
          ':fp': S(k.fingerprint),
          ':pc': N(plan.partitionCount),
          ':sticky': N(plan.sticky),
          ':exp': expiry(lease.now),
          ':until': N(lease.now + lease.ms),
          ':owner': S(lease.owner),
          ':now': N(lease.now),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    // No item before: this attempt is the request's first, and the plan its own.
    return res.Attributes ? { plan: planOf(res.Attributes), held: true, first: false } : { plan, held: true, first: true };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw dependencyFailure('dynamodb', 'UpdateItem', err);
  }
  const res = await call('GetItem', () =>
    clients.ddb.send(new GetItemCommand({ TableName: clients.names.tables.producers, Key: claimId(k), ConsistentRead: true })),
  );
  // Gone between the two calls (expired): a later retry claims it afresh.
  if (!res.Item) return { plan, held: false, first: false };
  if (str(res.Item.fingerprint) !== k.fingerprint) throw differentRequest(k);
  return { plan: planOf(res.Item), held: false, first: false };
}

const planOf = (item: Item): RequestPlan => ({ partitionCount: num(item.partitionCount), sticky: num(item.sticky) });

/** Give the lease back so a retry need not wait for it to run out. Only this owner's lease. */
export async function releaseRequest(clients: TableClients, k: RequestKey, owner: string): Promise<void> {
  try {
    await clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: claimId(k),
        UpdateExpression: 'SET leaseUntil = :zero',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':zero': N(0), ':owner': S(owner) },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw dependencyFailure('dynamodb', 'UpdateItem', err);
  }
}

/**
 * The Put that records a partition's result under the key, for the transaction that
 * commits the partition's records: it fails (and so the commit with it) if a result is
 * recorded already, so a partition's records are committed at most once per key.
 */
export function resultPut(clients: TableClients, k: RequestKey, partition: number, baseOffset: number, now: number): TransactWriteItem {
  return {
    Put: {
      TableName: clients.names.tables.producers,
      Item: { ...resultId(k, partition), fingerprint: S(k.fingerprint), baseOffset: N(baseOffset), expiresAt: expiry(now) },
      ConditionExpression: 'attribute_not_exists(id)',
    },
  };
}

/** Recorded base offsets by partition, for those of `partitions` that have one. */
export async function readResults(clients: TableClients, k: RequestKey, partitions: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const table = clients.names.tables.producers;
  for (let i = 0; i < partitions.length; i += BATCH_GET_KEYS) {
    let keys: Item[] = partitions.slice(i, i + BATCH_GET_KEYS).map((p) => resultId(k, p));
    for (let round = 0; keys.length > 0; round++) {
      if (round === MAX_ROUNDS) {
        throw new RequestTimedOutError('DynamoDB kept results of the request unread; retry.', { dependency: 'dynamodb', retryAfterSeconds: 1 });
      }
      if (round > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** round));
      const res = await call('BatchGetItem', () =>
        clients.ddb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } })),
      );
      for (const item of res.Responses?.[table] ?? []) {
        if (str(item.fingerprint) !== k.fingerprint) throw differentRequest(k);
        out.set(Number(str(item.id).slice(str(item.id).lastIndexOf('#') + 1)), num(item.baseOffset));
      }
      keys = (res.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
  }
  return out;
}
