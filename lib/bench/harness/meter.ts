// Counts what the server's storage clients send: calls per service, operation and table,
// S3 requests by price class, and DynamoDB request units computed from the items in the
// requests and responses (capacity.ts). Installed as SDK middleware on the very client
// instances the dev server's handlers use, so nothing is estimated from the source code.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StorageClients } from '../../storage/clients.ts';
import { TABLES, type TableDefinition, type TableId } from '../../storage/definitions.ts';
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

type Stack = { add(m: unknown, o: unknown): void; remove(name: string): boolean };

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
  private readonly tables = new Map<string, { id: TableId; def: TableDefinition }>();
  private readonly names: string[] = [];
  private paused = false;

  constructor(private readonly clients: StorageClients) {
    for (const id of Object.keys(TABLES) as TableId[]) this.tables.set(clients.names.tables[id], { id, def: TABLES[id] });
  }

  /** Installs the counting middleware on both clients; detach() removes it. */
  attach(): this {
    const name = `bench-meter-${Math.random().toString(36).slice(2)}`;
    this.names.push(`${name}-s3`, `${name}-ddb`);
    (this.clients.s3.middlewareStack as unknown as Stack).add(
      (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        if (!this.paused) this.onS3(op(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: `${name}-s3` },
    );
    (this.clients.ddb.middlewareStack as unknown as Stack).add(
      (next: (a: unknown) => Promise<{ output?: Record<string, unknown> }>, context: { commandName?: string }) =>
        async (args: { input: Record<string, unknown> }) => {
          if (this.paused) return next(args);
          const operation = op(context.commandName);
          this.onDdbRequest(operation, args.input);
          const result = await next(args);
          this.onDdbResponse(operation, args.input, result.output ?? {});
          return result;
        },
      { step: 'initialize', name: `${name}-ddb` },
    );
    return this;
  }

  detach(): void {
    for (const n of this.names.splice(0)) {
      if (n.endsWith('-s3')) (this.clients.s3.middlewareStack as unknown as Stack).remove(n);
      else (this.clients.ddb.middlewareStack as unknown as Stack).remove(n);
    }
  }

  /** Stop or resume counting (the middleware stays installed). */
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
    const parts = [t.def.partitionKey.name, ...(t.def.sortKey ? [t.def.sortKey.name] : [])].map((k) => JSON.stringify(item[k] ?? null));
    return `${tableName}|${parts.join('|')}`;
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
    for (const index of this.tables.get(tableName)?.def.localIndexes ?? []) {
      if (item[index.sortKey.name] !== undefined) units += writeUnits(size, transactional);
    }
    return units;
  }

  /** Size of an item about to be updated: as last seen, or the key plus the new values. */
  private updatedSize(tableName: string, key: Item, values: Item | undefined): number {
    const prior = this.known.get(this.keyOf(tableName, key) ?? '') ?? 0;
    const estimate = itemSize(key) + Object.values(values ?? {}).reduce((s, v) => s + valueSize(v) + 16, 0);
    return Math.max(prior, estimate);
  }

  private onDdbRequest(operation: string, input: Record<string, unknown>): void {
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

  private onDdbResponse(operation: string, input: Record<string, unknown>, output: Record<string, unknown>): void {
    const consistent = input.ConsistentRead === true;
    const table = input.TableName as string | undefined;
    switch (operation) {
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

const op = (commandName: string | undefined): string => (commandName ?? 'Unknown').replace(/Command$/, '');

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
