// The DynamoDB primitives every store is written with, so that each kind of outcome is
// handled in one place and means the same everywhere:
//
//   call         one request; any failure leaves as a DependencyError naming the operation
//   getItem      one item by its key, strongly consistent
//   paginate     every page of a paginated read, in order (queryAll, scanAll: DynamoDB's)
//   conditional  one conditional Put, Update or Delete
//   transact     one TransactWriteItems, resent while another transaction was in the way
//                or DynamoDB throttled (nothing was written then)
//   batchWrite   BatchWriteItem in chunks of 25, unprocessed requests resent with backoff
//
// A lost conditional write (ConditionalCheckFailedException, or a TransactionCanceled
// whose reasons include ConditionalCheckFailed) is never an exception: it is the result
// { ok: false, reason: 'condition' }, with the item as it was when the write asked for it
// and, for a transaction, the positions of the items whose condition failed. The store
// that made the write decides what the loss means (re-read and retry, or a domain error).
// Every other failure becomes a DependencyError (failures.ts), or, when conflicts outlast
// the attempts, a retriable REQUEST_TIMED_OUT. The commit protocol (commit.ts) keeps its
// own loop, since it must tell an ambiguous outcome from a definite one, and classifies
// errors with the same classifyTransactionError.
import {
  BatchWriteItemCommand,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type QueryCommandInput,
  type ScanCommandInput,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { RequestTimedOutError } from '../core/errors.ts';
import { fullJitter, sleep } from '../core/time.ts';
import { cancellationReasons, dependencyFailure, errorName, isAmbiguous } from './failures.ts';
import type { TableClients } from './tables.ts';

// ---- items -------------------------------------------------------------------------------
// Items are mapped by hand: the few attribute shapes are fixed by definitions.ts, and
// numbers must stay exact.

export type Item = Record<string, AttributeValue>;
export const S = (s: string): AttributeValue => ({ S: s });
export const N = (n: number | bigint): AttributeValue => ({ N: String(n) });
export const num = (v: AttributeValue | undefined, dflt = 0): number => (v?.N === undefined ? dflt : Number(v.N));
export const str = (v: AttributeValue | undefined): string => v?.S ?? '';

// ---- results -------------------------------------------------------------------------------

/** A conditional write whose condition did not hold: nothing of it was written. */
export interface ConditionFailed {
  ok: false;
  reason: 'condition';
  /** The item as it was, when the write asked for it (ReturnValuesOnConditionCheckFailure). */
  item?: Item;
  /** For a transaction: positions (in TransactItems order) of the items whose condition failed. */
  failed?: number[];
}

/** What a conditional write came to: written (with the answer's `value`), or lost. */
export type Written<T = undefined> = { ok: true; value: T } | ConditionFailed;

const written = <T>(value: T): Written<T> => ({ ok: true, value });

// ---- one request ---------------------------------------------------------------------------

/** Run one DynamoDB request; any failure leaves as a DependencyError naming the operation. */
export async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw dependencyFailure('dynamodb', operation, err);
  }
}

/** One item by its key, strongly consistent; undefined when there is none. */
export async function getItem(clients: TableClients, table: string, key: Item): Promise<Item | undefined> {
  const res = await call('GetItem', () => clients.ddb.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true })));
  return res.Item;
}

/** One conditional write (`operation` names it: PutItem, UpdateItem, DeleteItem). */
export async function conditional<T>(operation: string, send: () => Promise<T>): Promise<Written<T>> {
  try {
    return written(await send());
  } catch (err) {
    if (errorName(err) !== 'ConditionalCheckFailedException') throw dependencyFailure('dynamodb', operation, err);
    const item = (err as { Item?: Item }).Item;
    return { ok: false, reason: 'condition', ...(item ? { item } : {}) };
  }
}

// ---- pages ---------------------------------------------------------------------------------

export interface Page<T, K> {
  items: readonly T[];
  /** Where the next page starts; undefined after the last. */
  next?: K;
}

/**
 * Every item of a paginated read, in order: `page` is asked for the page at `start`
 * (undefined: the first) and told how many items were gathered so far. With `limit`,
 * stops once that many are gathered (the last page may bring more).
 */
export async function paginate<T, K>(page: (start: K | undefined, gathered: number) => Promise<Page<T, K>>, limit?: number): Promise<T[]> {
  const out: T[] = [];
  let start: K | undefined;
  do {
    const res = await page(start, out.length);
    out.push(...res.items);
    start = res.next;
  } while (start !== undefined && (limit === undefined || out.length < limit));
  return out;
}

/** Every item a Query finds (strongly consistent unless the input says otherwise), at most `limit`. */
export function queryAll(clients: TableClients, input: Omit<QueryCommandInput, 'ExclusiveStartKey'>, limit?: number): Promise<Item[]> {
  return paginate<Item, Item>(async (start, gathered) => {
    const res = await call('Query', () =>
      clients.ddb.send(
        new QueryCommand({
          ConsistentRead: true,
          ...input,
          ExclusiveStartKey: start,
          ...(limit !== undefined ? { Limit: Math.min(1000, limit - gathered) } : {}),
        }),
      ),
    );
    return { items: res.Items ?? [], ...(res.LastEvaluatedKey ? { next: res.LastEvaluatedKey } : {}) };
  }, limit);
}

/** Every item of a table (strongly consistent). O(table): administration and maintenance only. */
export function scanAll(clients: TableClients, input: Omit<ScanCommandInput, 'ExclusiveStartKey'>): Promise<Item[]> {
  return paginate<Item, Item>(async (start) => {
    const res = await call('Scan', () => clients.ddb.send(new ScanCommand({ ConsistentRead: true, ...input, ExclusiveStartKey: start })));
    return { items: res.Items ?? [], ...(res.LastEvaluatedKey ? { next: res.LastEvaluatedKey } : {}) };
  });
}

// ---- transactions --------------------------------------------------------------------------

/**
 * Errors after which a transaction wrote nothing and may simply be sent again: DynamoDB
 * throttled it, or (TransactionInProgress) the same ClientRequestToken is still being
 * served, which only a resend with that token resolves.
 */
export const RETRIABLE_TRANSACTION_ERRORS: ReadonlySet<string> = new Set([
  'TransactionInProgressException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

/** What a failed TransactWriteItems came to. */
export type TransactionFailure =
  /** Canceled because these items' conditions failed: nothing was written. */
  | { kind: 'condition'; failed: number[] }
  /** Canceled by another transaction, or throttled: nothing was written; send it again. */
  | { kind: 'conflict' }
  /** A transaction with the same token is still running: it may yet commit. */
  | { kind: 'in-progress' }
  /** No definite answer (timeout, reset, 5xx): it may have committed. */
  | { kind: 'ambiguous' }
  /** A definite failure (a refused request): nothing was written, and a resend would fail too. */
  | { kind: 'failed' };

export function classifyTransactionError(err: unknown): TransactionFailure {
  const reasons = cancellationReasons(err);
  if (reasons) {
    const failed = reasons.flatMap((r, i) => (r === 'ConditionalCheckFailed' ? [i] : []));
    return failed.length > 0 ? { kind: 'condition', failed } : { kind: 'conflict' };
  }
  const name = errorName(err) ?? '';
  if (name === 'TransactionInProgressException') return { kind: 'in-progress' };
  if (RETRIABLE_TRANSACTION_ERRORS.has(name)) return { kind: 'conflict' };
  return isAmbiguous(err) ? { kind: 'ambiguous' } : { kind: 'failed' };
}

export interface TransactOptions {
  /** What the transaction does, for the error when conflicts outlast the attempts ("bind the subscription"). */
  what: string;
  /** Attempts before giving up with REQUEST_TIMED_OUT (default 10). */
  attempts?: number;
  /** Backoff between attempts: full jitter over base * 2^attempt, capped (default 10 ms, 200 ms). */
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * One transaction: written, or `{ ok: false, reason: 'condition', failed }`. Sent again
 * (with jittered backoff) while another transaction was in the way or DynamoDB throttled;
 * an ambiguous or definite failure is a DependencyError (the caller, not this layer,
 * knows whether it may have committed and how to find out).
 */
export async function transact(clients: TableClients, items: TransactWriteItem[], opts: TransactOptions): Promise<Written> {
  const attempts = opts.attempts ?? 10;
  const backoff = opts.backoff ?? { baseMs: 10, maxMs: 200 };
  let last: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(fullJitter(attempt, backoff));
    try {
      await clients.ddb.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return written(undefined);
    } catch (err) {
      last = err;
      const failure = classifyTransactionError(err);
      if (failure.kind === 'condition') return { ok: false, reason: 'condition', failed: failure.failed };
      if (failure.kind !== 'conflict' && failure.kind !== 'in-progress') throw dependencyFailure('dynamodb', 'TransactWriteItems', err);
    }
  }
  throw new RequestTimedOutError(`Could not ${opts.what}: ${errorName(last) ?? 'conflict'}; retry.`, { dependency: 'dynamodb', retryAfterSeconds: 1 }, last);
}

// ---- batches -------------------------------------------------------------------------------

/** BatchWriteItem's limit on requests per call. */
const BATCH_WRITE_REQUESTS = 25;

/**
 * Puts and deletes on one table, 25 per call; what DynamoDB leaves unprocessed is sent
 * again with jittered backoff, at most 20 times per chunk (then REQUEST_TIMED_OUT, naming
 * `what`). Not atomic: each request stands alone.
 */
export async function batchWrite(clients: TableClients, table: string, requests: readonly WriteRequest[], what: string): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_REQUESTS) {
    let pending = requests.slice(i, i + BATCH_WRITE_REQUESTS);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 20) {
        throw new RequestTimedOutError(`Could not ${what}: requests left unprocessed; retry.`, { dependency: 'dynamodb', retryAfterSeconds: 1 });
      }
      if (attempt > 0) await sleep(fullJitter(attempt, { baseMs: 10, maxMs: 500 }));
      const res = await call('BatchWriteItem', () => clients.ddb.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } })));
      pending = res.UnprocessedItems?.[table] ?? [];
    }
  }
}
