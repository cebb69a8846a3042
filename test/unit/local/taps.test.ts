import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { installTaps, type StorageCall, type StorageTap } from '../../../lib/local/taps.ts';

/** Clients whose HTTP layer answers every request at once: DynamoDB with `item`, S3 with 200. */
function clients(item: Record<string, unknown> = {}) {
  const handler = {
    handle: async (req: HttpRequest) => {
      const body = Buffer.from(req.headers['x-amz-target'] ? JSON.stringify({ Item: item }) : '');
      const headers = { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(body.length), etag: '"0"' };
      return { response: { statusCode: 200, headers, body: Readable.from([body]) } };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
  const common = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, requestHandler: handler };
  return { ddb: new DynamoDBClient(common), s3: new S3Client(common) };
}

describe('installTaps', () => {
  it('shows each tap the operation, the input and the output of every call on both clients', async () => {
    const c = clients({ name: { S: 'orders' } });
    const seen: { call: StorageCall; output: unknown }[] = [];
    installTaps(c, [async (call, send) => seen.push({ call, output: await send() })]);

    const got = await c.ddb.send(new GetItemCommand({ TableName: 't', Key: { name: { S: 'orders' } } }));
    await c.s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }));

    expect(got.Item).toEqual({ name: { S: 'orders' } });
    expect(seen.map((s) => [s.call.service, s.call.operation])).toEqual([['dynamodb', 'GetItem'], ['s3', 'PutObject']]);
    expect(seen[0]!.call.input).toMatchObject({ TableName: 't', Key: { name: { S: 'orders' } } });
    expect(seen[0]!.output).toMatchObject({ Item: { name: { S: 'orders' } } });
  });

  it('runs the first tap outermost, around the others', async () => {
    const c = clients();
    const order: string[] = [];
    const tap = (name: string): StorageTap => async (_call, send) => {
      order.push(`${name} in`);
      await send();
      order.push(`${name} out`);
    };
    installTaps(c, [tap('first'), tap('second')]);

    await c.ddb.send(new GetItemCommand({ TableName: 't', Key: { k: { S: 'x' } } }));

    expect(order).toEqual(['first in', 'second in', 'second out', 'first out']);
  });

  it('gives the caller the output whatever the tap resolves to, and fails a call a tap did not send', async () => {
    const c = clients({ v: { N: '1' } });
    installTaps({ ddb: c.ddb, s3: c.s3 }, [async (call, send) => (call.service === 's3' ? 'skipped' : send().then(() => 'ignored'))]);

    const got = await c.ddb.send(new GetItemCommand({ TableName: 't', Key: { k: { S: 'x' } } }));

    expect(got.Item).toEqual({ v: { N: '1' } });
    await expect(c.s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }))).rejects.toThrow(/without sending s3\.PutObject/);
  });
});
