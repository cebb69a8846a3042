// SqsSource: messages of an SQS queue into a topic. Each message becomes one record:
// value = the body (text), key = the message attribute named by `key.attribute` (else
// the FIFO MessageGroupId, else null), headers = the message attributes (String and
// Number as text, Binary as bytes) plus sqs.message.id, timestamp = SentTimestamp.
//
// Deleted only after the records commit: poll receives, the runtime commits the records
// with the offsets, and only its ack() deletes the messages (DeleteMessageBatch). A crash
// before the commit leaves the messages to come back after their visibility timeout and
// be produced then. A crash after the commit but before the delete would bring back
// messages already in the topic; so the offsets hold the ids of the messages committed
// in the last `dedup.window.ms` (15 minutes by default, longer than a visibility
// timeout usually is), committed in the same transaction as the records: a message
// that comes back with such an id is not produced again, only deleted.
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { ConfigReader, type ConfigMap } from '../config.ts';
import type { ChangeSource, Clock, Header, PollRequest, PollResult, SourceRecord } from '../source.ts';

export interface SqsOffsets {
  /** Ids of messages committed recently, with the time (epoch ms) until which to remember them. */
  recent: [string, number][];
}

export interface SqsSourceConfig {
  queueUrl: string;
  topic: string;
  keyAttribute?: string;
  dedupWindowMs: number;
  /** Long-poll wait per ReceiveMessage, capped by the poll's time left. */
  waitSeconds: number;
}

export function parseSqsSourceConfig(map: ConfigMap): SqsSourceConfig {
  const c = new ConfigReader(map);
  const keyAttribute = c.optional('key.attribute');
  return {
    queueUrl: c.string('sqs.queue.url'),
    topic: c.string('topic'),
    ...(keyAttribute ? { keyAttribute } : {}),
    dedupWindowMs: c.int('dedup.window.ms', 15 * 60_000, 0),
    waitSeconds: Math.min(20, c.int('sqs.wait.time.seconds', 1, 0)),
  };
}

/** ReceiveMessage returns at most 10 messages; DeleteMessageBatch takes at most 10. */
const SQS_BATCH = 10;
/** Remembered ids are capped so that the offsets stay small (DynamoDB item size). */
const MAX_REMEMBERED = 5_000;

export class SqsSource implements ChangeSource<SqsOffsets> {
  readonly config: SqsSourceConfig;
  private readonly clock: Clock;

  constructor(config: ConfigMap, private readonly sqs: SQSClient, opts: { clock?: Clock } = {}) {
    this.config = parseSqsSourceConfig(config);
    this.clock = opts.clock ?? Date.now;
  }

  async poll(request: PollRequest<SqsOffsets>): Promise<PollResult<SqsOffsets>> {
    const deadline = this.clock() + request.maxMs;
    const now = this.clock();
    const remembered = new Map((request.offsets?.recent ?? []).filter(([, until]) => until > now));
    const records: SourceRecord[] = [];
    const received: Message[] = [];
    while (records.length < request.maxRecords) {
      const left = deadline - this.clock();
      if (left <= 0) break;
      const res = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.config.queueUrl,
          MaxNumberOfMessages: Math.min(SQS_BATCH, request.maxRecords - records.length),
          WaitTimeSeconds: Math.min(this.config.waitSeconds, Math.floor(left / 1000)),
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const messages = res.Messages ?? [];
      if (!messages.length) break;
      for (const m of messages) {
        received.push(m);
        if (remembered.has(m.MessageId!)) continue;
        remembered.set(m.MessageId!, this.clock() + this.config.dedupWindowMs);
        records.push(this.toRecord(m));
      }
    }
    const recent = [...remembered].slice(-MAX_REMEMBERED);
    const result: PollResult<SqsOffsets> = { records, offsets: { recent } };
    if (received.length) result.ack = () => this.delete(received);
    return result;
  }

  async close(): Promise<void> {}

  private toRecord(m: Message): SourceRecord {
    const attrs = m.MessageAttributes ?? {};
    const headers: Header[] = Object.entries(attrs).map(([key, a]) => ({ key, value: a.BinaryValue ?? a.StringValue ?? null }));
    headers.push({ key: 'sqs.message.id', value: m.MessageId ?? null });
    const keyAttr = this.config.keyAttribute ? attrs[this.config.keyAttribute]?.StringValue : undefined;
    const sent = Number(m.Attributes?.SentTimestamp);
    return {
      topic: this.config.topic,
      key: keyAttr ?? m.Attributes?.MessageGroupId ?? null,
      value: m.Body ?? null,
      headers,
      ...(Number.isFinite(sent) ? { timestamp: sent } : {}),
    };
  }

  /** Deletes what the committed poll received; a message that fails comes back and is skipped then. */
  private async delete(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += SQS_BATCH) {
      const batch = messages.slice(i, i + SQS_BATCH);
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.config.queueUrl,
          Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }
}
