// Segment objects in S3. A segment is immutable once written: one or more RecordBatch v2
// blocks whose baseOffsets are relative to the index entry that references them. An
// object nobody references yet is invisible (step 1 of the commit protocol).
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { RECORD_BATCH_TYPE } from '../core/wire.ts';
import type { StorageClients } from './clients.ts';
import { SEGMENT_PREFIX } from './definitions.ts';
import { dependencyFailure } from './failures.ts';

/** Where a topic's segment objects live (`segments/{topicId}/`), or one partition's (`.../{p}/`). */
export function segmentPrefix(topicId: string, partition?: number): string {
  return `${SEGMENT_PREFIX}${topicId}/${partition === undefined ? '' : `${partition}/`}`;
}

export function newSegmentKey(topicId: string, partition: number): string {
  return `${segmentPrefix(topicId, partition)}${randomUUID()}`;
}

export async function putSegment(clients: StorageClients, key: string, body: Buffer): Promise<void> {
  try {
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: clients.names.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: RECORD_BATCH_TYPE,
      }),
    );
  } catch (err) {
    throw dependencyFailure('s3', 'PutObject', err);
  }
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

async function getRange(clients: StorageClients, key: string, start: number, length: number): Promise<Buffer> {
  try {
    const res = await clients.s3.send(
      new GetObjectCommand({ Bucket: clients.names.bucket, Key: key, Range: `bytes=${start}-${start + length - 1}` }),
    );
    const bytes = Buffer.from(await res.Body!.transformToByteArray());
    if (bytes.length !== length) {
      throw new Error(`short read of ${key}: wanted ${length} bytes at ${start}, got ${bytes.length}`);
    }
    return bytes;
  } catch (err) {
    throw dependencyFailure('s3', 'GetObject', err);
  }
}
