// A partition reader: fetches one partition from a start offset, in offset order, up to an
// end offset or (following) for as long as it is asked, with long polls when caught up.
//
// Records the log no longer has (retention moved the log start past the position) are
// skipped: reading continues at the log start, and the reader says so. A bounded read
// whose fetch brings no progress below its end (the log was truncated or deleted under
// it) stops there rather than spin, and says so too. Retriable failures are retried with
// backoff up to `retries` times.
import { OffsetOutOfRangeError } from '../../core/errors.ts';
import { sleep } from '../../core/time.ts';
import { fetchRecords, rangeOf, type FetchedRecords } from '../fetch.ts';
import type { HttpClient } from '../http.ts';
import { backoffDelay, isRetriable, type BackoffOptions } from '../retry.ts';
import type { ConsumedRecord } from '../types.ts';
import type { PartitionRange } from './positions.ts';
import type { Turns } from './turns.ts';

/** Records of one partition, in offset order. */
export interface ReadBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** The partition's high watermark as of the fetch that brought these records. */
  highWatermark: number;
}

export interface SkippedRecords {
  topic: string;
  partition: number;
  /** The offset the log no longer had. */
  from: number;
  /** Where reading continued. */
  to: number;
  logStartOffset: number | null;
  highWatermark: number | null;
}

export interface StalledPartition {
  topic: string;
  partition: number;
  /** The offset nothing could be read at. */
  offset: number;
  highWatermark: number | undefined;
}

/** What a partition reader tells its reader. */
export interface PartitionReaderEvents {
  warning(err: unknown): void;
  skipped(event: SkippedRecords): void;
  stalled(event: StalledPartition): void;
}

export interface PartitionReadOptions {
  maxRecords: number;
  maxBytes: number | undefined;
  /** Long-poll wait (following only). */
  waitMs: number;
  retries: number;
  backoff: BackoffOptions;
  signal: AbortSignal;
}

/** Without a long poll, a caught-up partition waits this long before asking again. */
const IDLE_POLL_MS = 200;

export class PartitionReader {
  /** The next offset to read. */
  private next: number;
  private readonly end: number | undefined;
  private done = false;

  constructor(
    private readonly http: HttpClient,
    readonly topic: string,
    readonly range: PartitionRange,
    private readonly opts: PartitionReadOptions,
    private readonly turns: Turns,
    private readonly events: PartitionReaderEvents,
  ) {
    this.next = range.start;
    this.end = range.end;
  }

  get partition(): number {
    return this.range.partition;
  }

  /** The next records (at most `limit`), or undefined once the partition has ended. */
  async read(limit: number): Promise<ReadBatch | undefined> {
    while (!this.done && !this.opts.signal.aborted && limit > 0 && (this.end === undefined || this.next < this.end)) {
      const before = this.next;
      const got = await this.fetch(Math.min(this.opts.maxRecords, limit, this.end === undefined ? Infinity : this.end - this.next));
      if (!got) continue;
      const records = got.records.filter((r) => r.offset >= before && (this.end === undefined || r.offset < this.end));
      if (records.length) this.next = records.at(-1)!.offset + 1;
      if (got.nextOffset > this.next && (this.end === undefined || got.nextOffset <= this.end)) this.next = got.nextOffset;
      if (records.length) return { topic: this.topic, partition: this.partition, records, highWatermark: got.highWatermark ?? this.next };
      if (this.next !== before) continue;
      if (this.end !== undefined) {
        // No progress below the end: the log was truncated or deleted under us.
        this.events.stalled({ topic: this.topic, partition: this.partition, offset: this.next, highWatermark: got.highWatermark });
        this.done = true;
      } else if (this.opts.waitMs === 0) {
        await sleep(IDLE_POLL_MS, this.opts.signal).catch(() => {});
      }
    }
    return undefined;
  }

  /** One fetch in its turn; undefined when it should be tried again (or the read was aborted). */
  private async fetch(maxRecords: number): Promise<FetchedRecords | undefined> {
    const { signal } = this.opts;
    for (let failures = 0; ; ) {
      await this.turns.acquire();
      try {
        if (signal.aborted) return undefined;
        return await fetchRecords(this.http, {
          topic: this.topic,
          partition: this.partition,
          offset: this.next,
          maxRecords,
          ...(this.opts.maxBytes !== undefined ? { maxBytes: this.opts.maxBytes } : {}),
          ...(this.end === undefined ? { waitMs: this.opts.waitMs } : {}),
          signal,
        });
      } catch (err) {
        if (signal.aborted) return undefined;
        if (err instanceof OffsetOutOfRangeError) {
          this.skip(err);
          return undefined;
        }
        if (!isRetriable(err) || ++failures > this.opts.retries) throw err;
        this.events.warning(err);
        await sleep(backoffDelay(err, failures, this.opts.backoff), signal).catch(() => {});
      } finally {
        this.turns.release();
      }
    }
  }

  /** Continues where the log still has records; rethrows when there is nowhere to go. */
  private skip(err: OffsetOutOfRangeError): void {
    const range = rangeOf(err);
    const to = range.logStartOffset !== null && this.next < range.logStartOffset ? range.logStartOffset : range.highWatermark ?? undefined;
    if (to === undefined || to === this.next) throw err;
    this.events.skipped({ topic: this.topic, partition: this.partition, from: this.next, to, ...range });
    this.next = to;
  }
}
