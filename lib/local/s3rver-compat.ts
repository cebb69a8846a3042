// Fixes for s3rver 3.7 (unmaintained) where it departs from S3 in ways Sluice would notice.
// Installed as a Koa middleware just in front of s3rver's router:
//
// - ListObjectsV2 with more keys than MaxKeys: s3rver builds NextContinuationToken with
//   DES, which Node 17+ (OpenSSL 3) no longer provides, so every truncated listing is an
//   InternalError. We serve list-type=2 through s3rver's v1 listing (marker) and issue our
//   own continuation tokens.
// - PutObject: s3rver answers once it has read the body, not once the object's file is
//   written (it resolves on the end of its input stream, or even right after handing a
//   Buffer to a write stream), so a kill just after an acknowledged PUT could leave the
//   object short. We store objects ourselves and answer after the file is complete.
// - Anonymous requests: s3rver serves requests without any signature, which would let a
//   web page post objects into the bucket. We refuse them (AccessDenied); signed ones go
//   on to s3rver's own check of the access key id.
// - Range: s3rver reads `bytes=0-0` as the whole object and `bytes=-N` (the last N bytes)
//   as bytes 0..N. We take single ranges from it and apply them ourselves, as S3 does,
//   including InvalidRange (416) for a start past the end.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';

const require = createRequire(import.meta.url);
const S3Error = require('s3rver/lib/models/error.js') as new (code: string, message: string, detail?: object) => Error;

/** The slice of Koa's context this middleware touches. */
interface Ctx {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  req: { headers: Record<string, string | string[] | undefined> };
  status: number;
  length: number | undefined;
  body: unknown;
  set(field: string, value: string): void;
}

type Middleware = (ctx: Ctx, next: () => Promise<unknown>) => Promise<unknown>;

/** What s3rver's filesystem store is handed to put (its S3Object). */
interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, unknown>;
}

interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5: string): Promise<void>;
}

interface S3rverInternals {
  middleware: Middleware[];
  store: S3rverStore;
}

const TOKEN_PREFIX = 'sluice-s3rver:';
const encodeToken = (key: string) => Buffer.from(TOKEN_PREFIX + key, 'utf8').toString('base64');
function decodeToken(token: string): string | undefined {
  const text = Buffer.from(token, 'base64').toString('utf8');
  return text.startsWith(TOKEN_PREFIX) ? text.slice(TOKEN_PREFIX.length) : undefined;
}

function splitPath(path: string): { bucket: string; key?: string } | undefined {
  // Path style: /bucket, /bucket/ (the SDK's form for bucket operations), /bucket/key.
  const m = /^\/([^/]+)(?:\/(.*))?$/.exec(path);
  if (!m) return undefined;
  try {
    return { bucket: decodeURIComponent(m[1]!), ...(m[2] ? { key: decodeURIComponent(m[2]) } : {}) };
  } catch {
    return undefined;
  }
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

async function listObjectsV2(ctx: Ctx, next: () => Promise<unknown>): Promise<void> {
  const query = { ...ctx.query };
  const token = one(query['continuation-token']);
  let marker = one(query['start-after']);
  if (token !== undefined) {
    marker = decodeToken(token);
    if (marker === undefined) {
      throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
    }
  }
  const v1: Record<string, string | string[] | undefined> = { ...query };
  delete v1['list-type'];
  delete v1['continuation-token'];
  delete v1['start-after'];
  delete v1['fetch-owner'];
  if (marker) v1.marker = marker;
  ctx.query = v1;

  await next();

  const result = (ctx.body as { ListBucketResult?: Record<string, unknown> } | undefined)?.ListBucketResult;
  if (!result) return;
  const contents = (result.Contents ?? []) as { Key: string; Owner?: unknown }[];
  const prefixes = (result.CommonPrefixes ?? []) as unknown[];
  const fetchOwner = one(query['fetch-owner']) === 'true';
  const last = contents[contents.length - 1];
  ctx.body = {
    ListBucketResult: {
      '@': result['@'],
      Name: result.Name,
      Prefix: result.Prefix,
      StartAfter: token === undefined ? one(query['start-after']) : undefined,
      ContinuationToken: token,
      NextContinuationToken: result.IsTruncated && last ? encodeToken(last.Key) : undefined,
      KeyCount: contents.length + prefixes.length,
      MaxKeys: result.MaxKeys,
      Delimiter: result.Delimiter,
      IsTruncated: result.IsTruncated,
      Contents: contents.map(({ Owner, ...rest }) => (fetchOwner ? { ...rest, Owner } : rest)),
      CommonPrefixes: prefixes,
    },
  };
}

/** [start, end] for a single `bytes=` range on an object of `size` bytes; 'ignore' when
 *  S3 would ignore the header, 'unsatisfiable' for a 416. */
export function resolveRange(spec: string, size: number): [number, number] | 'ignore' | 'unsatisfiable' {
  const m = /^bytes=(\d*)-(\d*)$/.exec(spec.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'ignore';
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return 'ignore';
  if (start >= size) return 'unsatisfiable';
  return [start, m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)];
}

async function rangedGet(app: S3rverInternals, ctx: Ctx, next: () => Promise<unknown>, bucket: string, key: string, spec: string) {
  delete ctx.req.headers.range;
  await next();
  const body = ctx.body as Readable | undefined;
  if (ctx.status !== 200 || typeof body?.pipe !== 'function' || ctx.length === undefined) return;
  const size = ctx.length;
  const range = resolveRange(spec, size);
  if (range === 'ignore') return;
  body.destroy();
  if (range === 'unsatisfiable') {
    throw new S3Error('InvalidRange', 'The requested range is not satisfiable', { RangeRequested: spec, ActualObjectSize: size });
  }
  const [start, end] = range;
  ctx.body = createReadStream(app.store.getResourcePath(bucket, key, 'object'), { start, end });
  ctx.status = 206;
  ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
  ctx.length = end - start + 1;
}

/**
 * The store's putObject, resolving only once the object's file is completely written
 * (then its metadata, as s3rver does). Takes the store whose method it replaces.
 */
export function durablePutObject(store: S3rverStore): S3rverStore['putObject'] {
  return async (object) => {
    const path = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(dirname(path), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    // Resolves after the file stream's 'finish': every byte has been written to the file.
    await pipeline(source, count, createWriteStream(path));
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** True when the request carries a signature of any kind s3rver checks. */
const isSigned = (ctx: Ctx): boolean =>
  ctx.req.headers.authorization !== undefined || ctx.query.Signature !== undefined || ctx.query['X-Amz-Algorithm'] !== undefined;

/** Installs the fixes; call before run(). */
export function applyS3rverFixes(server: S3rver): void {
  const app = server as unknown as S3rverInternals;
  const router = app.middleware[app.middleware.length - 1];
  if (router?.name !== 'dispatch') throw new Error('unexpected s3rver middleware layout: cannot apply the S3 compatibility fixes');
  app.store.putObject = durablePutObject(app.store);
  const fix: Middleware = async (ctx, next) => {
    if (!isSigned(ctx)) throw new S3Error('AccessDenied', 'Access Denied: requests must be signed');
    if (ctx.method !== 'GET') return next();
    const target = splitPath(ctx.path);
    if (!target) return next();
    if (target.key === undefined) {
      return one(ctx.query['list-type']) === '2' ? listObjectsV2(ctx, next) : next();
    }
    const range = one(ctx.req.headers.range);
    return range ? rangedGet(app, ctx, next, target.bucket, target.key, range) : next();
  };
  // Just before the router: after it runs, bodies are still plain objects (s3rver's XML
  // encoder sits further out).
  app.middleware.splice(app.middleware.length - 1, 0, fix);
}
