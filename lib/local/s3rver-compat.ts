// Fixes for s3rver 3.7 (unmaintained) where it departs from S3 in ways Sluice would notice.
// Installed as a Koa middleware just in front of s3rver's router:
//
// - ListObjectsV2 with more keys than MaxKeys: s3rver builds NextContinuationToken with
//   DES, which Node 17+ (OpenSSL 3) no longer provides, so every truncated listing is an
//   InternalError. We serve list-type=2 through s3rver's v1 listing (marker) and issue our
//   own continuation tokens.
// - Range: s3rver reads `bytes=0-0` as the whole object and `bytes=-N` (the last N bytes)
//   as bytes 0..N. We take single ranges from it and apply them ourselves, as S3 does,
//   including InvalidRange (416) for a start past the end.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
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

interface S3rverInternals {
  middleware: Middleware[];
  store: { getResourcePath(bucket: string, key: string, resource: string): string };
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

/** Installs the fixes; call before run(). */
export function applyS3rverFixes(server: S3rver): void {
  const app = server as unknown as S3rverInternals;
  const router = app.middleware[app.middleware.length - 1];
  if (router?.name !== 'dispatch') throw new Error('unexpected s3rver middleware layout: cannot apply the S3 compatibility fixes');
  const fix: Middleware = async (ctx, next) => {
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
