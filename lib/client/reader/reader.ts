// The Reader: reads a topic (or some of its partitions) without a consumer group, from
// the log start, the end, an offset or a time, up to the end it saw when it began or, with
// `follow`, on and on. As kafka-console-consumer and `kcat -C` read.
//
//   for await (const batch of sluice.reader({ topic: 'orders', from: 'earliest' })) { ... }
//
// Each partition is read by its own partition reader (partition.ts), in offset order;
// their fetches take turns (turns.ts), so a partition with a large backlog does not starve
// the others, and each keeps at most one batch ready ahead of the application. Batches
// come out in the order they arrive. Nothing is committed anywhere.
import { EventEmitter } from 'node:events';
import { InvalidRequestError } from '../../core/errors.ts';
import { FETCH_LIMITS } from '../../core/wire.ts';
import { Admin } from '../admin.ts';
import { deferred, type Deferred } from '../deferred.ts';
import type { HttpClient } from '../http.ts';
import type { ConsumedRecord } from '../types.ts';
import { PartitionReader, type ReadBatch, type SkippedRecords, type StalledPartition } from './partition.ts';
import { readRanges, type ReadFrom } from './positions.ts';
import { Turns } from './turns.ts';

export interface ReaderOptions {
  topic: string;
  /** Default: every partition. */
  partitions?: number[];
  /** Where each partition starts (default 'latest': only records produced from now on). */
  from?: ReadFrom;
  /** Keep waiting for new records (default: stop at the high watermark each partition had when reading began). */
  follow?: boolean;
  /** Stop after this many records in all. */
  limit?: number;
  /** Records per fetch (default 500, at most 10000). */
  maxRecords?: number;
  /** Bytes per fetch (default: the server's, 1 MiB). */
  maxBytes?: number;
  /** Long-poll wait while following (ms, default 5000, at most 20000). */
  waitMs?: number;
  /** Retries of a failing fetch before the read fails (default 8; unlimited when following). */
  retries?: number;
  /** First retry backoff (ms, default 200; doubles up to 5000). */
  retryBackoffMs?: number;
  /** Fetches in flight at once (default 8, or 64 when following; at most one per partition). */
  concurrency?: number;
  /** Ends the read (iteration finishes normally). */
  signal?: AbortSignal;
}

/** Events (reader.on(...)): what the reader handled itself. */
export interface ReaderEvents {
  /** A fetch failed and will be retried. */
  warning: [error: Error];
  /** The log no longer had the next records (retention): reading continued further on. */
  skipped: [event: SkippedRecords];
  /** A partition ended below its end: no records where they should be (the log was truncated or deleted). */
  stalled: [event: StalledPartition];
}

interface Ready {
  batch: ReadBatch;
  taken: Deferred<void>;
}

export class Reader extends EventEmitter<ReaderEvents> implements AsyncIterable<ReadBatch> {
  readonly topic: string;
  private readonly opts: ReaderOptions;
  private readonly abort = new AbortController();
  private started = false;

  constructor(
    private readonly http: HttpClient,
    opts: ReaderOptions,
  ) {
    super();
    if (!opts || typeof opts.topic !== 'string' || opts.topic.length === 0) throw new InvalidRequestError('reader: topic must be a non-empty string.');
    if (opts.limit !== undefined && !(opts.limit >= 0)) throw new InvalidRequestError(`reader: limit must be zero or more, got ${String(opts.limit)}.`);
    this.topic = opts.topic;
    this.opts = opts;
  }

  /** Batches of records, one partition each, until the end (or the limit, or close()). */
  [Symbol.asyncIterator](): AsyncIterator<ReadBatch> {
    if (this.started) throw new InvalidRequestError('This reader is already being read.');
    this.started = true;
    return this.batches();
  }

  /** The records one at a time. */
  async *records(): AsyncGenerator<ConsumedRecord> {
    for await (const batch of this) yield* batch.records;
  }

  /** Stops reading: iteration ends after the batch in hand. */
  close(): void {
    this.abort.abort();
  }

  private async *batches(): AsyncGenerator<ReadBatch> {
    const outer = this.opts.signal;
    const onAbort = () => this.abort.abort();
    if (outer?.aborted) return;
    outer?.addEventListener('abort', onAbort, { once: true });
    try {
      yield* this.read();
    } finally {
      outer?.removeEventListener('abort', onAbort);
      this.abort.abort();
    }
  }

  private async *read(): AsyncGenerator<ReadBatch> {
    const { opts } = this;
    const follow = opts.follow ?? false;
    const admin = new Admin(this.http);
    const desc = await admin.describeTopic(this.topic);
    const ranges = await readRanges(admin, desc, { ...(opts.partitions ? { partitions: [...new Set(opts.partitions)] } : {}), from: opts.from ?? 'latest', follow });
    const turns = new Turns(Math.max(1, Math.min(ranges.length, opts.concurrency ?? (follow ? 64 : 8))));
    const readOpts = {
      maxRecords: Math.max(1, Math.min(FETCH_LIMITS.maxRecords.max, opts.maxRecords ?? FETCH_LIMITS.maxRecords.default)),
      maxBytes: opts.maxBytes,
      waitMs: Math.max(0, Math.min(FETCH_LIMITS.waitMs.max, opts.waitMs ?? 5_000)),
      retries: opts.retries ?? (follow ? Infinity : 8),
      backoff: { baseMs: opts.retryBackoffMs ?? 200, maxMs: 5_000 },
      signal: this.abort.signal,
    };
    const events = {
      warning: (err: unknown) => this.emit('warning', err as Error),
      skipped: (e: SkippedRecords) => this.emit('skipped', e),
      stalled: (e: StalledPartition) => this.emit('stalled', e),
    };
    const readers = ranges.map((r) => new PartitionReader(this.http, this.topic, r, readOpts, turns, events));
    yield* this.merge(readers);
  }

  /** Batches from every partition in the order they arrive; each partition waits until its batch is taken. */
  private async *merge(readers: PartitionReader[]): AsyncGenerator<ReadBatch> {
    let remaining = this.opts.limit ?? Infinity;
    const ready: Ready[] = [];
    let wake: Deferred<void> | undefined;
    let failure: { err: unknown } | undefined;
    let running = readers.length;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.resolve();
    };
    for (const reader of readers) {
      void (async () => {
        try {
          for (let batch = await reader.read(remaining); batch && !this.abort.signal.aborted; batch = await reader.read(remaining)) {
            const taken = deferred<void>();
            ready.push({ batch, taken });
            notify();
            await taken.promise;
          }
        } catch (err) {
          failure ??= { err };
          this.abort.abort();
        } finally {
          running--;
          notify();
        }
      })();
    }
    try {
      while (remaining > 0) {
        const next = ready.shift();
        if (next) {
          const records = next.batch.records.slice(0, remaining);
          remaining -= records.length;
          yield { ...next.batch, records };
          next.taken.resolve();
          continue;
        }
        if (failure) throw failure.err;
        if (running === 0 || this.abort.signal.aborted) return;
        await (wake ??= deferred<void>()).promise;
      }
    } finally {
      this.abort.abort();
      for (const r of ready.splice(0)) r.taken.resolve();
    }
  }
}
