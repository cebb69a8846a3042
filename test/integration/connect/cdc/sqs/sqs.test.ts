// SqsSource and SqsSink against the local SQS server (server.ts): messages become records
// with their attributes as headers and are deleted only after the runtime's commit; a
// message that comes back after a crash between commit and delete is not produced twice;
// the sink sends in batches, and on a FIFO queue gives each key a group of its own.
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsSource, type SqsOffsets } from '../../../../../lib/connect/cdc/sqs/source.ts';
import { SqsSink } from '../../../../../lib/connect/cdc/sqs/sinks.ts';
import { emptyLog, pollAndCommit, type Committed } from '../postgres/harness.ts';
import { useLocalSqs } from './server.ts';

const local = useLocalSqs();
const queue = (name: string) => local.queue(name);
const send = (url: string, body: string, attrs: Record<string, string> = {}) =>
  local.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageAttributes: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])) }));

/** Receipt handles of every message a source received through `client`. */
function watchReceives(client: SQSClient): { client: SQSClient; handles: string[] } {
  const handles: string[] = [];
  const watched = Object.create(client) as SQSClient;
  watched.send = (async (command: unknown) => {
    const out = await client.send(command as ReceiveMessageCommand);
    if (command instanceof ReceiveMessageCommand) handles.push(...((out as { Messages?: { ReceiptHandle?: string }[] }).Messages ?? []).map((m) => m.ReceiptHandle!));
    return out;
  }) as SQSClient['send'];
  return { client: watched, handles };
}

describe('SqsSource', () => {
  it('produces messages with attributes as headers and deletes them only after the commit', async () => {
    const url = await queue('src-basic');
    await send(url, 'hello', { customer: 'c-1', kind: 'greeting' });
    const source = new SqsSource({ 'sqs.queue.url': url, topic: 'inbox', 'key.attribute': 'customer', 'sqs.wait.time.seconds': '0' }, local.sqs);
    const log: Committed<SqsOffsets> = emptyLog();
    const result = await pollAndCommit(source, log, { crash: 'before-ack' });
    expect(log.records).toEqual([
      expect.objectContaining({ topic: 'inbox', key: 'c-1', value: 'hello', headers: expect.arrayContaining([{ key: 'kind', value: 'greeting' }, { key: 'customer', value: 'c-1' }]) }),
    ]);
    await result.ack!();
    const left = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    expect(left.Messages ?? []).toEqual([]);
  });

  it('produces each message once across crashes before the commit and between commit and delete', async () => {
    const url = await queue('src-crash');
    for (let i = 0; i < 25; i++) await send(url, `m${i}`);
    const log: Committed<SqsOffsets> = emptyLog();
    const config = { 'sqs.queue.url': url, topic: 'inbox', 'sqs.wait.time.seconds': '0' };
    const crashes = ['before-commit', 'before-ack', undefined, 'before-ack', 'before-commit', undefined] as const;
    for (const crash of crashes) {
      const watched = watchReceives(local.sqs);
      await pollAndCommit(new SqsSource(config, watched.client), log, { maxRecords: 7, crash });
      if (crash) await expireVisibility(url, watched.handles);
    }
    for (let i = 0; i < 10; i++) {
      const r = await pollAndCommit(new SqsSource(config, local.sqs), log, { maxRecords: 10 });
      if (!r.records.length && !r.ack) break;
    }
    expect(log.records.map((r) => r.value).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `m${i}`).sort());
    const left = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }));
    expect(left.Messages ?? []).toEqual([]);
  });
});

/** The crashed reader's messages come back at once, as after their visibility timeout. */
async function expireVisibility(url: string, handles: string[]): Promise<void> {
  for (let i = 0; i < handles.length; i += 10) {
    await local.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: handles.slice(i, i + 10).map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })) }));
  }
}

describe('SqsSink', () => {
  it('sends every record in batches, with its headers and position as attributes', async () => {
    const url = await queue('sink');
    const sink = new SqsSink({ 'sqs.queue.url': url }, local.sqs);
    const records = Array.from({ length: 23 }, (_, i) => ({ topic: 'orders', partition: 0, offset: i, key: `k${i}`, value: { n: i }, headers: [{ key: 'h', value: `v${i}` }] }));
    await sink.deliver(records);
    const got: { body: string; offset: string; h: string }[] = [];
    for (;;) {
      const res = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }));
      if (!res.Messages?.length) break;
      for (const m of res.Messages) got.push({ body: m.Body!, offset: m.MessageAttributes!['sluice.offset']!.StringValue!, h: m.MessageAttributes!.h!.StringValue! });
    }
    expect(got.sort((a, b) => Number(a.offset) - Number(b.offset))).toEqual(records.map((r) => ({ body: JSON.stringify(r.value), offset: String(r.offset), h: `v${r.offset}` })));
  });

  it('FIFO: a key SQS would refuse as a group id (spaces, non-ASCII, empty, over 128 characters) still has one group of its own', async () => {
    const url = await local.queue('sink-keys.fifo', { FifoQueue: 'true' });
    const sink = new SqsSink({ 'sqs.queue.url': url }, local.sqs);
    const keys = ['user 1', 'café', '', 'x'.repeat(200), 'x'.repeat(200) + 'y', 'plain'];
    const records = Array.from({ length: 18 }, (_, i) => ({ topic: 'orders', partition: 0, offset: i, key: keys[i % keys.length]!, value: `v${i}` }));
    await sink.deliver(records);
    const groups = new Map<string, number[]>();
    for (;;) {
      // AttributeNames (deprecated, still served by SQS): the local server knows no MessageSystemAttributeNames.
      const res = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], AttributeNames: ['All'] }));
      if (!res.Messages?.length) break;
      for (const m of res.Messages) groups.set(m.Attributes!.MessageGroupId!, [...(groups.get(m.Attributes!.MessageGroupId!) ?? []), Number(m.MessageAttributes!['sluice.offset']!.StringValue)]);
      await local.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: res.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
    // One group per key, each with its key's records in offset order.
    expect([...groups.values()].sort((a, b) => a[0]! - b[0]!)).toEqual(keys.map((_, k) => records.filter((r) => r.offset % keys.length === k).map((r) => r.offset)));
    expect(groups.get('plain')).toEqual([5, 11, 17]);
  });
});
