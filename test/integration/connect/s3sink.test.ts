// The S3 sink against the S3 emulator, through runSinkBatch: objects, names, partitioning
// and content in a bucket of the user's; a batch delivered again after a crash between
// upload and commit rewrites the same objects (no duplicate object, nothing lost).
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createS3Sink } from '../../../lib/connect/connectors/s3/sink.ts';
import type { LogRecord } from '../../../lib/connect/errors/deadLetter.ts';
import { runSinkBatch } from '../../../lib/connect/tasks/sink.ts';
import { startSinkTask, stopTask } from '../../../lib/connect/tasks/task.ts';
import { createStorageClients } from '../../../lib/storage/clients.ts';
import { useTestStorage } from '../../support/stack.ts';

const storage = useTestStorage();
const bucket = `archive-${randomBytes(4).toString('hex')}`;
let s3: S3Client;

beforeAll(async () => {
  s3 = createStorageClients(storage.config).s3;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

/** The sink, writing with the emulator's endpoint and credentials. */
const sink = () => createS3Sink(() => createStorageClients(storage.config).s3);

const T0 = Date.UTC(2024, 5, 1, 13, 20);
const log = (offset: number, partition = 0): LogRecord => ({
  topic: 'orders',
  partition,
  offset,
  timestamp: T0 + offset * 60_000,
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(JSON.stringify({ id: offset })),
  headers: [],
});

async function list(prefix: string): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

async function read(key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray()).toString();
}

const props = (dir: string, extra: Record<string, string> = {}) => ({
  name: 'archive',
  'connector.class': 'S3Sink',
  topics: 'orders',
  's3.bucket.name': bucket,
  'topics.dir': dir,
  'flush.size': '3',
  'key.converter': 'string',
  'value.converter': 'json',
  'value.converter.schemas.enable': 'false',
  ...extra,
});

describe('S3Sink against the emulator', () => {
  it('writes each batch as objects per topic and partition, named from their first offset', async () => {
    const task = await startSinkTask(sink(), { props: props('plain') });
    const result = await runSinkBatch(task, [log(0), log(1), log(2), log(3), log(0, 1)]);
    expect(result).toMatchObject({ outcome: "delivered", delivered: 5 });
    expect(await list('plain/')).toEqual([
      'plain/orders/partition=0/orders+0+0000000000.json',
      'plain/orders/partition=0/orders+0+0000000003.json',
      'plain/orders/partition=1/orders+1+0000000000.json',
    ]);
    expect(await read('plain/orders/partition=0/orders+0+0000000000.json')).toBe('{"id":0}\n{"id":1}\n{"id":2}\n');
    await stopTask(task);
  });

  it('a batch delivered again after a crash before its commit rewrites the same objects', async () => {
    const task = await startSinkTask(sink(), { props: props('retry') });
    // The first delivery uploads, then the process dies before the position is committed.
    await runSinkBatch(task, [log(10), log(11), log(12), log(13)]);
    // Redelivery from the committed position, with a record produced meanwhile.
    const again = await runSinkBatch(task, [log(10), log(11), log(12), log(13), log(14)]);
    expect(again.commit).toEqual([{ topic: 'orders', partition: 0, offset: 15 }]);
    const keys = await list('retry/');
    expect(keys).toEqual(['retry/orders/partition=0/orders+0+0000000010.json', 'retry/orders/partition=0/orders+0+0000000013.json']);
    const lines = (await Promise.all(keys.map(read))).join('').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([10, 11, 12, 13, 14]);
    await stopTask(task);
  });

  it('partitions by hour with path.format and compresses with gzip', async () => {
    const task = await startSinkTask(sink(), {
      props: props('timed', {
        'partitioner.class': 'TimeBasedPartitioner',
        'path.format': "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
        'partition.duration.ms': '3600000',
        's3.compression.type': 'gzip',
        'flush.size': '1000',
      }),
    });
    await runSinkBatch(task, [log(30), log(45)]);
    expect(await list('timed/')).toEqual([
      'timed/orders/year=2024/month=06/day=01/hour=13/orders+0+0000000030.json.gz',
      'timed/orders/year=2024/month=06/day=01/hour=14/orders+0+0000000045.json.gz',
    ]);
    await stopTask(task);
  });

  it('a bucket that does not exist fails the task instead of retrying forever', async () => {
    const task = await startSinkTask(sink(), { props: props('x', { 's3.bucket.name': `missing-${randomBytes(4).toString('hex')}` }) });
    const result = await runSinkBatch(task, [log(0)]);
    expect(result).toMatchObject({ outcome: 'failed', error: { stage: 'TASK_PUT' } });
    expect(result.error!.message).toMatch(/NoSuchBucket/);
    await stopTask(task);
  });
});
