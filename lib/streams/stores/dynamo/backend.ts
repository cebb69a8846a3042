// The StoreBackend over DynamoDB: one application's stores (in one incarnation) in the
// `state` table, keyed as keys.ts lays out. Reads are strongly consistent, so a batch sees
// everything the transactions before it committed (read-committed, as the contract
// asks); the batch's own writes are layered on top by the write buffer, never written
// here. A batch's changes leave as versioned item writes (writes.ts) inside the runtime's
// one transaction.
//
// Item attributes: pk (B), sk (B), val (B: the value bytes), ver (N: 1 when created, +1 on
// every committed change).
//
// Range reads: one Query per page on pk, with the sort bounds as a key condition. The
// contract's [from, to) becomes BETWEEN (or >=, <=) on inclusive stored bounds, exact
// because no stored key is longer than DynamoDB allows (keys.ts).
import type { AttributeValue, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { batchGet, call, getItem, num, type Item } from '../../../storage/dynamo.ts';
import type { TableClients } from '../../../storage/tables.ts';
import type { ItemKey, KeyLimits, RangePage, RangeQuery, StoreBackend, StoredValue } from '../backend.ts';
import { toHex } from '../bytes.ts';
import {
  lowerInclusive,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
  partitionKeyOf,
  sortKeyOf,
  sortOfKey,
  storePrefix,
  upperInclusive,
  type StateNamespace,
} from './keys.ts';

const B = (bytes: Uint8Array): AttributeValue => ({ B: bytes });
const bytesOf = (v: AttributeValue | undefined): Uint8Array => (v?.B ? new Uint8Array(v.B) : new Uint8Array(0));

/** A Query page: DynamoDB returns at most 1 MB anyway. */
const MAX_PAGE_ITEMS = 1000;

export function storedValue(item: Item): StoredValue {
  return { value: bytesOf(item.val), version: num(item.ver) };
}

/** The sort-key condition of a range, or 'empty' when no stored key can satisfy it. */
function sortCondition(q: RangeQuery): { expression?: string; values: Record<string, AttributeValue> } | 'empty' {
  const lo = q.from === undefined ? undefined : lowerInclusive(sortKeyOf(q.from));
  const hi = q.to === undefined ? undefined : upperInclusive(sortKeyOf(q.to));
  if ((q.from !== undefined && lo === undefined) || (q.to !== undefined && hi === undefined)) return 'empty';
  if (lo && hi) {
    if (toHex(lo) > toHex(hi)) return 'empty';
    return { expression: 'sk BETWEEN :lo AND :hi', values: { ':lo': B(lo), ':hi': B(hi) } };
  }
  if (lo) return { expression: 'sk >= :lo', values: { ':lo': B(lo) } };
  if (hi) return { expression: 'sk <= :hi', values: { ':hi': B(hi) } };
  return { values: {} };
}

export class DynamoStoreBackend implements StoreBackend {
  private readonly table: string;

  constructor(
    private readonly clients: TableClients,
    readonly namespace: StateNamespace,
  ) {
    this.table = clients.names.tables.state;
  }

  get tableName(): string {
    return this.table;
  }

  keyLimits(store: string): KeyLimits {
    return { hashBytes: MAX_PARTITION_KEY_BYTES - storePrefix(this.namespace, store).byteLength, sortBytes: MAX_SORT_KEY_BYTES - 1 };
  }

  private fits(store: string, key: ItemKey): boolean {
    const l = this.keyLimits(store);
    return key.hash.byteLength <= l.hashBytes && key.sort.byteLength <= l.sortBytes;
  }

  /** The item's DynamoDB key. */
  itemKey(store: string, key: ItemKey): Item {
    return { pk: B(partitionKeyOf(this.namespace, store, key.hash)), sk: B(sortKeyOf(key.sort)) };
  }

  async get(store: string, key: ItemKey): Promise<StoredValue | undefined> {
    if (!this.fits(store, key)) return undefined;
    const item = await getItem(this.clients, this.table, this.itemKey(store, key));
    return item ? storedValue(item) : undefined;
  }

  async getMany(store: string, keys: readonly ItemKey[]): Promise<(StoredValue | undefined)[]> {
    const ids = keys.map((k) => (this.fits(store, k) ? `${toHex(k.hash)}/${toHex(k.sort)}` : undefined));
    const distinct = new Map<string, ItemKey>();
    ids.forEach((id, i) => id !== undefined && distinct.set(id, keys[i]!));
    const items = await batchGet(this.clients, this.table, [...distinct.values()].map((k) => this.itemKey(store, k)), `read store ${store}`);
    const found = new Map<string, StoredValue>();
    const prefixLength = storePrefix(this.namespace, store).byteLength;
    for (const item of items) {
      const id = `${toHex(bytesOf(item.pk).subarray(prefixLength))}/${toHex(sortOfKey(bytesOf(item.sk)))}`;
      found.set(id, storedValue(item));
    }
    return ids.map((id) => (id === undefined ? undefined : found.get(id)));
  }

  async range(store: string, hash: Uint8Array, query: RangeQuery): Promise<RangePage> {
    const condition = sortCondition(query);
    if (condition === 'empty' || !this.fits(store, { hash, sort: new Uint8Array(0) })) return { items: [], more: false };
    const limit = Math.min(query.limit ?? MAX_PAGE_ITEMS, MAX_PAGE_ITEMS);
    if (limit <= 0) return { items: [], more: true };
    const input: QueryCommandInput = {
      TableName: this.table,
      ConsistentRead: true,
      KeyConditionExpression: `pk = :pk${condition.expression ? ` AND ${condition.expression}` : ''}`,
      ExpressionAttributeValues: { ':pk': B(partitionKeyOf(this.namespace, store, hash)), ...condition.values },
      Limit: limit,
    };
    const res = await call('Query', () => this.clients.ddb.send(new QueryCommand(input)));
    const items = (res.Items ?? []).map((item) => ({ sort: sortOfKey(bytesOf(item.sk)), ...storedValue(item) }));
    return { items, more: res.LastEvaluatedKey !== undefined };
  }
}
