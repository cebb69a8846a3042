// SqsSink run by the connector runtime (the dispatcher, from the connector's cursor)
// against the local SQS server (server.ts), crashed between the queue's send and the
// cursor's commit. Delivery is at-least-once: nothing is lost; on a standard queue the
// batch sent before the crash arrives twice, each copy with the same sluice.topic,
// sluice.partition and sluice.offset attributes (a consumer drops the second by them); on
// a FIFO queue the resend carries the same MessageDeduplicationId, so SQS drops it and
// each record arrives once, in offset order per key.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentAwsClients } from '../../../../../lib/connect/connectors/cdc.ts';
import { useTestStorage } from '../../../../support/stack.ts';
import { harness, type Harness } from '../../harness.ts';
import { useLocalSqs } from './server.ts';

const storage = useTestStorage();
const local = useLocalSqs();
let h: Harness;

beforeAll(() => {
  h = harness(storage.config, { ...environmentAwsClients(), sqs: () => local.sqs }, []);
});
afterAll(async () => {
  await h?.runtime.stop();
});

// The cursor's commit after the sink's put: failing it is a crash after the send.
const isAdvance = (c: { constructor: { name: string }; input: Record<string, unknown> }) =>
  c.constructor.name === 'UpdateItemCommand' && String(c.input.UpdateExpression).includes('delivered = if_not_exists');

async function produce(topic: string, from: number, count: number): Promise<void> {
  const records = Array.from({ length: count }, (_, i) => ({ partition: 0, record: { key: Buffer.from(`k${(from + i) % 4}`), value: Buffer.from(`v${from + i}`) } }));
  await h.log.produce(topic, records);
}

/** Every message of the queue, received and deleted until none is left. */
async function drain(url: string): Promise<Message[]> {
  const out: Message[] = [];
  for (;;) {
    // AttributeNames (deprecated, still served by SQS): the local server knows no MessageSystemAttributeNames.
    const res = await local.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], AttributeNames: ['All'] }));
    const messages = res.Messages ?? [];
    if (!messages.length) return out;
    out.push(...messages);
    await local.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
  }
}

const offsetOf = (m: Message) => Number(m.MessageAttributes!['sluice.offset']!.StringValue);

/** Sends 30 records through the connector with a crash after the first sweep's send; answers the queue's messages. */
async function crashedDelivery(name: string, url: string): Promise<Message[]> {
  const topic = `${name}-out`;
  await h.log.createTopic({ name: topic, partitions: 1 });
  await produce(topic, 0, 20);
  await h.service.create({ name, config: { 'connector.class': 'SqsSink', topics: topic, 'sqs.queue.url': url, 'key.converter': 'string', 'value.converter': 'string' } });
  h.fault.when = isAdvance;
  await h.runtime.sinks.sweep();
  expect(h.fault.when).toBeUndefined(); // the crash happened
  h.clock.now += 10 * 60_000; // the crashed run's lease expires
  await h.runtime.sinks.sweep();
  await produce(topic, 20, 10);
  await h.runtime.sinks.sweep();
  return drain(url);
}

describe('SqsSink crashed between the send and the cursor commit', () => {
  it('standard queue: nothing lost; the batch sent before the crash comes twice, with the same position attributes', async () => {
    const messages = await crashedDelivery('sqs-sink-std', await local.queue('sink-std'));
    const offsets = messages.map(offsetOf).sort((a, b) => a - b);
    const first = Array.from({ length: 20 }, (_, i) => i);
    expect(offsets).toEqual([...first.flatMap((i) => [i, i]), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
    for (const m of messages) expect(m.Body).toBe(`v${offsetOf(m)}`);
  });

  it('FIFO queue: SQS drops the resend by its deduplication id; each record once, in offset order per key', async () => {
    const url = await local.queue('sink.fifo', { FifoQueue: 'true' });
    const messages = await crashedDelivery('sqs-sink-fifo', url);
    expect(messages.map(offsetOf).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const perKey = new Map<string, number[]>();
    for (const m of messages) perKey.set(m.Attributes!.MessageGroupId!, [...(perKey.get(m.Attributes!.MessageGroupId!) ?? []), offsetOf(m)]);
    expect(Object.fromEntries(perKey)).toEqual(Object.fromEntries(['k0', 'k1', 'k2', 'k3'].map((k) => [k, Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 4 === Number(k[1]))])));
  });
});
