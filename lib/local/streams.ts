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
import type { StorageClients, StorageConfig } from '../storage/clients.ts';
import { sleep } from '../core/time.ts';

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
  const interval = opts.intervalMs ?? 250;
  const endpoint = opts.config.endpoints?.dynamodb;
  const streams = new DynamoDBStreamsClient({
    region: opts.config.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    ...(opts.config.credentials ? { credentials: opts.config.credentials } : {}),
    maxAttempts: 2,
  });
  const shards = new Map<string, ShardState>();
  let streamArn: string | undefined;
  let lastDescribe = 0;
  let first = true;
  let stopped = false;
  let wake: (() => void) | undefined;
  const report = (err: unknown) => {
    if (!stopped) opts.onError?.(err);
  };

  const describe = async () => {
    if (!streamArn) {
      const { Table } = await opts.clients.ddb.send(new DescribeTableCommand({ TableName: opts.tableName }));
      streamArn = Table?.LatestStreamArn;
      if (!streamArn) throw new Error(`table ${opts.tableName} has no stream`);
    }
    const found: Shard[] = [];
    let start: string | undefined;
    do {
      const res = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      found.push(...(res.StreamDescription?.Shards ?? []));
      start = res.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const s of found) {
      if (!s.ShardId || shards.has(s.ShardId)) continue;
      const closed = Boolean(s.SequenceNumberRange?.EndingSequenceNumber);
      // At start: only open shards, from LATEST. Later: every new shard from its start.
      if (first && closed) continue;
      shards.set(s.ShardId, {
        id: s.ShardId,
        ...(s.ParentShardId ? { parent: s.ParentShardId } : {}),
        start: first ? 'LATEST' : 'TRIM_HORIZON',
        done: false,
      });
    }
    first = false;
    lastDescribe = Date.now();
  };

  const iteratorFor = async (s: ShardState) => {
    const type: ShardIteratorType = s.lastSequence ? 'AFTER_SEQUENCE_NUMBER' : s.start;
    const res = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: s.id,
        ShardIteratorType: type,
        ...(s.lastSequence ? { SequenceNumber: s.lastSequence } : {}),
      }),
    );
    s.iterator = res.ShardIterator;
    if (!s.iterator) s.done = true;
  };

  const deliver = async (records: LambdaStreamRecord[]) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.onRecords(records);
        return;
      } catch (err) {
        if (attempt >= 2) {
          report(err);
          return;
        }
        await sleep(100 * 2 ** attempt);
      }
    }
  };

  /** One round over every readable shard; true if any returned records. */
  const pollOnce = async (): Promise<boolean> => {
    if (!streamArn || Date.now() - lastDescribe > DESCRIBE_EVERY_MS) await describe();
    let busy = false;
    for (const s of shards.values()) {
      if (stopped) return busy;
      if (s.done) continue;
      const parent = s.parent ? shards.get(s.parent) : undefined;
      if (parent && !parent.done) continue; // a parent's records come first
      try {
        if (!s.iterator) await iteratorFor(s);
        if (!s.iterator) continue;
        const res = await streams.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: 1000 }));
        const records = (res.Records ?? []).map((r) => toLambdaRecord(r, streamArn!));
        if (records.length) {
          busy = true;
          s.lastSequence = records.at(-1)!.dynamodb.SequenceNumber ?? s.lastSequence;
          await deliver(records);
        }
        s.iterator = res.NextShardIterator;
        if (!s.iterator) {
          s.done = true;
          lastDescribe = 0; // closed: its children appear in the next describe
        }
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'ExpiredIteratorException') {
          s.iterator = undefined;
        } else if (name === 'TrimmedDataAccessException') {
          s.iterator = undefined;
          delete s.lastSequence;
          s.start = 'TRIM_HORIZON';
        } else if (name === 'ResourceNotFoundException') {
          shards.clear();
          streamArn = undefined;
          first = true;
          report(err);
          return busy;
        } else {
          s.iterator = undefined;
          report(err);
        }
      }
    }
    for (const [id, s] of shards) if (s.done && ![...shards.values()].some((c) => c.parent === id && !c.done)) shards.delete(id);
    return busy;
  };

  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const loop = (async () => {
    try {
      await describe();
      for (const s of shards.values()) await iteratorFor(s).catch(report);
    } catch (err) {
      report(err);
    }
    resolveReady();
    while (!stopped) {
      let busy = false;
      try {
        busy = await pollOnce();
      } catch (err) {
        report(err);
      }
      if (stopped) break;
      if (!busy) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, interval);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  })();

  return {
    ready,
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      streams.destroy();
    },
  };
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
