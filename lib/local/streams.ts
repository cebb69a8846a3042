// A local stand-in for Lambda's DynamoDB stream event source mapping: polls a table's
// stream on DynamoDB Local (or LocalStack) and hands the records, in Lambda's event
// shape, to a handler. Like the mapping it reads every shard in order (a parent before
// its children), follows shard splits, and starts at LATEST (records written before it
// started are not replayed; subscriptions' sweep covers those).
//
//   DescribeTable → LatestStreamArn → DescribeStream → shards
//   per shard: GetShardIterator (LATEST for shards open at start, TRIM_HORIZON for shards
//   found later) → GetRecords loop every intervalMs → a null NextShardIterator means the
//   shard is closed: describe again to find its children.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
  type AttributeValue as StreamAttributeValue,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { sleep } from '../core/time.ts';
import type { StorageClients, StorageConfig } from '../storage/clients.ts';
import { paginate } from '../storage/dynamo.ts';

/** A stream record as Lambda delivers it (attribute values as JSON, binary as base64). */
export interface LambdaStreamRecord {
  eventID?: string;
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion?: string;
  eventSource: 'aws:dynamodb';
  awsRegion?: string;
  eventSourceARN: string;
  dynamodb: {
    ApproximateCreationDateTime?: number;
    Keys?: Record<string, LambdaAttributeValue>;
    NewImage?: Record<string, LambdaAttributeValue>;
    OldImage?: Record<string, LambdaAttributeValue>;
    SequenceNumber?: string;
    SizeBytes?: number;
    StreamViewType?: string;
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LambdaAttributeValue = Record<string, any>;

export interface StreamPollerOptions {
  /** Storage config (endpoint, region, credentials) of the DynamoDB holding the table. */
  config: StorageConfig;
  clients: StorageClients;
  tableName: string;
  /** Called with each GetRecords page, in order per shard; a rejection is retried twice, then logged and skipped. */
  onRecords: (records: LambdaStreamRecord[]) => Promise<void>;
  /** Pause between polls of a shard with nothing new. Default 250 ms. */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

export interface StreamPoller {
  /** Resolves once the first DescribeStream is done and iterators are positioned. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

interface ShardState {
  id: string;
  parent?: string;
  iterator?: string;
  /** Iterator type to start with. */
  start: ShardIteratorType;
  lastSequence?: string;
  done: boolean;
}

const DESCRIBE_EVERY_MS = 5_000;

export function startStreamPoller(opts: StreamPollerOptions): StreamPoller {
  const poller = new Poller(opts);
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const loop = poller.run(() => resolveReady());
  return {
    ready,
    stop: async () => {
      poller.stop();
      await loop;
      poller.destroy();
    },
  };
}

/** The shards of one table's stream and where each was read up to. */
class Poller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly interval: number;
  private readonly shards = new Map<string, ShardState>();
  private streamArn: string | undefined;
  private lastDescribe = 0;
  private first = true;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: StreamPollerOptions) {
    const endpoint = opts.config.endpoints?.dynamodb;
    this.interval = opts.intervalMs ?? 250;
    this.streams = new DynamoDBStreamsClient({
      region: opts.config.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      ...(opts.config.credentials ? { credentials: opts.config.credentials } : {}),
      maxAttempts: 2,
    });
  }

  /** Positions the iterators (then `ready`), and polls until stopped. */
  async run(ready: () => void): Promise<void> {
    try {
      await this.describe();
      for (const s of this.shards.values()) await this.iteratorFor(s).catch((err) => this.report(err));
    } catch (err) {
      this.report(err);
    }
    ready();
    while (!this.stopped) {
      let busy = false;
      try {
        busy = await this.pollOnce();
      } catch (err) {
        this.report(err);
      }
      if (this.stopped) break;
      if (!busy) await this.pause();
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  destroy(): void {
    this.streams.destroy();
  }

  private report(err: unknown): void {
    if (!this.stopped) this.opts.onError?.(err);
  }

  /** Waits one interval, or until stopped. */
  private async pause(): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, this.interval);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async describe(): Promise<void> {
    if (!this.streamArn) {
      const { Table } = await this.opts.clients.ddb.send(new DescribeTableCommand({ TableName: this.opts.tableName }));
      this.streamArn = Table?.LatestStreamArn;
      if (!this.streamArn) throw new Error(`table ${this.opts.tableName} has no stream`);
    }
    const found = await paginate<Shard, string>(async (start) => {
      const res = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }));
      const next = res.StreamDescription?.LastEvaluatedShardId;
      return { items: res.StreamDescription?.Shards ?? [], ...(next ? { next } : {}) };
    });
    for (const s of found) {
      if (!s.ShardId || this.shards.has(s.ShardId)) continue;
      const closed = Boolean(s.SequenceNumberRange?.EndingSequenceNumber);
      // At start: only open shards, from LATEST. Later: every new shard from its start.
      if (this.first && closed) continue;
      this.shards.set(s.ShardId, {
        id: s.ShardId,
        ...(s.ParentShardId ? { parent: s.ParentShardId } : {}),
        start: this.first ? 'LATEST' : 'TRIM_HORIZON',
        done: false,
      });
    }
    this.first = false;
    this.lastDescribe = Date.now();
  }

  private async iteratorFor(s: ShardState): Promise<void> {
    const type: ShardIteratorType = s.lastSequence ? 'AFTER_SEQUENCE_NUMBER' : s.start;
    const res = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: s.id,
        ShardIteratorType: type,
        ...(s.lastSequence ? { SequenceNumber: s.lastSequence } : {}),
      }),
    );
    s.iterator = res.ShardIterator;
    if (!s.iterator) s.done = true;
  }

  private async deliver(records: LambdaStreamRecord[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.onRecords(records);
        return;
      } catch (err) {
        if (attempt >= 2) {
          this.report(err);
          return;
        }
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  /** One round over every readable shard; true if any returned records. */
  private async pollOnce(): Promise<boolean> {
    if (!this.streamArn || Date.now() - this.lastDescribe > DESCRIBE_EVERY_MS) await this.describe();
    let busy = false;
    for (const s of this.shards.values()) {
      if (this.stopped) return busy;
      if (s.done) continue;
      const parent = s.parent ? this.shards.get(s.parent) : undefined;
      if (parent && !parent.done) continue; // a parent's records come first
      try {
        busy = (await this.readShard(s)) || busy;
      } catch (err) {
        if (this.recover(s, err) === 'lost-stream') return busy;
      }
    }
    const shards = this.shards;
    for (const [id, s] of shards) if (s.done && ![...shards.values()].some((c) => c.parent === id && !c.done)) shards.delete(id);
    return busy;
  }

  /** One GetRecords on a shard, delivered; true if it returned records. */
  private async readShard(s: ShardState): Promise<boolean> {
    if (!s.iterator) await this.iteratorFor(s);
    if (!s.iterator) return false;
    const res = await this.streams.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: 1000 }));
    const records = (res.Records ?? []).map((r) => toLambdaRecord(r, this.streamArn!));
    if (records.length) {
      s.lastSequence = records.at(-1)!.dynamodb.SequenceNumber ?? s.lastSequence;
      await this.deliver(records);
    }
    s.iterator = res.NextShardIterator;
    if (!s.iterator) {
      s.done = true;
      this.lastDescribe = 0; // closed: its children appear in the next describe
    }
    return records.length > 0;
  }

  /** After a failed read: a fresh iterator next round, or (the stream is gone) start over. */
  private recover(s: ShardState, err: unknown): 'retry' | 'lost-stream' {
    const name = (err as { name?: string }).name;
    if (name === 'ExpiredIteratorException') {
      s.iterator = undefined;
    } else if (name === 'TrimmedDataAccessException') {
      s.iterator = undefined;
      delete s.lastSequence;
      s.start = 'TRIM_HORIZON';
    } else if (name === 'ResourceNotFoundException') {
      this.shards.clear();
      this.streamArn = undefined;
      this.first = true;
      this.report(err);
      return 'lost-stream';
    } else {
      s.iterator = undefined;
      this.report(err);
    }
    return 'retry';
  }
}

function toLambdaRecord(r: _Record, streamArn: string): LambdaStreamRecord {
  const d = r.dynamodb ?? {};
  const image = (i: Record<string, StreamAttributeValue> | undefined) =>
    i ? (Object.fromEntries(Object.entries(i).map(([k, v]) => [k, attr(v)])) as Record<string, LambdaAttributeValue>) : undefined;
  const created = d.ApproximateCreationDateTime;
  const keys = image(d.Keys);
  const newImage = image(d.NewImage);
  const oldImage = image(d.OldImage);
  return {
    ...(r.eventID ? { eventID: r.eventID } : {}),
    ...(r.eventName ? { eventName: r.eventName } : {}),
    ...(r.eventVersion ? { eventVersion: r.eventVersion } : {}),
    eventSource: 'aws:dynamodb',
    ...(r.awsRegion ? { awsRegion: r.awsRegion } : {}),
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(new Date(created).getTime() / 1000) } : {}),
      ...(keys ? { Keys: keys } : {}),
      ...(newImage ? { NewImage: newImage } : {}),
      ...(oldImage ? { OldImage: oldImage } : {}),
      ...(d.SequenceNumber ? { SequenceNumber: d.SequenceNumber } : {}),
      ...(d.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
      ...(d.StreamViewType ? { StreamViewType: d.StreamViewType } : {}),
    },
  };
}

/** An SDK attribute value as Lambda's JSON has it: binary as base64, the rest as is. */
function attr(v: StreamAttributeValue): LambdaAttributeValue {
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  if (v.B !== undefined) return { B: b64(v.B) };
  if (v.BS !== undefined) return { BS: v.BS.map(b64) };
  if (v.M !== undefined) return { M: Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, attr(x)])) };
  if (v.L !== undefined) return { L: v.L.map(attr) };
  return v as LambdaAttributeValue;
}
