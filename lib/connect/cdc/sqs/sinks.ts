// SqsSink and EventBridgeSink: records out to a queue or an event bus, in batches within
// each service's limits, failed entries retried, everything sent in offset order.
//
// SqsSink: SendMessageBatch (≤ 10 entries, ≤ 256 KiB in all); body = the value (text as
// is, else JSON), message attributes = the headers plus sluice.topic, sluice.partition,
// sluice.offset. For a FIFO queue (.fifo) MessageGroupId = the key (so one key's records
// stay in order; a key SQS would refuse as a group id, not 1 to 128 printable ASCII
// characters, is named by its SHA-256 instead, still one group per key) and
// MessageDeduplicationId = topic/partition/offset, so that a batch delivered again within
// SQS's five-minute deduplication interval is dropped by SQS.
//
// EventBridgeSink: PutEvents (≤ 10 entries, ≤ 256 KiB in all) to `eventbridge.bus.name`,
// Source = `event.source`, DetailType = `detail.type` (default: the topic), Detail = the
// value when it is a JSON object, else {"value": ...}; tombstones are skipped (an event
// bus has nothing to delete).
import { createHash } from 'node:crypto';
import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { ConfigReader, type ConfigMap } from '../config.ts';
import { batches, bodyText, sendWithRetries, type ChangeSink, type DeliveryRecord } from '../sink.ts';

const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

/** What SQS takes as a MessageGroupId: 1 to 128 letters, digits and punctuation. */
const GROUP_ID = /^[\x21-\x7e]{1,128}$/;
const groupId = (text: string): string => (GROUP_ID.test(text) ? text : createHash('sha256').update(text).digest('hex'));

const attributeBytes = (e: SendMessageBatchRequestEntry): number =>
  Buffer.byteLength(e.MessageBody ?? '') + Object.entries(e.MessageAttributes ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v.StringValue ?? '') + (v.BinaryValue?.length ?? 0) + 6, 0);

export class SqsSink implements ChangeSink {
  private readonly queueUrl: string;
  private readonly fifo: boolean;

  constructor(config: ConfigMap, private readonly sqs: SQSClient) {
    this.queueUrl = new ConfigReader(config).string('sqs.queue.url');
    this.fifo = this.queueUrl.endsWith('.fifo');
  }

  async deliver(records: readonly DeliveryRecord[]): Promise<void> {
    const entries = records.map((r, i) => this.entry(r, i));
    for (const batch of batches(entries, MAX_ENTRIES, MAX_BATCH_BYTES, attributeBytes)) {
      await sendWithRetries(batch, async (pending) => {
        const res = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
        const failed = new Set((res.Failed ?? []).map((f) => f.Id));
        return pending.filter((e) => failed.has(e.Id));
      }, `SendMessageBatch to ${this.queueUrl}`);
    }
  }

  private entry(r: DeliveryRecord, i: number): SendMessageBatchRequestEntry {
    const attributes: NonNullable<SendMessageBatchRequestEntry['MessageAttributes']> = {
      'sluice.topic': { DataType: 'String', StringValue: r.topic },
      'sluice.partition': { DataType: 'Number', StringValue: String(r.partition) },
      'sluice.offset': { DataType: 'Number', StringValue: String(r.offset) },
    };
    for (const h of r.headers ?? []) {
      if (h.value === null) continue;
      attributes[h.key] = typeof h.value === 'string' ? { DataType: 'String', StringValue: h.value } : { DataType: 'Binary', BinaryValue: h.value };
    }
    return {
      Id: String(i),
      MessageBody: r.value === null ? '' : bodyText(r.value),
      MessageAttributes: attributes,
      ...(this.fifo ? { MessageGroupId: r.key === null ? `${r.topic}-${r.partition}` : groupId(bodyText(r.key)), MessageDeduplicationId: `${r.topic}/${r.partition}/${r.offset}`.slice(-128) } : {}),
    };
  }
}

export class EventBridgeSink implements ChangeSink {
  private readonly bus: string;
  private readonly source: string;
  private readonly detailType: string | undefined;

  constructor(config: ConfigMap, private readonly events: EventBridgeClient) {
    const c = new ConfigReader(config);
    this.bus = c.string('eventbridge.bus.name', 'default');
    this.source = c.string('event.source', 'sluice');
    this.detailType = c.optional('detail.type');
  }

  async deliver(records: readonly DeliveryRecord[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = records
      .filter((r) => r.value !== null)
      .map((r) => ({
        EventBusName: this.bus,
        Source: this.source,
        DetailType: this.detailType ?? r.topic,
        Detail: JSON.stringify(typeof r.value === 'object' && !Array.isArray(r.value) ? r.value : { value: r.value }),
        ...(r.timestamp !== undefined ? { Time: new Date(r.timestamp) } : {}),
      }));
    const size = (e: PutEventsRequestEntry) => Buffer.byteLength(e.Detail ?? '') + Buffer.byteLength(e.DetailType ?? '') + Buffer.byteLength(e.Source ?? '') + 14;
    for (const batch of batches(entries, MAX_ENTRIES, MAX_BATCH_BYTES, size)) {
      await sendWithRetries(batch, async (pending) => {
        const res = await this.events.send(new PutEventsCommand({ Entries: pending }));
        // Results come back in request order; an entry with an ErrorCode failed.
        return pending.filter((_, i) => res.Entries?.[i]?.ErrorCode);
      }, `PutEvents to ${this.bus}`);
    }
  }
}
