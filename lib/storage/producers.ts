// The producers table: producer ids for idempotent producers, and the first answer to
// each JSON produce request sent with an Idempotency-Key.
//
//   id = "producer-id"            { next }                         atomic counter
//   id = "request#{scope}#{key}"  { state: pending|done, leaseUntil, response (gzip JSON), expiresAt }
//
// A request key is claimed before the work and completed after it. A claim whose holder
// died (lease passed) may be taken over; a live claim makes a concurrent retry wait.
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ConcurrentRequestError } from '../core/errors.ts';
import type { StorageClients } from './clients.ts';
import { dependencyFailure } from './failures.ts';
import { N, num, S } from './metadata.ts';

const COUNTER_ID = 'producer-id';
/** Answers are kept for a day, like a client's retry horizon. */
export const REQUEST_KEY_TTL_SECONDS = 86_400;

export async function allocateProducerId(clients: StorageClients): Promise<number> {
  try {
    const res = await clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: { id: S(COUNTER_ID) },
        UpdateExpression: 'ADD #next :one',
        ExpressionAttributeNames: { '#next': 'next' },
        ExpressionAttributeValues: { ':one': N(1) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return num(res.Attributes?.next) - 1;
  } catch (err) {
    throw dependencyFailure('dynamodb', 'UpdateItem', err);
  }
}

const requestId = (scope: string, key: string) => ({ id: S(`request#${scope}#${key}`) });

export type Claim<T> = { claimed: true } | { claimed: false; response: T };

/**
 * Claim a request key for `leaseMs`, or get the answer already given for it. Throws a
 * retriable CONCURRENT_TRANSACTIONS while another live request holds the key.
 */
export async function claimRequestKey<T>(
  clients: StorageClients,
  scope: string,
  key: string,
  now: number,
  leaseMs: number,
): Promise<Claim<T>> {
  try {
    await clients.ddb.send(
      new PutItemCommand({
        TableName: clients.names.tables.producers,
        Item: {
          ...requestId(scope, key),
          state: S('pending'),
          leaseUntil: N(now + leaseMs),
          expiresAt: N(Math.floor(now / 1000) + REQUEST_KEY_TTL_SECONDS),
        },
        ConditionExpression: 'attribute_not_exists(id) OR (#state = :pending AND leaseUntil < :now)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':pending': S('pending'), ':now': N(now) },
      }),
    );
    return { claimed: true };
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw dependencyFailure('dynamodb', 'PutItem', err);
  }
  const res = await clients.ddb
    .send(new GetItemCommand({ TableName: clients.names.tables.producers, Key: requestId(scope, key), ConsistentRead: true }))
    .catch((err) => {
      throw dependencyFailure('dynamodb', 'GetItem', err);
    });
  const item = res.Item;
  if (item?.state?.S === 'done' && item.response?.B) {
    return { claimed: false, response: JSON.parse(gunzipSync(item.response.B).toString('utf8')) as T };
  }
  throw new ConcurrentRequestError(`A request with Idempotency-Key '${key}' is in progress; retry shortly.`, {
    retryAfterSeconds: 1,
  });
}

export async function completeRequestKey(clients: StorageClients, scope: string, key: string, response: unknown): Promise<void> {
  try {
    await clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: requestId(scope, key),
        UpdateExpression: 'SET #state = :done, #response = :r REMOVE leaseUntil',
        ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
        ExpressionAttributeValues: { ':done': S('done'), ':r': { B: gzipSync(JSON.stringify(response)) } },
      }),
    );
  } catch (err) {
    throw dependencyFailure('dynamodb', 'UpdateItem', err);
  }
}

/** Give a key back after a request that wrote nothing, so a retry may do the work. */
export async function releaseRequestKey(clients: StorageClients, scope: string, key: string): Promise<void> {
  try {
    await clients.ddb.send(
      new DeleteItemCommand({
        TableName: clients.names.tables.producers,
        Key: requestId(scope, key),
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':pending': S('pending') },
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw dependencyFailure('dynamodb', 'DeleteItem', err);
  }
}
