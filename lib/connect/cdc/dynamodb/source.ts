// DynamoDbCdcSource: a user's DynamoDB table's stream (view type NEW_AND_OLD_IMAGES)
// into one topic, `topic.prefix`.`table.name`, polled in bounded runs.
//
// Records: key = the item's primary key (partition key, then sort key), value = the envelope
// of envelope.ts with op c (INSERT), u (MODIFY), d (REMOVE, then a tombstone), before =
// OldImage, after = NewImage (key attributes first, then the others by name), and source
// {connector: dynamodb, table, shard, seq, eventId, ts_ms}.
//
// Offsets: per shard, the sequence number of the last record delivered and whether the
// shard was read to its end; the stream's ARN, so a stream that was disabled and enabled
// again (a new ARN: the old position means nothing) is noticed. Reading resumes with
// AFTER_SEQUENCE_NUMBER, or TRIM_HORIZON for a shard never read. GetRecords is asked for
// no more records than the poll may still return, so everything read is delivered and
// the offsets are exact; a crash before the runtime's commit reads the same records again
// from the committed sequence numbers. Nothing needs acknowledging upstream.
//
// A position that the stream no longer has (a shard trimmed after 24 hours while we
// still had records to read from it, TrimmedDataAccessException) fails the connector
// with SourcePositionLostError: changes were missed.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record,
  type AttributeValue,
  type DynamoDBStreamsClient,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { InvalidConfigError, SourcePositionLostError } from '../../../core/errors.ts';
import { ConfigReader, type ConfigMap } from '../config.ts';
import { changeRecords, type Op, type Row } from '../envelope.ts';
import type { ChangeSource, Clock, PollRequest, PollResult, SourceRecord } from '../source.ts';
import { itemToJson } from './attributes.ts';
import { listShards, prunePositions, readyShards, type ShardPosition } from './shards.ts';

export interface DynamoDbOffsets {
  streamArn: string;
  shards: Record<string, ShardPosition>;
}

export interface DynamoDbCdcConfig {
  table: string;
  topic: string;
  tombstonesOnDelete: boolean;
}

export function parseDynamoDbCdcConfig(map: ConfigMap): DynamoDbCdcConfig {
  const c = new ConfigReader(map);
  const table = c.string('table.name');
  return { table, topic: c.string('topic', `${c.string('topic.prefix')}.${table}`), tombstonesOnDelete: c.bool('tombstones.on.delete', true) };
}

const OPS: Record<string, Op> = { INSERT: 'c', MODIFY: 'u', REMOVE: 'd' };
/** GetRecords returns at most 1000 records. */
const MAX_LIMIT = 1000;

export class DynamoDbCdcSource implements ChangeSource<DynamoDbOffsets> {
  readonly config: DynamoDbCdcConfig;
  private readonly clock: Clock;
  /** Iterators from the last GetRecords, valid only after the sequence number they follow. */
  private readonly iterators = new Map<string, { after: string | undefined; iterator: string }>();
  /** The table's key attributes, partition key first: keys are built in this order. */
  private keyNames: string[] = [];

  constructor(
    config: ConfigMap,
    private readonly clients: { dynamodb: DynamoDBClient; streams: DynamoDBStreamsClient },
    opts: { clock?: Clock } = {},
  ) {
    this.config = parseDynamoDbCdcConfig(config);
    this.clock = opts.clock ?? Date.now;
  }

  async poll(request: PollRequest<DynamoDbOffsets>): Promise<PollResult<DynamoDbOffsets>> {
    const deadline = this.clock() + request.maxMs;
    const streamArn = await this.streamArn();
    const previous = request.offsets;
    if (previous && previous.streamArn !== streamArn) {
      throw new SourcePositionLostError(`the stream of table ${this.config.table} changed (disabled and enabled again): changes may have been missed; reset the connector's offsets`, { table: this.config.table, streamArn });
    }
    const shards = await listShards(this.clients.streams, streamArn);
    this.checkTrimmed(shards, previous?.shards ?? {});
    const positions: Record<string, ShardPosition> = structuredClone(previous?.shards ?? {});
    const records: SourceRecord[] = [];
    for (let progress = true; progress && records.length < request.maxRecords && this.clock() < deadline; ) {
      progress = false;
      for (const shard of readyShards(shards, positions)) {
        if (records.length >= request.maxRecords || this.clock() >= deadline) break;
        // A shard read to its end makes its children ready: go round again.
        if (await this.readShard(streamArn, shard, positions, records, request.maxRecords)) progress = true;
      }
    }
    return { records, offsets: { streamArn, shards: prunePositions(shards, positions) } };
  }

  async close(): Promise<void> {
    this.iterators.clear();
  }

  private async streamArn(): Promise<string> {
    const res = await this.clients.dynamodb.send(new DescribeTableCommand({ TableName: this.config.table }));
    const spec = res.Table?.StreamSpecification;
    const arn = res.Table?.LatestStreamArn;
    this.keyNames = [...(res.Table?.KeySchema ?? [])].sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0)).map((k) => k.AttributeName!);
    if (!spec?.StreamEnabled || !arn || spec.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
      throw new InvalidConfigError(`table ${this.config.table} needs a stream with view type NEW_AND_OLD_IMAGES`, { field: 'table.name' });
    }
    return arn;
  }

  /** A shard we had not finished reading is gone from the stream: its tail is lost. */
  private checkTrimmed(shards: readonly Shard[], positions: Readonly<Record<string, ShardPosition>>): void {
    const listed = new Set(shards.map((s) => s.ShardId));
    for (const [id, p] of Object.entries(positions)) {
      if (!p.done && !listed.has(id)) this.lost(id, 'the shard was trimmed from the stream before it was read to its end');
    }
  }

  private lost(shardId: string, reason: string): never {
    throw new SourcePositionLostError(`table ${this.config.table}, shard ${shardId}: ${reason}; changes may have been missed, reset the connector's offsets`, { table: this.config.table, shardId });
  }

  /**
   * Reads one shard until it has nothing more now, is finished, or the poll is full.
   * True when the shard was finished (its children may be ready now).
   */
  private async readShard(streamArn: string, shard: Shard, positions: Record<string, ShardPosition>, records: SourceRecord[], max: number): Promise<boolean> {
    const id = shard.ShardId!;
    while (records.length < max) {
      const position = positions[id] ?? {};
      let res;
      try {
        const iterator = await this.iterator(streamArn, id, position.seq);
        res = await this.clients.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(MAX_LIMIT, max - records.length) }));
      } catch (err) {
        this.iterators.delete(id);
        if (err instanceof ExpiredIteratorException) continue;
        if (err instanceof TrimmedDataAccessException) this.lost(id, 'its records after the committed sequence number were trimmed');
        throw err;
      }
      for (const r of res.Records ?? []) {
        records.push(...this.toRecords(r, id));
        position.seq = r.dynamodb?.SequenceNumber;
      }
      positions[id] = position;
      if (!res.NextShardIterator) {
        position.done = true;
        this.iterators.delete(id);
        return true;
      }
      // A shard read nothing from yet is read from TRIM_HORIZON afresh each time: DynamoDB
      // Local refuses the iterator an empty read returned (TrimmedDataAccessException) once
      // other streams' writes have moved past it.
      if (position.seq !== undefined) this.iterators.set(id, { after: position.seq, iterator: res.NextShardIterator });
      else this.iterators.delete(id);
      if (!res.Records?.length) return false;
    }
    return false;
  }

  private async iterator(streamArn: string, shardId: string, after: string | undefined): Promise<string> {
    const cached = this.iterators.get(shardId);
    if (cached && cached.after === after) return cached.iterator;
    const res = await this.clients.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return res.ShardIterator!;
  }

  /** The key with its attributes in key-schema order, so equal keys serialise equally. */
  private key(keys: Row): Row {
    return Object.fromEntries(this.keyNames.map((name) => [name, keys[name] ?? null]));
  }

  /** An image with the key attributes first, then the others by name: DynamoDB gives them in no set order. */
  private image(item: Record<string, AttributeValue> | undefined): Row | null {
    if (!item) return null;
    const row = itemToJson(item);
    const rest = Object.keys(row).filter((k) => !this.keyNames.includes(k)).sort();
    return Object.fromEntries([...this.keyNames.filter((k) => k in row), ...rest].map((k) => [k, row[k]!]));
  }

  private toRecords(r: _Record, shardId: string): SourceRecord[] {
    const d = r.dynamodb ?? {};
    const timestamp = d.ApproximateCreationDateTime ? new Date(d.ApproximateCreationDateTime).getTime() : this.clock();
    const op = OPS[r.eventName ?? ''];
    if (!op) throw new Error(`unknown DynamoDB stream event ${r.eventName}`);
    const source = { connector: 'dynamodb', table: this.config.table, shard: shardId, seq: d.SequenceNumber ?? null, eventId: r.eventID ?? null, ts_ms: timestamp };
    const change = {
      topic: this.config.topic,
      key: this.key(itemToJson(d.Keys ?? {})),
      op,
      before: this.image(d.OldImage),
      after: this.image(d.NewImage),
      source,
      timestamp,
    };
    return changeRecords(change, this.clock(), this.config.tombstonesOnDelete);
  }
}
