// One partition this member owns, and every position the consumer keeps for it:
//
//   committed <= processed <= delivered <= position        (offsets; buffer in between)
//
// position: the next offset to fetch; delivered: after the last record handed to the
// application; processed: after the last record the application finished (what a commit
// stores); committed: what the server holds after our last commit. `epoch` is bumped by
// every seek, reset and revocation, so a fetch answer or a processed mark of an older
// epoch is recognised as stale and ignored.
import type { Deferred } from '../deferred.ts';
import type { ConsumedRecord, TopicPartition } from '../types.ts';

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class OwnedPartition {
  /** Next offset to fetch; undefined until the start position is known. */
  position: number | undefined;
  /** Next offset after the last record handed to the application. */
  delivered: number | undefined;
  /** Next offset after the last processed record: what a commit stores. */
  processed: number | undefined;
  /** The offset in effect at the server after our last commit (or as read at start). */
  committed: number | undefined;
  highWatermark: number | undefined;
  buffer: ConsumedRecord[] = [];
  paused = false;
  revoking = false;
  finishing = false;
  /** Records or batches handed out and not yet processed. */
  inProcess = 0;
  /** Bumped by seeks and resets: fetch answers and processed marks of an older epoch are stale. */
  epoch = 0;
  fetchAbort: AbortController | undefined;
  wake: Deferred<void> | undefined;
  /** Failed fetches in a row (UNKNOWN_TOPIC_OR_PARTITION, retriable errors of its own). */
  failures = 0;
  /** Not fetched before this time (epoch ms): its backoff after a failure. */
  retryAt = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get key(): string {
    return tpKey(this.topic, this.partition);
  }

  get tp(): TopicPartition {
    return { topic: this.topic, partition: this.partition };
  }

  /** Wakes its fetch loop. */
  signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.resolve();
  }

  /** Drops buffered records and continues fetching at `offset`. */
  resetPosition(offset: number): void {
    this.epoch++;
    this.fetchAbort?.abort();
    this.buffer = [];
    this.position = offset;
    this.delivered = offset;
    this.signal();
  }

  /** Stops everything for it: no fetch, nothing buffered, nothing handed out counts any more. */
  stop(): void {
    this.epoch++;
    this.fetchAbort?.abort();
    this.buffer = [];
    this.revoking = true;
    this.signal();
  }
}
