// The Producer: Kafka's producer over the binary produce route.
//
//   send(record) -> partition -> per-partition batch (linger / size) -> RecordBatch v2 ->
//   POST /v1/topics/{t}/records?partition=N -> offsets
//
// Partitioning is Kafka's: an explicit partition; else murmur2 of the key modulo the
// partition count (learned from GET /v1/topics/{t}, cached, refreshed on
// UNKNOWN_TOPIC_OR_PARTITION and after metadataMaxAgeMs); keyless records go to a sticky
// partition that changes whenever the batch it fills is closed (Kafka's sticky
// partitioner).
//
// Order: per partition, batches are sent in the order they were closed, at most
// maxInFlight requests at a time (default 1: strict order even across retries).
//
// Idempotence (default on), as in Kafka: the producer gets {producerId, producerEpoch}
// from POST /v1/producers once and numbers each partition's records from 0. A batch gets
// its sequence when it is first sent and is encoded then, once: every retry resends the
// very same bytes, so the server recognises a batch it already appended (the response was
// lost) and answers its original offsets. Batches are never split or merged after that.
//
// Failures: retriable errors (network, 429, 503 with Retry-After, CONCURRENT_TRANSACTIONS,
// UNKNOWN_TOPIC_OR_PARTITION while the topic still exists) are retried with exponential
// backoff up to `retries` times. Then, or on any other error, the batch's sends reject
// with the typed error. OUT_OF_ORDER_SEQUENCE_NUMBER fails the batch (and the batches
// sent behind it on that partition, which the server refuses the same way), and so does
// UNKNOWN_PRODUCER_ID (a producer id whose registration expired);
// PRODUCER_FENCED fails every pending send and the producer. After a batch failed with an
// outcome that leaves the partition's sequence unknown (exhausted retries, an out-of-order
// answer), the partition continues under a new producer id, so later sends do not inherit
// the gap (as Kafka's producer bumps its epoch).
import { setTimeout as delayTimer } from 'node:timers/promises';
import {
  InvalidRequestError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  UnknownProducerIdError,
  UnknownTopicOrPartitionError,
} from '../core/errors.ts';
import { MAX_HEADERS_PER_REQUEST, MAX_RECORDS_PER_REQUEST } from '../core/limits.ts';
import {
  BATCH_HEADER_SIZE,
  checkRecordLimits,
  defaultPartition,
  encodeBatch,
  type Compression,
  type RecordHeader,
  type RecordInput,
} from '../records/index.ts';
import { topicPath } from './admin.ts';
import { ClientClosedError } from './errors.ts';
import type { HttpClient } from './http.ts';
import { backoffDelay, deferred, isRetriable, type Deferred } from './retry.ts';
import type { Bytes, TopicDescription } from './types.ts';

export const RECORD_BATCH_TYPE = 'application/vnd.kafka.recordbatch';

export interface ProducerOptions {
  /** How long a batch waits for more records before it is sent (ms, default 5). */
  lingerMs?: number;
  /** Largest batch (bytes, estimated before compression; default 1 MiB, capped at the topic's max.message.bytes). */
  batchBytes?: number;
  /** Batch compression (default 'none'). */
  compression?: Compression;
  /** Idempotent produce: producer id + sequences, retries cannot duplicate (default true). */
  idempotent?: boolean;
  /** Requests in flight per partition (default 1: strict order). */
  maxInFlight?: number;
  /** Retries of a retriable failure per batch (default 10). */
  retries?: number;
  /** First retry backoff (ms, default 100); doubles per retry up to maxRetryBackoffMs (default 5000). */
  retryBackoffMs?: number;
  maxRetryBackoffMs?: number;
  /** Refresh cached partition counts after this long (ms, default 300000). */
  metadataMaxAgeMs?: number;
}

export type HeadersInput = Record<string, Bytes | undefined> | Array<{ key: string; value: Bytes }>;

export interface ProducerRecord {
  topic: string;
  key?: Bytes;
  /** null is a tombstone. */
  value: Bytes;
  headers?: HeadersInput;
  /** Explicit partition; default: by key hash, or sticky for keyless records. */
  partition?: number;
  /** Create time (epoch ms or Date); default: now, when send() is called. */
  timestamp?: number | Date;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

interface Identity {
  producerId: number;
  producerEpoch: number;
}

interface Waiter {
  resolve(m: RecordMetadata): void;
  reject(err: unknown): void;
}

/** A record on its way: converted, with its explicit partition and completion. */
interface Item extends Waiter {
  topic: string;
  record: RecordInput;
  partition?: number;
  size: number;
  /** Set once the item waited for a fresh partition count. */
  refreshed?: boolean;
}

class Batch {
  records: RecordInput[] = [];
  waiters: Waiter[] = [];
  bytes = BATCH_HEADER_SIZE;
  headers = 0;
  timer: NodeJS.Timeout | undefined;
  /** Linger passed; send as soon as the partition may. */
  ready = false;
  sealed = false;
  identity: Identity | undefined;
  baseSequence = -1;
  body: Buffer | undefined;
  /** Settles (never rejects) when the batch is done, either way. */
  readonly done: Deferred<void> = deferred<void>();
  constructor(readonly part: PartitionState) {}
}

class PartitionState {
  open: Batch | undefined;
  /** Closed batches waiting for a send slot, oldest first. */
  queue: Batch[] = [];
  /** Sent and not yet answered, in sequence order. */
  inFlight: Batch[] = [];
  identity: Identity | undefined;
  nextSeq = 0;
  /** The sequence state is unknown: get a new producer id before the next batch. */
  needsNewIdentity = false;
  /** Waiting for a producer id. */
  blocked = false;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

class TopicState {
  partitions: number | undefined;
  maxMessageBytes = Infinity;
  fetchedAt = 0;
  loading: Promise<void> | undefined;
  /** Items waiting for the partition count, in send order. */
  waiting: Item[] = [];
  /** The batch keyless records currently stick to. */
  sticky: Batch | undefined;
  lastSticky = -1;
  constructor(readonly name: string) {}
}

const SEQ_MODULUS = 2 ** 31;
/** Room kept below the API's 6 MiB request limit. */
const MAX_REQUEST_BATCH = 6_291_456 - 4096;

/** Bytes and string (UTF-8) as a Buffer; null and undefined as null. */
export function toBuffer(b: Bytes | undefined, what: string): Buffer | null {
  if (b === null || b === undefined) return null;
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  if (Buffer.isBuffer(b)) return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  throw new InvalidRequestError(`${what} must be a Buffer, Uint8Array, string or null.`);
}

export function toHeaders(h: HeadersInput | undefined): RecordHeader[] | undefined {
  if (h === undefined || h === null) return undefined;
  if (Array.isArray(h)) {
    return h.map((e, i) => {
      if (!e || typeof e.key !== 'string') throw new InvalidRequestError(`headers[${i}] must be {key: string, value}.`);
      return { key: e.key, value: toBuffer(e.value, `headers[${i}].value`) };
    });
  }
  if (typeof h !== 'object') throw new InvalidRequestError('headers must be an object or an array of {key, value}.');
  return Object.entries(h).map(([key, value]) => ({ key, value: toBuffer(value, `headers.${key}`) }));
}

/** An upper bound of a record's size inside an uncompressed batch. */
export function recordSizeBound(r: RecordInput): number {
  let size = 40 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) size += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}

/** A producer record as the codec's RecordInput (timestamp stamped now when absent). */
export function toRecordInput(rec: ProducerRecord, now = Date.now()): RecordInput {
  const record: RecordInput = { key: toBuffer(rec.key, 'key'), value: toBuffer(rec.value, 'value') };
  const headers = toHeaders(rec.headers);
  if (headers?.length) record.headers = headers;
  const ts = rec.timestamp instanceof Date ? rec.timestamp.getTime() : rec.timestamp;
  if (ts !== undefined && (!Number.isSafeInteger(ts) || ts < 0)) {
    throw new InvalidRequestError(`timestamp must be non-negative epoch milliseconds, got ${String(rec.timestamp)}.`);
  }
  record.timestamp = ts ?? now;
  return record;
}

/** A random partition, different from `previous` when there is a choice (Kafka's sticky pick). */
export function pickStickyPartition(partitions: number, previous: number, random: () => number = Math.random): number {
  if (partitions <= 1) return 0;
  if (previous < 0 || previous >= partitions) return Math.floor(random() * partitions);
  const p = Math.floor(random() * (partitions - 1));
  return p >= previous ? p + 1 : p;
}

export class Producer {
  private readonly lingerMs: number;
  private readonly batchBytes: number;
  private readonly compression: Compression;
  private readonly idempotent: boolean;
  private readonly maxInFlight: number;
  private readonly retries: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly metadataMaxAgeMs: number;

  private readonly topics = new Map<string, TopicState>();
  private readonly parts = new Map<string, PartitionState>();
  private readonly pending = new Set<Promise<unknown>>();
  private initialIdentity: Promise<Identity> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private fatal: unknown;

  constructor(
    private readonly http: HttpClient,
    opts: ProducerOptions = {},
  ) {
    this.lingerMs = nonNegative(opts.lingerMs ?? 5, 'lingerMs');
    this.batchBytes = Math.min(MAX_REQUEST_BATCH, positive(opts.batchBytes ?? 1_048_576, 'batchBytes'));
    this.compression = opts.compression ?? 'none';
    if (this.compression !== 'none' && this.compression !== 'gzip') {
      throw new InvalidRequestError(`compression must be 'none' or 'gzip', got '${String(opts.compression)}'.`);
    }
    this.idempotent = opts.idempotent ?? true;
    this.maxInFlight = positive(opts.maxInFlight ?? 1, 'maxInFlight');
    this.retries = nonNegative(opts.retries ?? 10, 'retries');
    this.backoff = { baseMs: opts.retryBackoffMs ?? 100, maxMs: opts.maxRetryBackoffMs ?? 5_000 };
    this.metadataMaxAgeMs = opts.metadataMaxAgeMs ?? 300_000;
  }

  /** Sends one record; resolves once it is stored, with its partition and offset. */
  send(rec: ProducerRecord): Promise<RecordMetadata> {
    let record: RecordInput;
    try {
      if (this.closed) throw new ClientClosedError('The producer is closed.');
      if (this.fatal) throw this.fatal;
      if (!rec || typeof rec !== 'object') throw new InvalidRequestError('send() needs a record object.');
      if (typeof rec.topic !== 'string' || rec.topic.length === 0) throw new InvalidRequestError('record.topic must be a non-empty string.');
      if (rec.value === undefined) throw new InvalidRequestError('record.value is required (null for a tombstone).');
      if (rec.partition !== undefined && (!Number.isSafeInteger(rec.partition) || rec.partition < 0)) {
        throw new InvalidRequestError(`record.partition must be a non-negative integer, got ${String(rec.partition)}.`);
      }
      record = toRecordInput(rec);
      // Refused here, on its own, rather than by the server with the batch it would join.
      checkRecordLimits(record, 0);
    } catch (err) {
      return Promise.reject(err);
    }
    const result = deferred<RecordMetadata>();
    const item: Item = {
      topic: rec.topic,
      record,
      size: recordSizeBound(record),
      resolve: result.resolve,
      reject: result.reject,
      ...(rec.partition !== undefined ? { partition: rec.partition } : {}),
    };
    // Tracked until settled, for flush(); the caller handles the outcome.
    const tracked = result.promise.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(tracked);
    void tracked.then(() => this.pending.delete(tracked));
    this.route(item);
    return result.promise;
  }

  /** Sends what is batched now and resolves when every record sent before the call is settled. */
  async flush(): Promise<void> {
    const waiting = [...this.pending];
    for (const part of this.parts.values()) {
      if (part.open) this.seal(part.open);
    }
    await Promise.all(waiting);
  }

  /** Flushes, then refuses further sends. */
  close(): Promise<void> {
    this.closed = true;
    return (this.closing ??= (async () => {
      await this.flush();
      for (const part of this.parts.values()) if (part.open?.timer) clearTimeout(part.open.timer);
    })());
  }

  // ---- routing --------------------------------------------------------------------------

  private topicState(name: string): TopicState {
    let t = this.topics.get(name);
    if (!t) this.topics.set(name, (t = new TopicState(name)));
    return t;
  }

  private route(item: Item): void {
    const t = this.topicState(item.topic);
    if (t.partitions !== undefined && t.waiting.length === 0) {
      if (Date.now() - t.fetchedAt > this.metadataMaxAgeMs) void this.loadMetadata(t).catch(() => {});
      this.place(t, item);
      return;
    }
    t.waiting.push(item);
    void this.loadMetadata(t).then(
      () => this.drainWaiting(t),
      (err) => {
        const items = t.waiting.splice(0);
        for (const i of items) i.reject(err);
      },
    );
  }

  private drainWaiting(t: TopicState): void {
    if (t.partitions === undefined) return;
    const items = t.waiting.splice(0);
    for (const i of items) this.place(t, i);
  }

  /** Fetches the topic's partition count and max.message.bytes (retrying retriable errors). */
  private loadMetadata(t: TopicState): Promise<void> {
    return (t.loading ??= (async () => {
      try {
        for (let attempt = 1; ; attempt++) {
          try {
            const desc = await this.http.json<TopicDescription>({ method: 'GET', path: topicPath(t.name) });
            const n = desc.partitions.length;
            // Partitions only grow; a stale answer from another reader must not shrink them.
            t.partitions = Math.max(n, t.partitions ?? 0);
            const max = Number(desc.config?.['max.message.bytes']);
            t.maxMessageBytes = Number.isFinite(max) && max > 0 ? max : Infinity;
            t.fetchedAt = Date.now();
            return;
          } catch (err) {
            if (!isRetriable(err) || attempt > this.retries) throw err;
            await delayTimer(backoffDelay(err, attempt, this.backoff));
          }
        }
      } finally {
        t.loading = undefined;
      }
    })());
  }

  private place(t: TopicState, item: Item): void {
    if (this.fatal) return item.reject(this.fatal);
    const n = t.partitions!;
    let partition: number;
    let batchFor: ((part: PartitionState) => Batch) | undefined;
    if (item.partition !== undefined) {
      if (item.partition >= n) {
        if (!item.refreshed) {
          item.refreshed = true;
          t.waiting.push(item);
          t.fetchedAt = 0;
          void this.loadMetadata(t).then(
            () => this.drainWaiting(t),
            (err) => t.waiting.splice(0).forEach((i) => i.reject(err)),
          );
          return;
        }
        return item.reject(
          new UnknownTopicOrPartitionError(`Partition ${item.partition} of topic '${t.name}' does not exist (partitions: ${n}).`),
        );
      }
      partition = item.partition;
    } else if (item.record.key !== null) {
      partition = defaultPartition(item.record.key, n);
    } else {
      // Sticky: keyless records fill one batch; when it closes, move to another partition.
      let sticky = t.sticky;
      if (!sticky || sticky.sealed || !this.fits(t, sticky, item)) {
        if (sticky && !sticky.sealed) this.seal(sticky);
        const p = pickStickyPartition(n, t.lastSticky);
        t.lastSticky = p;
        const part = this.partState(t.name, p);
        sticky = this.openBatch(t, part, item);
        t.sticky = sticky;
      }
      partition = sticky.part.partition;
      batchFor = () => sticky;
    }
    const part = this.partState(t.name, partition);
    const batch = batchFor ? batchFor(part) : this.openBatch(t, part, item);
    batch.records.push(item.record);
    batch.waiters.push(item);
    batch.bytes += item.size;
    batch.headers += item.record.headers?.length ?? 0;
    if (batch.bytes >= this.maxBatchBytes(t) || batch.records.length >= MAX_RECORDS_PER_REQUEST) this.seal(batch);
  }

  private maxBatchBytes(t: TopicState): number {
    return Math.min(this.batchBytes, t.maxMessageBytes);
  }

  /** Whether the item can join the batch within the batch size and one request's limits. */
  private fits(t: TopicState, batch: Batch, item: Item): boolean {
    if (batch.records.length === 0) return true;
    return (
      batch.bytes + item.size <= this.maxBatchBytes(t) &&
      batch.records.length < MAX_RECORDS_PER_REQUEST &&
      batch.headers + (item.record.headers?.length ?? 0) <= MAX_HEADERS_PER_REQUEST
    );
  }

  /** The partition's open batch if the item fits, else a new one (the old one is closed). */
  private openBatch(t: TopicState, part: PartitionState, item: Item): Batch {
    if (part.open && this.fits(t, part.open, item)) return part.open;
    if (part.open) this.seal(part.open);
    const batch = new Batch(part);
    part.open = batch;
    batch.timer = setTimeout(() => {
      batch.timer = undefined;
      batch.ready = true;
      this.drain(part);
    }, this.lingerMs);
    return batch;
  }

  private partState(topic: string, partition: number): PartitionState {
    const key = `${topic}\u0000${partition}`;
    let p = this.parts.get(key);
    if (!p) this.parts.set(key, (p = new PartitionState(topic, partition)));
    return p;
  }

  private seal(batch: Batch, drain = true): void {
    if (batch.sealed) return;
    batch.sealed = true;
    if (batch.timer) clearTimeout(batch.timer);
    batch.timer = undefined;
    const part = batch.part;
    if (part.open === batch) part.open = undefined;
    part.queue.push(batch);
    if (drain) this.drain(part);
  }

  // ---- sending ----------------------------------------------------------------------------

  /** Starts sends while the partition has free slots. */
  private drain(part: PartitionState): void {
    while (!part.blocked && part.inFlight.length < this.maxInFlight) {
      // A lingered open batch goes only when there is a slot: until then it keeps growing.
      if (part.queue.length === 0 && part.open?.ready) this.seal(part.open, false);
      const batch = part.queue[0];
      if (!batch) return;
      if (this.fatal) {
        part.queue.shift();
        this.failBatch(batch, this.fatal);
        continue;
      }
      if (this.idempotent && (!part.identity || part.needsNewIdentity)) {
        this.acquireIdentity(part);
        return;
      }
      part.queue.shift();
      this.assign(part, batch);
      part.inFlight.push(batch);
      void this.sendBatch(part, batch);
    }
  }

  private acquireIdentity(part: PartitionState): void {
    part.blocked = true;
    const fresh = part.needsNewIdentity || part.identity !== undefined;
    const getting = fresh ? this.initProducer() : (this.initialIdentity ??= this.initProducer());
    getting.then(
      (identity) => {
        part.identity = identity;
        part.nextSeq = 0;
        part.needsNewIdentity = false;
        part.blocked = false;
        this.drain(part);
      },
      (err) => {
        if (!fresh && this.initialIdentity === getting) this.initialIdentity = undefined;
        part.blocked = false;
        // No producer id even after retries: what waits to be sent fails; a later batch tries again.
        if (part.open?.ready) this.seal(part.open, false);
        for (const b of part.queue.splice(0)) this.failBatch(b, err);
      },
    );
  }

  private async initProducer(): Promise<Identity> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.http.json<Identity>({ method: 'POST', path: '/v1/producers' });
      } catch (err) {
        if (!isRetriable(err) || attempt > this.retries) throw err;
        await delayTimer(backoffDelay(err, attempt, this.backoff));
      }
    }
  }

  /** Sequence and bytes, fixed for the batch's life. */
  private assign(part: PartitionState, batch: Batch): void {
    if (batch.body) return;
    const n = batch.records.length;
    if (this.idempotent) {
      batch.identity = part.identity!;
      batch.baseSequence = part.nextSeq;
      part.nextSeq = (part.nextSeq + n) % SEQ_MODULUS;
    }
    batch.body = encodeBatch({
      records: batch.records,
      compression: this.compression,
      ...(batch.identity
        ? { producerId: BigInt(batch.identity.producerId), producerEpoch: batch.identity.producerEpoch, baseSequence: batch.baseSequence }
        : {}),
    });
  }

  private async sendBatch(part: PartitionState, batch: Batch): Promise<void> {
    const t = this.topicState(part.topic);
    try {
      for (let attempt = 1; ; attempt++) {
        let res: { partition: number; baseOffset: number; lastOffset: number };
        try {
          const answer = await this.http.request({
            method: 'POST',
            path: topicPath(part.topic, '/records'),
            query: { partition: part.partition },
            headers: { 'content-type': RECORD_BATCH_TYPE, accept: 'application/json' },
            body: batch.body!,
          });
          res = JSON.parse(answer.body.toString('utf8')) as typeof res;
        } catch (err) {
          if (this.fatal) throw this.fatal;
          if (err instanceof ProducerFencedError) {
            this.fail(err);
            throw err;
          }
          if (err instanceof UnknownProducerIdError) {
            // The server no longer knows this producer (its registration expired): nothing
            // was written; later batches go under a new producer id.
            part.needsNewIdentity = true;
            throw err;
          }
          if (err instanceof OutOfOrderSequenceError) {
            // With several requests in flight, an earlier batch may simply not have landed
            // yet: wait for it, then try again. Otherwise the sequence really has a gap.
            const earlier = part.inFlight.slice(0, part.inFlight.indexOf(batch)).filter((b) => b.identity === batch.identity);
            if (earlier.length > 0 && attempt <= this.retries + this.maxInFlight) {
              await Promise.all(earlier.map((b) => b.done.promise));
              continue;
            }
            part.needsNewIdentity = true;
            throw err;
          }
          const unknownTopic = err instanceof UnknownTopicOrPartitionError;
          if ((isRetriable(err) || unknownTopic) && attempt <= this.retries) {
            if (unknownTopic) {
              // Retry only while the topic and partition still exist.
              t.fetchedAt = 0;
              try {
                await this.loadMetadata(t);
              } catch {
                throw err;
              }
              if (part.partition >= (t.partitions ?? 0)) throw err;
            }
            await delayTimer(backoffDelay(err, attempt, this.backoff));
            continue;
          }
          // Gave up. If the server may have appended (an ambiguous failure), or later
          // batches already carry the sequences after this one, the partition's sequence
          // is unknown: continue it under a new producer id. A batch the server refused
          // outright left no trace: its sequence is free again if nothing came after it.
          if (batch.identity) {
            const last = part.identity === batch.identity && part.nextSeq === (batch.baseSequence + batch.records.length) % SEQ_MODULUS;
            if (!isRetriable(err) && !unknownTopic && last) part.nextSeq = batch.baseSequence;
            else part.needsNewIdentity = true;
          }
          throw err;
        }
        batch.waiters.forEach((w, i) => w.resolve({ topic: part.topic, partition: part.partition, offset: res.baseOffset + i }));
        return;
      }
    } catch (err) {
      this.failBatch(batch, err);
    } finally {
      part.inFlight.splice(part.inFlight.indexOf(batch), 1);
      batch.done.resolve();
      this.drain(part);
    }
  }

  private failBatch(batch: Batch, err: unknown): void {
    for (const w of batch.waiters) w.reject(err);
    batch.waiters = [];
    batch.done.resolve();
  }

  /** A fatal error (a fenced producer): every pending send fails, and every later one. */
  private fail(err: unknown): void {
    if (this.fatal) return;
    this.fatal = err;
    for (const t of this.topics.values()) for (const i of t.waiting.splice(0)) i.reject(err);
    for (const part of this.parts.values()) {
      if (part.open) {
        const open = part.open;
        if (open.timer) clearTimeout(open.timer);
        part.open = undefined;
        open.sealed = true;
        this.failBatch(open, err);
      }
      for (const b of part.queue.splice(0)) this.failBatch(b, err);
    }
  }
}

function positive(n: number, what: string): number {
  if (!Number.isFinite(n) || n <= 0) throw new InvalidRequestError(`${what} must be a positive number, got ${n}.`);
  return n;
}

function nonNegative(n: number, what: string): number {
  if (!(n >= 0)) throw new InvalidRequestError(`${what} must be zero or more, got ${n}.`);
  return n;
}

