// In-memory stand-ins for S3 and DynamoDB at the SDK's HTTP layer, for profiling the
// handlers' own CPU: the real SDK clients (serialisation, SigV4 signing, checksums,
// retries, parsing: all of it runs) configured as in Lambda, but every request is answered
// from memory at once, so no emulator or network time mixes into the profile. Only the
// calls the produce and fetch paths make are understood; the answers are what S3 and
// DynamoDB return for them.
import { Readable } from 'node:stream';
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import type { StorageClients } from '../../storage/clients.ts';
import { prefixedStorageNames, TABLES, type TableId } from '../../storage/definitions.ts';

type Item = Record<string, AttributeValue>;

const CREDENTIALS = { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret-key' };

export class FakeAws {
  readonly names = prefixedStorageNames('bench');
  /** Objects by key. */
  readonly objects = new Map<string, Buffer>();
  /** Items by table name, then by key string (partition key + sort key). */
  private readonly items = new Map<string, Map<string, Item>>();
  /** Segment index entries per `tp`, sorted by lastOffset. */
  private readonly index = new Map<string, Item[]>();
  /** Key attribute names per table name. */
  private readonly keys = new Map<string, string[]>(
    (Object.keys(TABLES) as TableId[]).map((id) => [
      this.names.tables[id],
      [TABLES[id].partitionKey.name, ...(TABLES[id].sortKey ? [TABLES[id].sortKey!.name] : [])],
    ]),
  );

  private keyString(table: string, item: Item): string {
    return (this.keys.get(table) ?? []).map((k) => `${item[k]?.S ?? item[k]?.N}`).join('|');
  }

  readonly handler = {
    handle: (request: HttpRequest): Promise<{ response: HttpResponse }> => this.handle(request),
    updateHttpClientConfig: (): void => undefined,
    httpHandlerConfigs: (): Record<string, never> => ({}),
    destroy: (): void => undefined,
  };

  /**
   * SDK clients as lib/storage/clients.ts builds them in Lambda (no custom endpoint).
   * `withoutInfoLogger`: give the clients a logger with no `info` method, which makes
   * the SDK skip building its redacted log copy of every input and output.
   */
  clients(opts: { withoutInfoLogger?: boolean } = {}): StorageClients {
    const noop = (): void => undefined;
    const logger = { trace: noop, debug: noop, warn: noop, error: noop } as unknown as { info: () => void; debug: () => void; warn: () => void; error: () => void };
    const common = {
      region: 'us-east-1',
      credentials: CREDENTIALS,
      maxAttempts: 3,
      requestHandler: this.handler,
      ...(opts.withoutInfoLogger ? { logger } : {}),
    };
    return { names: this.names, ddb: new DynamoDBClient(common), s3: new S3Client(common) };
  }

  putItem(table: string, item: Item): void {
    if (table === this.names.tables.segments) {
      const tp = item.tp!.S!;
      const list = this.index.get(tp) ?? [];
      list.push(item);
      list.sort((a, b) => Number(a.lastOffset!.N) - Number(b.lastOffset!.N));
      this.index.set(tp, list);
      return;
    }
    let t = this.items.get(table);
    if (!t) this.items.set(table, (t = new Map()));
    t.set(this.keyString(table, item), item);
  }

  private async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    if (target) return { response: this.dynamodb(target.split('.')[1]!, JSON.parse(await text(request.body)) as Record<string, unknown>) };
    return { response: await this.s3(request) };
  }

  private dynamodb(op: string, input: Record<string, unknown>): HttpResponse {
    const table = input.TableName as string;
    switch (op) {
      case 'GetItem': {
        const item = this.items.get(table)?.get(this.keyString(table, input.Key as Item));
        return json(item ? { Item: item } : {});
      }
      case 'Query': {
        const values = input.ExpressionAttributeValues as Item;
        const from = Number(values[':o']?.N ?? 0);
        const limit = (input.Limit as number | undefined) ?? Infinity;
        const list = this.index.get(values[':tp']?.S ?? '') ?? [];
        const out: Item[] = [];
        for (const e of list) {
          if (Number(e.lastOffset!.N) < from) continue;
          out.push(e);
          if (out.length >= limit) break;
        }
        return json({ Items: out, Count: out.length, ScannedCount: out.length });
      }
      case 'TransactWriteItems': {
        // Apply what the commit protocol writes: the head's new nextOffset (conditions are
        // not evaluated; the benchmark is the only writer).
        for (const action of input.TransactItems as Record<string, { TableName: string; Key?: Item; Item?: Item; ExpressionAttributeValues?: Item }>[]) {
          const [kind, a] = Object.entries(action)[0]!;
          if (kind === 'Update' && a.ExpressionAttributeValues?.[':next']) {
            const key = this.keyString(a.TableName, a.Key!);
            const t = this.items.get(a.TableName) ?? new Map<string, Item>();
            this.items.set(a.TableName, t);
            t.set(key, { ...(t.get(key) ?? a.Key!), nextOffset: a.ExpressionAttributeValues[':next']! });
          }
        }
        return json({});
      }
      default:
        return json({});
    }
  }

  private async s3(request: HttpRequest): Promise<HttpResponse> {
    const key = decodeURIComponent(request.path.replace(/^\//, ''));
    if (request.method === 'PUT') {
      this.objects.set(key, await bytes(request.body));
      return { statusCode: 200, headers: { etag: '"0"' }, body: Readable.from([]) };
    }
    const object = this.objects.get(key);
    if (!object) return { statusCode: 404, headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from('<Error><Code>NoSuchKey</Code></Error>')]) };
    const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? request.headers.Range ?? '');
    const body = range ? object.subarray(Number(range[1]), Number(range[2]) + 1) : object;
    return {
      statusCode: range ? 206 : 200,
      headers: {
        'content-length': String(body.length),
        'content-type': 'application/vnd.kafka.recordbatch',
        etag: '"0"',
        ...(range ? { 'content-range': `bytes ${range[1]}-${range[2]}/${object.length}` } : {}),
      },
      body: Readable.from([body]),
    };
  }
}

function json(body: unknown): HttpResponse {
  const buf = Buffer.from(JSON.stringify(body));
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(buf.length) },
    body: Readable.from([buf]),
  };
}

async function bytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

async function text(body: unknown): Promise<string> {
  return (await bytes(body)).toString('utf8');
}
