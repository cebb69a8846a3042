// Committed offsets of consumer groups, in the `groups` table beside the group item
// (store.ts):
//
//   groupId, sk = 'offset#{topic}#{partition}'   one committed offset:
//     topic, partition, offset (next offset to read), metadata, topicId (of the topic the
//     commit was made against; a re-created topic does not inherit it), committedAt
//
// A commit is fenced in the same transaction that writes it (a ConditionCheck on the
// group item's owner entries), so a member that lost a partition cannot overwrite its new
// owner's progress; offsets never move backwards except by an explicit reset.
import type { ConditionCheck, Put, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { RequestTimedOutError } from '../core/errors.ts';
import { fullJitter, sleep } from '../core/time.ts';
import type { StorageClients } from '../storage/clients.ts';
import { batchWrite, getItem, N, num, queryAll, S, str, transact, type Item } from '../storage/dynamo.ts';
import { fenceError, type OffsetFence } from './fencing.ts';
import { groupKey, ownerKey, ownerValue, readGroup } from './store.ts';

export interface StoredOffset {
  topic: string;
  partition: number;
  offset: number;
  metadata: string;
  topicId: string;
  committedAt: number;
}

export interface OffsetWrite {
  topic: string;
  topicId: string;
  partition: number;
  offset: number;
  metadata: string;
}

const OFFSET_PREFIX = 'offset#';
export const offsetSk = (topic: string, partition: number): string => `${OFFSET_PREFIX}${topic}#${partition}`;
const offsetKey = (groupId: string, topic: string, partition: number): Item => ({ groupId: S(groupId), sk: S(offsetSk(topic, partition)) });

const offsetFromItem = (i: Item): StoredOffset => ({
  topic: str(i.topic),
  partition: num(i.partition),
  offset: num(i.offset),
  metadata: str(i.metadata),
  topicId: str(i.topicId),
  committedAt: num(i.committedAt),
});

export async function readOffsets(clients: StorageClients, groupId: string): Promise<StoredOffset[]> {
  const items = await queryAll(clients, {
    TableName: clients.names.tables.groups,
    KeyConditionExpression: 'groupId = :g AND begins_with(sk, :p)',
    ExpressionAttributeValues: { ':g': S(groupId), ':p': S(OFFSET_PREFIX) },
  });
  return items.map(offsetFromItem).sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

async function readOffset(clients: StorageClients, groupId: string, topic: string, partition: number): Promise<StoredOffset | undefined> {
  const item = await getItem(clients, clients.names.tables.groups, offsetKey(groupId, topic, partition));
  return item ? offsetFromItem(item) : undefined;
}

export interface WriteOffsetsOptions {
  /** Explicit reset: the new offset may be lower than the stored one. */
  allowBackwards?: boolean;
  now?: number;
  maxAttempts?: number;
  backoffCapMs?: number;
}

/** One transaction holds the fence check and at most this many offsets. */
export const OFFSETS_PER_TRANSACTION = 99;

/**
 * Writes offsets, each chunk of up to 99 in ONE transaction with a ConditionCheck on the
 * group item, so the fence and the writes are atomic:
 *   member fence   owners["topic#p"] = "memberId:epoch" for every partition written
 *   empty fence    the group item is absent or has memberCount = 0
 *   each offset    absent, or stored offset <= new, or stored for another topicId
 *                  (omitted with allowBackwards)
 * A failed fence is re-read and reported as the domain error (UNKNOWN_MEMBER_ID,
 * ILLEGAL_GENERATION, NON_EMPTY_GROUP); nothing of that chunk is written. A stored offset
 * above the new one wins: that entry is dropped and the rest retried, and the result
 * reports the stored offset. Returns the offsets in effect, in input order.
 */
export async function writeOffsets(
  clients: StorageClients,
  groupId: string,
  fence: OffsetFence,
  writes: readonly OffsetWrite[],
  opts: WriteOffsetsOptions = {},
): Promise<StoredOffset[]> {
  const out: StoredOffset[] = [];
  for (let i = 0; i < writes.length; i += OFFSETS_PER_TRANSACTION) {
    out.push(...(await writeChunk(clients, groupId, fence, writes.slice(i, i + OFFSETS_PER_TRANSACTION), opts)));
  }
  return out;
}

async function writeChunk(
  clients: StorageClients,
  groupId: string,
  fence: OffsetFence,
  chunk: readonly OffsetWrite[],
  opts: WriteOffsetsOptions,
): Promise<StoredOffset[]> {
  const maxAttempts = opts.maxAttempts ?? 40;
  const backoff = { baseMs: 5, maxMs: opts.backoffCapMs ?? 200 };
  const now = opts.now ?? Date.now();
  const result: (StoredOffset | undefined)[] = chunk.map(() => undefined);
  let pending = chunk.map((w, i) => ({ w, i }));

  for (let attempt = 0; attempt < maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(fullJitter(attempt, backoff));
    const checks = 'external' in fence ? fence.external.checks : [fenceCheck(clients, groupId, fence, pending.map((p) => p.w))];
    const items: TransactWriteItem[] = [
      ...checks.map((c) => ({ ConditionCheck: c })),
      ...pending.map(({ w }) => ({ Put: offsetPut(clients, groupId, w, now, opts.allowBackwards ?? false) })),
    ];
    const commit = await transact(clients, items, { what: `commit offsets for group '${groupId}'`, attempts: maxAttempts, backoff });
    if (commit.ok) {
      for (const { w, i } of pending) result[i] = { ...w, committedAt: now };
      return result as StoredOffset[];
    }
    const failed = new Set(commit.failed);
    if (checks.some((_, k) => failed.has(k))) {
      const error =
        'external' in fence ? await fence.external.explain() : fenceError(await readGroup(clients, groupId), fence, pending.map((p) => p.w));
      if (error) throw error;
      continue; // the group changed and changed back: try again
    }
    // A stored offset above ours (same topic id) wins; keep it and drop our write.
    for (const p of pending.filter((_, k) => failed.has(k + checks.length))) {
      const stored = await readOffset(clients, groupId, p.w.topic, p.w.partition);
      if (stored && stored.topicId === p.w.topicId && stored.offset > p.w.offset) {
        result[p.i] = stored;
        pending = pending.filter((q) => q !== p);
      }
    }
  }
  if (pending.length > 0) {
    throw new RequestTimedOutError(`Could not commit offsets for group '${groupId}' after ${maxAttempts} attempts: conflict`, {
      dependency: 'dynamodb',
      retryAfterSeconds: 1,
    });
  }
  return result as StoredOffset[];
}

function fenceCheck(
  clients: StorageClients,
  groupId: string,
  fence: Exclude<OffsetFence, { external: unknown }>,
  writes: readonly OffsetWrite[],
): ConditionCheck {
  const check = { TableName: clients.names.tables.groups, Key: groupKey(groupId) };
  if ('empty' in fence) {
    return { ...check, ConditionExpression: 'attribute_not_exists(sk) OR memberCount = :zero', ExpressionAttributeValues: { ':zero': N(0) } };
  }
  const names: Record<string, string> = { '#o': 'owners', '#ep': 'epochs', '#m': fence.memberId };
  // The member at this epoch (also covers a member owning nothing), then each partition.
  const conds = ['#ep.#m = :ep'];
  writes.forEach((w, k) => {
    names[`#k${k}`] = ownerKey(w.topic, w.partition);
    conds.push(`#o.#k${k} = :me`);
  });
  return {
    ...check,
    ConditionExpression: conds.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':me': S(ownerValue(fence.memberId, fence.epoch)), ':ep': N(fence.epoch) },
  };
}

function offsetPut(clients: StorageClients, groupId: string, w: OffsetWrite, now: number, allowBackwards: boolean): Put {
  return {
    TableName: clients.names.tables.groups,
    Item: {
      ...offsetKey(groupId, w.topic, w.partition),
      topic: S(w.topic),
      partition: N(w.partition),
      offset: N(w.offset),
      metadata: S(w.metadata),
      topicId: S(w.topicId),
      committedAt: N(now),
    },
    ...(allowBackwards
      ? {}
      : {
          ConditionExpression: 'attribute_not_exists(sk) OR #off <= :o OR topicId <> :tid',
          ExpressionAttributeNames: { '#off': 'offset' },
          ExpressionAttributeValues: { ':o': N(w.offset), ':tid': S(w.topicId) },
        }),
  };
}

/** Deletes offset items; used when a group is deleted. */
export function deleteOffsets(clients: StorageClients, groupId: string, offsets: readonly StoredOffset[]): Promise<void> {
  const requests = offsets.map((o) => ({ DeleteRequest: { Key: offsetKey(groupId, o.topic, o.partition) } }));
  return batchWrite(clients, clients.names.tables.groups, requests, `delete the offsets of group '${groupId}'`);
}
