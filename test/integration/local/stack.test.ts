import { access } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { DescribeTableCommand, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { describe, expect, inject, it } from 'vitest';
import { startLocalStack } from '../../../lib/local/stack.ts';
import { TABLE_IDS } from '../../../lib/storage/definitions.ts';
import { uniquePrefix } from '../../support/stack.ts';
import { expectProcessGone } from '../../support/processes.ts';

/** Resolves true when something accepts a TCP connection at host:port. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

describe('startLocalStack', () => {
  it('starts in-memory emulators, bootstraps them, and stop() cleans up everything', { timeout: 120_000 }, async () => {
    const stack = await startLocalStack({ quiet: true, env: {} });
    const emulators = stack.emulators!;
    expect(emulators).toBeDefined();
    try {
      expect(stack.config.names.tables.topics).toBe('sluice-topics');
      expect(stack.config.names.bucket).toBe('sluice-data');
      const { TableNames } = await stack.clients.ddb.send(new ListTablesCommand({}));
      expect(TableNames).toEqual(expect.arrayContaining(TABLE_IDS.map((id) => stack.config.names.tables[id])));
      await stack.clients.s3.send(new HeadBucketCommand({ Bucket: stack.config.names.bucket }));

      const TableName = stack.config.names.tables.partitions;
      await stack.clients.ddb.send(
        new PutItemCommand({ TableName, Item: { topicId: { S: 't1' }, partition: { N: '3' }, nextOffset: { N: '42' } } }),
      );
      const got = await stack.clients.ddb.send(
        new GetItemCommand({ TableName, Key: { topicId: { S: 't1' }, partition: { N: '3' } }, ConsistentRead: true }),
      );
      expect(got.Item?.nextOffset?.N).toBe('42');

      // s3rver is bound to loopback only.
      const s3Port = Number(new URL(emulators.endpoints.s3).port);
      expect(await accepts('127.0.0.1', s3Port)).toBe(true);
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal);
      if (external) expect(await accepts(external.address, s3Port)).toBe(false);
    } finally {
      await stack.stop();
    }
    expectProcessGone(emulators.pid);
    await expect(access(emulators.s3Directory)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('starts no emulators when AWS_ENDPOINT_URL names a stack', async () => {
    const shared = inject('emulators');
    const prefix = uniquePrefix();
    const stack = await startLocalStack({
      prefix,
      env: {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ENDPOINT_URL_DYNAMODB: shared.endpoints.dynamodb,
        AWS_ENDPOINT_URL_S3: shared.endpoints.s3,
        AWS_ACCESS_KEY_ID: shared.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: shared.credentials.secretAccessKey,
      },
    });
    try {
      expect(stack.emulators).toBeUndefined();
      expect(stack.config.endpoints).toEqual(shared.endpoints);
      expect(stack.config.names.tables.groups).toBe(`${prefix}-groups`);
      const { Table } = await stack.clients.ddb.send(new DescribeTableCommand({ TableName: `${prefix}-groups` }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      await stack.clients.s3.send(new HeadBucketCommand({ Bucket: `${prefix}-data` }));
    } finally {
      await stack.stop();
    }
  });

  it('taps see every storage call from bootstrap on, and the layout names each table with its keys', async () => {
    const shared = inject('emulators');
    const prefix = uniquePrefix();
    const calls: string[] = [];
    const stack = await startLocalStack({
      prefix,
      env: {
        AWS_ENDPOINT_URL: shared.endpoints.dynamodb,
        AWS_ENDPOINT_URL_S3: shared.endpoints.s3,
        AWS_ACCESS_KEY_ID: shared.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: shared.credentials.secretAccessKey,
      },
      taps: [async (call, send) => {
        await send();
        calls.push(`${call.service}.${call.operation}`);
      }],
    });
    try {
      expect(calls).toEqual(expect.arrayContaining(['dynamodb.CreateTable', 's3.CreateBucket']));
      const segments = stack.layout.tables.find((t) => t.id === 'segments')!;
      const { Table } = await stack.clients.ddb.send(new DescribeTableCommand({ TableName: segments.name }));

      expect(segments.name).toBe(`${prefix}-segments`);
      expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(segments.keys);
      expect(Table?.LocalSecondaryIndexes?.map((i) => i.KeySchema![1]!.AttributeName)).toEqual(segments.indexKeys);
      expect(stack.layout.names).toEqual(stack.clients.names);
      expect(calls.at(-1)).toBe('dynamodb.DescribeTable');
    } finally {
      await stack.stop();
    }
  });
});
