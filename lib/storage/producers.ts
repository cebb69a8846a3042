// The producers table: the idempotent producers handed out, and the first answer to
// each JSON produce request sent with an Idempotency-Key.
//
//   id = "producer#{producerId}"  { epoch, expiresAt }                registered producer
//   id = "request#{scope}#{key}"  { state: pending|done, leaseUntil, response (gzip JSON), expiresAt }
//
// Producer ids are random, not counted: a batch's producer id and sequence numbers are
// what makes a retry a duplicate, so an id anyone could guess would let one client make
// another's batches vanish as "duplicates". Ids are drawn from a CSPRNG over 53 bits:
// positive Kafka int64s that JSON carries exactly (a wider id would be rounded by every
// JavaScript client's JSON.parse). A registration lives REGISTRATION_TTL_SECONDS after
// it was last confirmed; the log confirms it whenever a partition first sees the producer
// and at most daily after that, so producers in use never expire.
//
// A request key is claimed before the work and completed after it. A claim whose holder
// died (lease passed) may be taken over; a live claim makes a concurrent retry wait.
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ConcurrentRequestError, ProducerFencedError, UnknownProducerIdError } from '../core/errors.ts';
import type { StorageClients } from './clients.ts';
import { dependencyFailure } from './failures.ts';
import { N, num, S } from './metadata.ts';

/** Answers are kept for a day, like a client's retry horizon. */
export const REQUEST_KEY_TTL_SECONDS = 86_400;
/** A producer unconfirmed for this long is forgotten (Kafka's transactional.id.expiration.ms). */
export const REGISTRATION_TTL_SECONDS = 7 * 86_400;

const ID_BITS = 53n;
const producerKey = (producerId: number | bigint | string) => ({ id: S(`producer#${producerId}`) });

/** A random positive 53-bit id; never 0, so it can never be confused with "no producer". */
function randomProducerId(): number {
  for (;;) {
    const id = Number(randomBytes(8).readBigUInt64BE() & ((1n << ID_BITS) - 1n));
    if (id > 0) return id;
  }
}

/** A new producer id, registered at epoch 0. */
export async function registerProducer(clients: StorageClients, now: number): Promise<number> {
  for (;;) {
    const producerId = randomProducerId();
    try {
      await clients.ddb.send(
        new PutItemCommand({
          TableName: clients.names.tables.producers,
          Item: { ...producerKey(producerId), epoch: N(0), expiresAt: N(Math.floor(now / 1000) + REGISTRATION_TTL_SECONDS) },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
      return producerId;
    } catch (err) {
      // Another producer drew the same id (one chance in 2^53): draw again.
      if (!(err instanceof ConditionalCheckFailedException)) throw dependencyFailure('dynamodb', 'PutItem', err);
    }
  }
}

/**
 * Confirms that `producerId` was handed out and `epoch` is its current epoch, and keeps
 * the registration alive. UNKNOWN_PRODUCER_ID for an id never handed out (or expired) or
 * an epoch never reached; PRODUCER_FENCED for an older epoch.
 */
export async function confirmProducer(clients: StorageClients, producerId: string, epoch: number, now: number): Promise<void> {
  let registered: number;
  try {
    const res = await clients.ddb.send(
      new UpdateItemCommand({
        TableName: clients.names.tables.producers,
        Key: producerKey(producerId),
        UpdateExpression: 'SET expiresAt = :exp',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':exp': N(Math.floor(now / 1000) + REGISTRATION_TTL_SECONDS) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    registered = num(res.Attributes?.epoch);
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw dependencyFailure('dynamodb', 'UpdateItem', err);
    throw new UnknownProducerIdError(
      `Producer id ${producerId} was not handed out by POST /v1/producers (or has expired); get a new one.`,
      { producerId },
    );
  }
  if (epoch < registered) {
    throw new ProducerFencedError(`Producer ${producerId} epoch ${epoch} is fenced by epoch ${registered}.`, { producerId });
  }
  if (epoch > registered) {
    throw new UnknownProducerIdError(`Producer ${producerId} has epoch ${registered}; epoch ${epoch} was never handed out.`, {
      producerId,
    });
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
