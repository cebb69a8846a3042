// Counts what the server's storage clients send: calls per service, operation and table,
// S3 requests by price class, and DynamoDB request units computed from the items in the
// requests and responses (capacity.ts). A tap on the very clients the dev server's
// handlers use (lib/local/taps.ts), so nothing is estimated from the source code; the
// stack's layout says which table a name is and which attributes are its keys.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { LocalTable, StorageTap } from '../../local/index.ts';
import { itemSize, readUnits, valueSize, writeUnits } from './capacity.ts';

type Item = Record<string, AttributeValue>;

export interface MeterSnapshot {
  /** Calls by `service.Operation[.table]`, e.g. `dynamodb.GetItem.partitions`, `s3.PutObject`. */
  calls: Record<string, number>;
  /** Actions inside TransactWriteItems calls, e.g. `Update.partitions`, `ConditionCheck.topics`. */
  transactItems: Record<string, number>;
  s3: number;
  dynamodb: number;
  /** S3 requests by price class: PUT/COPY/POST/LIST, and GET and everything else (DELETE is free). */
  s3Puts: number;
  s3Gets: number;
  wru: number;
  rru: number;
  /** Largest item seen per table id, bytes as DynamoDB counts them. */
  maxItemBytes: Record<string, number>;
}

const S3_PUT_CLASS = new Set(['PutObject', 'CopyObject', 'CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload', 'ListObjectsV2', 'ListObjects', 'ListBuckets', 'ListParts', 'ListMultipartUploads']);
const S3_FREE = new Set(['DeleteObject', 'DeleteObjects', 'AbortMultipartUpload']);

export class Meter {
  private calls = new Map<string, number>();
  private actions = new Map<string, number>();
  private s3Count = 0;
  private ddbCount = 0;
  private s3Puts = 0;
  private s3Gets = 0;
  private wru = 0;
  private rru = 0;
  private maxItem = new Map<string, number>();
  /** Item sizes last seen per table and key, for updates and condition checks. */
  private readonly known = new Map<string, number>();
  private readonly tables: Map<string, LocalTable>;
  private paused = false;

  constructor(tables: readonly LocalTable[]) {
    this.tables = new Map(tables.map((t) => [t.name, t]));
  }

  /** Install on the clients to meter (LocalStackOptions.taps); counts while not paused. */
  readonly tap: StorageTap = async (call, send) => {
    if (this.paused) return send();
    if (call.service === 's3') {
      this.onS3(call.operation);
      return send();
    }
    this.onDdbRequest(call.operation, call.input);
    const output = await send();
    this.onDdbResponse(call.operation, call.input, output);
  };

  /** Stop or resume counting. */
  pause(paused = true): void {
    this.paused = paused;
  }

  reset(): void {
    this.calls.clear();
    this.actions.clear();
    this.s3Count = this.ddbCount = this.s3Puts = this.s3Gets = this.wru = this.rru = 0;
    this.maxItem.clear();
  }

  snapshot(): MeterSnapshot {
    return {
      calls: sorted(this.calls),
      transactItems: sorted(this.actions),
      s3: this.s3Count,
      dynamodb: this.ddbCount,
      s3Puts: this.s3Puts,
      s3Gets: this.s3Gets,
      wru: this.wru,
      rru: this.rru,
      maxItemBytes: Object.fromEntries(this.maxItem),
    };
  }

  private bump(key: string): void {
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
  }

  private onS3(operation: string): void {
    this.s3Count++;
    this.bump(`s3.${operation}`);
    if (S3_PUT_CLASS.has(operation)) this.s3Puts++;
    else if (!S3_FREE.has(operation)) this.s3Gets++;
  }

  private tableId(tableName: unknown): string {
    return (typeof tableName === 'string' && this.tables.get(tableName)?.id) || String(tableName);
  }

  private keyOf(tableName: string, item: Item | undefined): string | undefined {
    const t = this.tables.get(tableName);
    if (!t || !item) return undefined;
    return `${tableName}|${t.keys.map((k) => JSON.stringify(item[k] ?? null)).join('|')}`;
  }

  private seen(tableName: string, item: Item | undefined, size: number): void {
    const key = this.keyOf(tableName, item);
    if (key) this.known.set(key, size);
    const id = this.tableId(tableName);
    this.maxItem.set(id, Math.max(this.maxItem.get(id) ?? 0, size));
  }

  /** WRU for putting `item` into `tableName`, its local indexes included. */
  private putUnits(tableName: string, item: Item, transactional: boolean): number {
    const size = itemSize(item);
    this.seen(tableName, item, size);
    let units = writeUnits(size, transactional);
    for (const indexKey of this.tables.get(tableName)?.indexKeys ?? []) {
      if (item[indexKey] !== undefined) units += writeUnits(size, transactional);
    }
    return units;
  }

  /** Size of an item about to be updated: as last seen, or the key plus the new values. */
  private updatedSize(tableName: string, key: Item, values: Item | undefined): number {
    const prior = this.known.get(this.keyOf(tableName, key) ?? '') ?? 0;
    const estimate = itemSize(key) + Object.values(values ?? {}).reduce((s, v) => s + valueSize(v) + 16, 0);
    return Math.max(prior, estimate);
  }

  private onDdbRequest(operation: string, input: Readonly<Record<string, unknown>>): void {
    this.ddbCount++;
    const table = input.TableName as string | undefined;
    this.bump(`dynamodb.${operation}${table ? `.${this.tableId(table)}` : ''}`);
    switch (operation) {
      case 'PutItem':
        this.wru += this.putUnits(table!, input.Item as Item, false);
        break;
      case 'UpdateItem':
      case 'DeleteItem': {
        const size = this.updatedSize(table!, input.Key as Item, input.ExpressionAttributeValues as Item | undefined);
        this.wru += writeUnits(size);
        break;
      }
      case 'BatchWriteItem':
        for (const [t, reqs] of Object.entries((input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]>)) {
          for (const r of reqs) this.wru += r.PutRequest ? this.putUnits(t, r.PutRequest.Item, false) : writeUnits(this.updatedSize(t, r.DeleteRequest!.Key, undefined));
        }
        break;
      case 'TransactWriteItems':
        for (const item of (input.TransactItems ?? []) as Record<string, { TableName: string; Item?: Item; Key?: Item; ExpressionAttributeValues?: Item }>[]) {
          const [kind, a] = Object.entries(item)[0]!;
          const action = `${kind}.${this.tableId(a.TableName)}`;
          this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
          if (kind === 'Put') this.wru += this.putUnits(a.TableName, a.Item!, true);
          else this.wru += writeUnits(this.updatedSize(a.TableName, a.Key!, kind === 'Update' ? a.ExpressionAttributeValues : undefined), true);
        }
        break;
    }
  }

  private onDdbResponse(operation: string, input: Readonly<Record<string, unknown>>, output: Readonly<Record<string, unknown>>): void {
    const consistent = input.ConsistentRead === true;
    const table = input.TableName as string | undefined;
    switch (operation) {
      case 'UpdateItem': {
        // What the update returned of the item (UPDATED_OLD: every attribute it changed)
        // and what it wrote: a floor for the item's size at the next update of it.
        const old = output.Attributes as Item | undefined;
        if (old) {
          const added = Object.values((input.ExpressionAttributeValues ?? {}) as Item).reduce((s, v) => s + valueSize(v), 0);
          const key = input.Key as Item;
          this.seen(table!, key, Math.max(this.updatedSize(table!, key, undefined), itemSize({ ...key, ...old }) + added));
        }
        break;
      }
      case 'GetItem': {
        const item = output.Item as Item | undefined;
        const size = itemSize(item);
        if (item) this.seen(table!, item, size);
        this.rru += readUnits(size, consistent);
        break;
      }
      case 'Query':
      case 'Scan': {
        let total = 0;
        for (const item of (output.Items ?? []) as Item[]) {
          const size = itemSize(item);
          total += size;
          this.seen(table!, item, size);
        }
        this.rru += readUnits(total, consistent);
        break;
      }
      case 'BatchGetItem':
        for (const [t, items] of Object.entries((output.Responses ?? {}) as Record<string, Item[]>)) {
          const consistentHere = ((input.RequestItems as Record<string, { ConsistentRead?: boolean }>)?.[t]?.ConsistentRead) === true;
          for (const item of items) this.rru += readUnits(itemSize(item), consistentHere);
        }
        break;
      case 'TransactGetItems':
        for (const r of (output.Responses ?? []) as { Item?: Item }[]) this.rru += readUnits(itemSize(r.Item), true, true);
        break;
    }
  }
}

const sorted = (m: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...m.entries()].sort(([a], [b]) => a.localeCompare(b)));

/** Per-request averages of a snapshot over `n` requests. */
export function perRequest(s: MeterSnapshot, n: number): MeterSnapshot {
  const div = (x: number) => (n > 0 ? x / n : NaN);
  return {
    calls: Object.fromEntries(Object.entries(s.calls).map(([k, v]) => [k, div(v)])),
    transactItems: Object.fromEntries(Object.entries(s.transactItems).map(([k, v]) => [k, div(v)])),
    s3: div(s.s3),
    dynamodb: div(s.dynamodb),
    s3Puts: div(s.s3Puts),
    s3Gets: div(s.s3Gets),
    wru: div(s.wru),
    rru: div(s.rru),
    maxItemBytes: s.maxItemBytes,
  };
}

/** The sum of two snapshots (largest items: the larger of the two). */
export function addSnapshots(a: MeterSnapshot, b: MeterSnapshot): MeterSnapshot {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const max = (x: Record<string, number>, y: Record<string, number>) => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = Math.max(out[k] ?? 0, v);
    return out;
  };
  return {
    calls: add(a.calls, b.calls),
    transactItems: add(a.transactItems, b.transactItems),
    s3: a.s3 + b.s3,
    dynamodb: a.dynamodb + b.dynamodb,
    s3Puts: a.s3Puts + b.s3Puts,
    s3Gets: a.s3Gets + b.s3Gets,
    wru: a.wru + b.wru,
    rru: a.rru + b.rru,
    maxItemBytes: max(a.maxItemBytes, b.maxItemBytes),
  };
}
