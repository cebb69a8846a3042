// SqsSource run by the source runtime against the local SQS server (server.ts), with
// messages sent while the runner is crashed at every step of its runs (crashes.ts) and
// two runners race one task. The queue's visibility timeout is one second, so messages a
// crashed runner held come back by themselves: after a crash before the commit they are
// produced then; after a crash between the commit and the delete (or during the delete)
// they come back already in the topic, and the source, remembering their ids with its
// offsets, deletes them without producing them again. In the end every message is in the
// topic exactly once, with its attributes as headers, and the queue is empty.
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdcPlugins, environmentAwsClients } from '../../../../../lib/connect/connectors/cdc.ts';
import { useTestStorage } from '../../../../support/stack.ts';
import { crashRig, expectRun, type Crash, type CrashRig } from '../crashes.ts';
import { useLocalSqs } from './server.ts';

const storage = useTestStorage();
const local = useLocalSqs();
const NAME = 'sqs-crash';
const TOPIC = 'inbox';

let rig: CrashRig;
let url: string;
/** How often each message id was received, by any runner. */
const receives = new Map<string, number>();

beforeAll(async () => {
  url = await local.queue('crashes', { VisibilityTimeout: '1' });
  const sqs = local.client();
  const send = sqs.send.bind(sqs) as (c: unknown) => Promise<unknown>;
  (sqs as unknown as { send: (c: unknown) => Promise<unknown> }).send = async (command: unknown) => {
    const out = await send(command);
    if (command instanceof ReceiveMessageCommand) for (const m of (out as { Messages?: { MessageId: string }[] }).Messages ?? []) receives.set(m.MessageId, (receives.get(m.MessageId) ?? 0) + 1);
    return out;
  };
  const aws = { ...environmentAwsClients(), sqs: () => sqs };
  rig = crashRig(storage.config, cdcPlugins(aws), { clients: [sqs], read: 'ReceiveMessage', ack: 'DeleteMessageBatch' });
});

afterAll(async () => {
  await rig?.stop();
});

/** Fourteen messages (two batches), with a String, a Number and a Binary attribute each. */
async function sendRound(round: number): Promise<string[]> {
  const bodies = Array.from({ length: 14 }, (_, j) => `m${round}.${j}`);
  for (let i = 0; i < bodies.length; i += 10) await sendBatch(round, bodies.slice(i, i + 10), i);
  return bodies;
}

async function sendBatch(round: number, bodies: string[], first: number): Promise<void> {
  await local.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: bodies.map((body, i) => ({
        Id: String(i),
        MessageBody: body,
        MessageAttributes: {
          customer: { DataType: 'String', StringValue: `c-${(first + i) % 3}` },
          n: { DataType: 'Number', StringValue: String(round * 100 + first + i) },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from(`bytes of ${body}`) },
        },
      })),
    }),
  );
}

const queueDepth = async () => {
  const res = await local.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(res.Attributes?.ApproximateNumberOfMessages) + Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible);
};

const CRASHES: (Crash | undefined)[] = ['during-poll', 'before-ack', 'before-commit', 'refused-commit', undefined, 'lost-answer', 'lost-answer-and-die', 'during-ack', 'before-ack'];

describe('SqsSource through the source runtime, crashed and restarted', () => {
  it('puts every message in the topic exactly once, with its attributes, and leaves the queue empty', async () => {
    await rig.service.create({
      name: NAME,
      config: {
        'connector.class': 'SqsSource',
        'sqs.queue.url': url,
        topic: TOPIC,
        'key.attribute': 'customer',
        'sqs.wait.time.seconds': '0',
        // Over one DeleteMessageBatch (10): a crash during the delete leaves some undeleted.
        'poll.max.records': '12',
        'poll.max.ms': '1500',
        'key.converter': 'string',
        'value.converter': 'string',
      },
    });
    const sent: string[] = [];
    /** Ids committed by runs that crashed before their delete: they must come back, and be dropped. */
    const committedUndeleted: string[] = [];
    for (let round = 0; round < CRASHES.length; round++) {
      sent.push(...(await sendRound(round)));
      const crash = CRASHES[round];
      const before = (await rig.topic(TOPIC, String)).length;
      expectRun(rig, (await rig.restart(crash).sources.runAll())[0], crash);
      if (crash === 'before-ack') committedUndeleted.push(...(await rig.topic(TOPIC, String)).slice(before).map((r) => r.headers.find((h) => h.key === 'sqs.message.id')!.value!));
      await rig.race(NAME);
      expectRun(rig, (await rig.restart().sources.runAll())[0], undefined);
    }
    // What crashed runners held comes back after the visibility timeout; drain it.
    const deadline = Date.now() + 20_000;
    while ((await queueDepth()) > 0 && Date.now() < deadline) await rig.restart().sources.runAll();

    expect(await queueDepth()).toBe(0);
    const records = await rig.topic(TOPIC, String);
    expect(records.map((r) => r.value).sort()).toEqual([...sent].sort());
    for (const r of records) {
      const [round, j] = String(r.value).slice(1).split('.').map(Number) as [number, number];
      const headers = Object.fromEntries(r.headers.map((h) => [h.key, h.value]));
      expect(r.key).toBe(`c-${j % 3}`);
      // The default header converter (Kafka's SimpleHeaderConverter) writes bytes as base64.
      expect(headers).toEqual({ customer: `c-${j % 3}`, n: String(round * 100 + j), blob: Buffer.from(`bytes of ${r.value}`).toString('base64'), 'sqs.message.id': expect.any(String) });
    }
    // The redelivery path ran: messages committed but not deleted were received again.
    expect(committedUndeleted.length).toBeGreaterThan(0);
    for (const id of committedUndeleted) expect(receives.get(id)).toBeGreaterThan(1);
  }, 60_000);
});
