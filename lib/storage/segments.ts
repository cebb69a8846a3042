// Segment objects in S3. A segment is immutable once written: one or more RecordBatch v2
// blocks whose baseOffsets are relative to the index entry that references them. An
// object nobody references yet is invisible (step 1 of the commit protocol). Written by
// appends and compaction, read by fetches, listed and deleted by maintenance.
import { randomUUID } from 'node:crypto';
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { RECORD_BATCH_TYPE } from '../core/wire.ts';
import type { StorageClients } from './clients.ts';
import { SEGMENT_PREFIX, segmentPrefix, SHARED_SEGMENT_PREFIX } from './definitions.ts';
import { paginate } from './dynamo.ts';
import { dependencyFailure } from './failures.ts';

/** Run one S3 request; any failure leaves as a DependencyError naming the operation. */
async function callS3<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    throw dependencyFailure('s3', operation, err);
  }
}

export interface StoredObject {
  key: string;
  size: number;
  /** Upload time, epoch ms. */
  lastModified: number;
}


export function newSegmentKey(topicId: string, partition: number): string {
  return `${segmentPrefix(topicId, partition)}${randomUUID()}`;
}

/** A key for an object shared by several partitions (one transaction's data). */
export const newSharedSegmentKey = (): string => `${SHARED_SEGMENT_PREFIX}${randomUUID()}`;

/** Whether an object may be referenced by several partitions (see SHARED_SEGMENT_PREFIX). */
export const isSharedSegment = (key: string): boolean => key.startsWith(SHARED_SEGMENT_PREFIX);

export async function putSegment(clients: StorageClients, key: string, body: Buffer): Promise<void> {
  await callS3('PutObject', () =>
    clients.s3.send(
      new PutObjectCommand({
        Bucket: clients.names.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: RECORD_BATCH_TYPE,
      }),
    ),
  );
}

export interface ByteRange {
  key: string;
  start: number;
  length: number;
}

/**
 * Read byte ranges in parallel. Adjacent ranges of one object (entries of a compacted
 * segment) are merged into one GET, so a fetch costs one request per object, not per
 * entry.
 */
export async function readRanges(clients: StorageClients, ranges: ByteRange[]): Promise<Buffer[]> {
  const merged: { key: string; start: number; end: number; parts: number[] }[] = [];
  ranges.forEach((r, i) => {
    const last = merged.at(-1);
    if (last && last.key === r.key && last.end === r.start) {
      last.end += r.length;
      last.parts.push(i);
    } else {
      merged.push({ key: r.key, start: r.start, end: r.start + r.length, parts: [i] });
    }
  });
  const out = new Array<Buffer>(ranges.length);
  await Promise.all(
    merged.map(async (m) => {
      const body = await getRange(clients, m.key, m.start, m.end - m.start);
      let at = 0;
      for (const i of m.parts) {
        const len = ranges[i]!.length;
        out[i] = body.subarray(at, at + len);
        at += len;
      }
    }),
  );
  return out;
}

function getRange(clients: StorageClients, key: string, start: number, length: number): Promise<Buffer> {
  return callS3('GetObject', async () => {
    const res = await clients.s3.send(
      new GetObjectCommand({ Bucket: clients.names.bucket, Key: key, Range: `bytes=${start}-${start + length - 1}` }),
    );
    const bytes = Buffer.from(await res.Body!.transformToByteArray());
    if (bytes.length !== length) {
      throw new Error(`short read of ${key}: wanted ${length} bytes at ${start}, got ${bytes.length}`);
    }
    return bytes;
  });
}

// ---- listing and deleting (maintenance) --------------------------------------------------

/** Objects under a prefix, every page. */
export function listObjects(clients: StorageClients, prefix: string): Promise<StoredObject[]> {
  return paginate<StoredObject, string>(async (token) => {
    const res = await callS3('ListObjectsV2', () =>
      clients.s3.send(new ListObjectsV2Command({ Bucket: clients.names.bucket, Prefix: prefix, ContinuationToken: token })),
    );
    const items = (res.Contents ?? []).flatMap((o) => (o.Key ? [{ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 }] : []));
    return { items, ...(res.IsTruncated && res.NextContinuationToken ? { next: res.NextContinuationToken } : {}) };
  });
}

/**
 * The topic ids that have objects under segments/. One LIST per topic id: each asks for
 * the first key after the previous id's keys (StartAfter), instead of a Delimiter
 * listing, which s3rver gets wrong for nested keys (it reports no common prefixes).
 */
export async function listTopicIdsWithObjects(clients: StorageClients): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (;;) {
    const res = await callS3('ListObjectsV2', () =>
      clients.s3.send(
        new ListObjectsV2Command({ Bucket: clients.names.bucket, Prefix: SEGMENT_PREFIX, MaxKeys: 1, StartAfter: after }),
      ),
    );
    const key = res.Contents?.[0]?.Key;
    if (!key) return ids;
    const id = key.slice(SEGMENT_PREFIX.length).split('/')[0]!;
    if (ids.at(-1) === id) {
      after = key; // a key sorting after "{id}/~": step over it one by one
      continue;
    }
    ids.push(id);
    // Keys are segments/{id}/{partition}/{uuid}: all of them sort before "{id}/~".
    after = `${SEGMENT_PREFIX}${id}/~`;
  }
}

/** Deletes objects, 1,000 per request; deleting a missing key is not an error. */
export async function deleteObjects(clients: StorageClients, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const chunk = keys.slice(i, i + 1000);
    const res = await callS3('DeleteObjects', () =>
      clients.s3.send(
        new DeleteObjectsCommand({
          Bucket: clients.names.bucket,
          Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    if (failed.length) {
      const e = failed[0]!;
      throw dependencyFailure('s3', 'DeleteObjects', Object.assign(new Error(`${e.Key}: ${e.Message ?? ''}`), { name: e.Code ?? 'Error' }));
    }
  }
}
