// The connector runtime on the emulators: sink connectors driven by the dispatcher from
// their cursors (S3 on s3rver, files), at-least-once across a crash between the sink's
// put and the cursor's commit, dead letters with Kafka's headers, a failed task that
// stops delivering; source connectors committing their records and offsets in one
// transaction (an answer lost and resent appends nothing twice); DynamoDB CDC through it.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentAwsClients, type AwsClients } from '../../../lib/connect/connectors/cdc.ts';
import { readOffsets } from '../../../lib/connect/offsets.ts';
import { requireConnectorRecord } from '../../../lib/connect/store.ts';
import { createStorageClients } from '../../../lib/storage/clients.ts';
import { useTestStorage } from '../../support/stack.ts';
import { harness, readAll, type Harness } from './harness.ts';
import { createStreamTable, streamsClient } from './cdc/dynamodb/table.ts';

const storage = useTestStorage();
const dir = mkdtempSync(join(tmpdir(), 'sluice-connect-'));
const bucket = `sink-${randomBytes(4).toString('hex')}`;
let h: Harness;
let s3: S3Client;
let streams: DynamoDBStreamsClient;

beforeAll(async () => {
  const { config } = storage;
  streams = streamsClient(config);
  const aws: AwsClients = { ...environmentAwsClients(), dynamodb: () => storage.clients.ddb, streams: () => streams };
  h = harness(config, aws, [dir]);
  s3 = createStorageClients(config).s3;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  await h?.runtime.stop();
  streams?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const produce = (topic: string, values: (string | null)[]) =>
  h.log.produce(topic, values.map((v) => ({ partition: 0, record: { key: null, value: v === null ? null : Buffer.from(v) } })));

const isAdvance = (c: { constructor: { name: string }; input: Record<string, unknown> }) =>
  c.constructor.name === 'UpdateItemCommand' && String(c.input.UpdateExpression).includes('delivered = if_not_exists');

async function objects(prefix: string): Promise<Record<string, string>> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const out: Record<string, string> = {};
  for (const o of listed.Contents ?? []) {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    out[o.Key!] = Buffer.from(await res.Body!.transformToByteArray()).toString();
  }
  return out;
}

describe('sink connectors, driven by the dispatcher from their cursors', () => {
  it('archives a topic to S3 and, after a crash between put and cursor commit, rewrites the same objects', async () => {
    await h.log.createTopic({ name: 'orders', partitions: 1 });
    await produce('orders', [0, 1, 2, 3, 4, 5].map((i) => JSON.stringify({ id: i })));
    await h.service.create({
      name: 'archive',
      config: { 'connector.class': 'S3Sink', topics: 'orders', 's3.bucket.name': bucket, 'topics.dir': 'crash', 'flush.size': '3', 'value.converter': 'json', 'value.converter.schemas.enable': 'false' },
    });

    h.fault.when = isAdvance; // the objects are written, then the cursor's commit fails
    await h.runtime.sinks.sweep();
    const first = await objects('crash/');
    expect(Object.keys(first)).toEqual(['crash/orders/partition=0/orders+0+0000000000.json', 'crash/orders/partition=0/orders+0+0000000003.json']);
    const r = await requireConnectorRecord(h.clients, 'archive');
    expect(await readOffsets(h.clients, r)).toEqual([{ partition: { kafka_topic: 'orders', kafka_partition: 0 }, offset: { kafka_offset: 0 } }]);

    h.clock.now += 10 * 60_000; // the crashed run's lease expires
    await h.runtime.sinks.sweep();
    expect(await objects('crash/')).toEqual(first); // the same objects, nothing duplicated or lost
    expect(Object.values(first).join('').trim().split('\n').map((l) => JSON.parse(l).id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await readOffsets(h.clients, r)).toEqual([{ partition: { kafka_topic: 'orders', kafka_partition: 0 }, offset: { kafka_offset: 6 } }]);
  });

  it('delivers a file sink again after a crash before the cursor moved: at-least-once, nothing lost', async () => {
    await h.log.createTopic({ name: 'lines', partitions: 1 });
    await produce('lines', ['a', 'b']);
    const file = join(dir, 'lines.txt');
    await h.service.create({ name: 'lines-sink', config: { 'connector.class': 'FileStreamSink', topics: 'lines', file, 'value.converter': 'string' } });
    h.fault.when = isAdvance;
    await h.runtime.sinks.sweep();
    h.clock.now += 10 * 60_000;
    await h.runtime.sinks.sweep();
    expect(readFileSync(file, 'utf8')).toBe('a\nb\na\nb\n');
    await produce('lines', ['c']);
    await h.runtime.sinks.sweep();
    expect(readFileSync(file, 'utf8')).toBe('a\nb\na\nb\nc\n');
  });

  it('sends records that fail conversion to the dead-letter topic with the __connect.errors.* headers', async () => {
    await h.log.createTopic({ name: 'payments', partitions: 1 });
    await produce('payments', ['{"amount":1}', '{oops', '{"amount":3}']);
    const file = join(dir, 'payments.txt');
    await h.service.create({
      name: 'payments-sink',
      config: {
        'connector.class': 'FileStreamSink', topics: 'payments', file,
        'value.converter': 'json', 'value.converter.schemas.enable': 'false',
        'errors.tolerance': 'all', 'errors.deadletterqueue.topic.name': 'payments-dlq', 'errors.deadletterqueue.context.headers.enable': 'true',
      },
    });
    await h.runtime.sinks.sweep();
    expect(readFileSync(file, 'utf8')).toBe('{amount=1}\n{amount=3}\n');
    const dlq = await readAll(h.log, 'payments-dlq');
    expect(dlq.map((d) => d.value?.toString())).toEqual(['{oops']);
    const headers = Object.fromEntries(dlq[0]!.headers.map((x) => [x.key, x.value?.toString()]));
    expect(headers).toMatchObject({
      '__connect.errors.topic': 'payments',
      '__connect.errors.partition': '0',
      '__connect.errors.offset': '1',
      '__connect.errors.connector.name': 'payments-sink',
      '__connect.errors.stage': 'VALUE_CONVERTER',
      '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
    });
    const r = await requireConnectorRecord(h.clients, 'payments-sink');
    expect(await readOffsets(h.clients, r)).toEqual([{ partition: { kafka_topic: 'payments', kafka_partition: 0 }, offset: { kafka_offset: 3 } }]);
  });

  it('fails the task on a bad record with errors.tolerance=none: status shows the trace, the cursor stays, nothing more is delivered', async () => {
    await h.log.createTopic({ name: 'strict', partitions: 1 });
    await produce('strict', ['{"ok":1}', 'not json']);
    const file = join(dir, 'strict.txt');
    await h.service.create({ name: 'strict-sink', config: { 'connector.class': 'FileStreamSink', topics: 'strict', file, 'value.converter': 'json', 'value.converter.schemas.enable': 'false' } });
    await h.runtime.sinks.sweep();
    const status = await h.service.status('strict-sink');
    expect(status.tasks).toEqual([expect.objectContaining({ id: 0, state: 'FAILED', trace: expect.stringContaining('Tolerance exceeded') })]);
    const r = await requireConnectorRecord(h.clients, 'strict-sink');
    expect(await readOffsets(h.clients, r)).toEqual([{ partition: { kafka_topic: 'strict', kafka_partition: 0 }, offset: { kafka_offset: 0 } }]);
    h.clock.now += 10 * 60_000;
    await h.runtime.sinks.sweep();
    expect(() => readFileSync(file, 'utf8')).toThrow(); // the failed batch was never flushed
  });
});

describe('source connectors', () => {
  it('commit their records and offsets in one transaction; a commit whose answer was lost appends nothing twice', async () => {
    const file = join(dir, 'source.txt');
    writeFileSync(file, 'one\ntwo\n');
    await h.service.create({ name: 'file-source', config: { 'connector.class': 'FileStreamSource', file, topic: 'from-file', 'value.converter': 'string' } });
    h.fault.when = (c) => c.constructor.name === 'TransactWriteItemsCommand' && JSON.stringify(c.input).includes('"off#');
    const first = await h.runtime.sources.runAll();
    expect(first).toEqual([expect.objectContaining({ connector: 'file-source', state: 'idle', records: 2 })]);
    expect(h.fault.when).toBeUndefined();
    await h.runtime.sources.runAll();
    appendFileSync(file, 'three\n');
    await h.runtime.sources.runAll();
    expect((await readAll(h.log, 'from-file')).map((r) => r.value?.toString())).toEqual(['one', 'two', 'three']);
    const r = await requireConnectorRecord(h.clients, 'file-source');
    expect(await readOffsets(h.clients, r)).toEqual([{ partition: { filename: file }, offset: { position: 14 } }]);
  });

  it('captures a DynamoDB table\'s changes through the runtime: envelopes per change, tombstone after a delete', async () => {
    const table = `users${randomBytes(3).toString('hex')}`;
    await createStreamTable(storage.clients.ddb, table, 'NEW_AND_OLD_IMAGES', 'id');
    await h.service.create({
      name: 'users-cdc',
      config: { 'connector.class': 'DynamoDbCdcSource', 'table.name': table, 'topic.prefix': 'ddb', 'key.converter': 'json', 'key.converter.schemas.enable': 'false', 'value.converter': 'json', 'value.converter.schemas.enable': 'false' },
    });
    await storage.clients.ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: 'ann' }, n: { N: '1' } } }));
    await storage.clients.ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: 'ann' } } }));
    await h.runtime.sources.runAll();
    await h.runtime.sources.runAll(); // nothing new: nothing appended twice
    const records = await readAll(h.log, `ddb.${table}`);
    const values = records.map((r) => (r.value === null ? null : JSON.parse(r.value.toString())));
    expect(values.map((v) => v?.op ?? null)).toEqual(['c', 'd', null]);
    expect(values[0]).toMatchObject({ before: null, after: { id: 'ann', n: 1 } });
    expect(records.map((r) => JSON.parse(r.key!.toString()))).toEqual([{ id: 'ann' }, { id: 'ann' }, { id: 'ann' }]);
  });
});
