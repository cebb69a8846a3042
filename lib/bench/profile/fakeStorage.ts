// In-memory stand-ins for S3 and DynamoDB at the SDK's HTTP layer, for profiling the
// handlers' own CPU: the real SDK clients (serialisation, SigV4 signing, checksums,
// retries, parsing: all of it runs) configured as in Lambda, but every request is answered
// from memory at once, so no emulator or network time mixes into the profile. A test
// double: a Log takes its clients through its public constructor. Tables follow the local
// stack's layout (memoryTables.ts); S3 keeps objects by key and serves byte ranges.
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import { storageLayout, type StorageLayout } from '../../local/index.ts';
import type { Log } from '../../log/index.ts';
import { MemoryTables, UnsupportedRequest } from './memoryTables.ts';

type StorageClients = ConstructorParameters<typeof Log>[0];

const CREDENTIALS = { accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret-key' };

export class FakeAws {
  readonly layout: StorageLayout = storageLayout('bench');
  readonly names = this.layout.names;
  /** Objects by key. */
  readonly objects = new Map<string, Buffer>();
  readonly tables = new MemoryTables(this.layout.tables);

  readonly handler = {
    handle: (request: HttpRequest): Promise<{ response: HttpResponse }> => this.handle(request),
    updateHttpClientConfig: (): void => undefined,
    httpHandlerConfigs: (): Record<string, never> => ({}),
    destroy: (): void => undefined,
  };

  /**
   * SDK clients as Lambda's are (no custom endpoint), answered from memory.
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

  private async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    if (target) return { response: this.dynamodb(target.split('.')[1]!, JSON.parse(await text(request.body)) as Record<string, unknown>) };
    return { response: await this.s3(request) };
  }

  private dynamodb(op: string, input: Record<string, unknown>): HttpResponse {
    try {
      return json(200, this.tables.handle(op, input));
    } catch (err) {
      if (!(err instanceof UnsupportedRequest)) throw err;
      return json(400, { __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: err.message });
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
        'content-type': 'application/octet-stream',
        etag: '"0"',
        ...(range ? { 'content-range': `bytes ${range[1]}-${range[2]}/${object.length}` } : {}),
      },
      body: Readable.from([body]),
    };
  }
}

function json(statusCode: number, body: unknown): HttpResponse {
  const buf = Buffer.from(JSON.stringify(body));
  return {
    statusCode,
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
