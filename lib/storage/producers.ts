// The idempotent producers handed out, in the producers table (which also holds the
// Idempotency-Key claims of JSON produce requests: requests.ts).
//
//   id = "producer#{producerId}"  { epoch, expiresAt }                registered producer
//
// Producer ids are random, not counted: a batch's producer id and sequence numbers are
// what makes a retry a duplicate, so an id anyone could guess would let one client make
// another's batches vanish as "duplicates". Ids are drawn from a CSPRNG over 53 bits:
// positive Kafka int64s that JSON carries exactly (a wider id would be rounded by every
// JavaScript client's JSON.parse). A registration lives REGISTRATION_TTL_SECONDS after
// it was last confirmed; the log confirms it whenever a partition first sees the producer
// and at most daily after that, so producers in use never expire.
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ProducerFencedError, UnknownProducerIdError } from '../core/errors.ts';
import type { StorageClients } from './clients.ts';
import { dependencyFailure } from './failures.ts';
import { N, num, S } from './metadata.ts';

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
