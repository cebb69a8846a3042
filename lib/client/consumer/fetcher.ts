// Fetching: each owned partition has its own loop of long-polling binary fetches
// (lib/client/fetch.ts) that keeps at most about one fetch (maxRecords) buffered ahead of
// the application. A loop sleeps while its partition is paused, has no start position yet
// or has a full buffer, and ends when the partition is revoked or the consumer stops.
//
// OFFSET_OUT_OF_RANGE (retention passed the position, or a seek went past the end)
// follows autoOffsetReset, with a warning; 'none' hands the error to the application.
// Retriable failures and UNKNOWN_TOPIC_OR_PARTITION (a topic being re-created) are
// retried with backoff, warned about on the first and every tenth.
import { OffsetOutOfRangeError, UnknownTopicOrPartitionError } from '../../core/errors.ts';
import { sleep } from '../../core/time.ts';
import { deferred } from '../deferred.ts';
import { fetchRecords, rangeOf, type FetchedRecords } from '../fetch.ts';
import { backoffDelay, isRetriable } from '../retry.ts';
import type { ConsumerContext, ConsumerParts } from './context.ts';
import type { OwnedPartition } from './partition.ts';

/** Without a long poll, a caught-up partition waits this long before asking again. */
const IDLE_POLL_MS = 200;

export class Fetcher {
  constructor(
    private readonly ctx: ConsumerContext,
    private readonly peers: ConsumerParts,
  ) {}

  /** Starts the partition's fetch loop, or wakes it if it runs. */
  start(part: OwnedPartition): void {
    if (part.fetching) {
      part.signal();
      return;
    }
    part.fetching = true;
    void this.loop(part).finally(() => {
      part.fetching = false;
    });
  }

  private async loop(part: OwnedPartition): Promise<void> {
    const { maxRecords, maxBytes, waitMs, backoff } = this.ctx.settings;
    let failures = 0;
    try {
      while (this.ctx.owns(part) && !part.revoking && !this.ctx.stopping) {
        if (part.paused || part.position === undefined || part.buffer.length >= maxRecords) {
          const wake = (part.wake = deferred<void>());
          await wake.promise;
          continue;
        }
        const epoch = part.epoch;
        const position = part.position;
        const abort = (part.fetchAbort = new AbortController());
        let got: FetchedRecords;
        try {
          got = await fetchRecords(this.ctx.http, { topic: part.topic, partition: part.partition, offset: position, maxRecords, maxBytes, waitMs, signal: abort.signal });
          failures = 0;
        } catch (err) {
          if (abort.signal.aborted || epoch !== part.epoch) continue;
          if (err instanceof OffsetOutOfRangeError) {
            await this.outOfRange(part, err, epoch, position);
            continue;
          }
          if (isRetriable(err) || err instanceof UnknownTopicOrPartitionError) {
            failures++;
            if (failures === 1 || failures % 10 === 0) this.ctx.warn(err);
            await sleep(backoffDelay(err, failures, backoff), abort.signal).catch(() => {});
            continue;
          }
          throw err;
        } finally {
          if (part.fetchAbort === abort) part.fetchAbort = undefined;
        }
        if (epoch !== part.epoch || !this.ctx.owns(part)) continue;
        if (got.highWatermark !== undefined) part.highWatermark = got.highWatermark;
        part.position = got.nextOffset;
        if (got.records.length) {
          part.buffer.push(...got.records);
          this.peers.delivery.received();
        } else {
          this.peers.delivery.checkCaughtUp();
          // Without a long poll, do not spin on a caught-up partition.
          if (waitMs === 0 && part.position === position) await sleep(IDLE_POLL_MS, this.ctx.timers.signal).catch(() => {});
        }
      }
    } catch (err) {
      if (this.ctx.owns(part) && !this.ctx.closing) this.ctx.setFatal(err);
    }
  }

  /** autoOffsetReset after OFFSET_OUT_OF_RANGE; throws it for 'none'. */
  private async outOfRange(part: OwnedPartition, err: OffsetOutOfRangeError, epoch: number, position: number): Promise<void> {
    const reset = this.ctx.settings.reset;
    if (reset === 'none') throw err;
    const range = rangeOf(err);
    const to = await this.peers.offsets.resetOffset(part, range, `an offset (${position}) out of range [${range.logStartOffset}, ${range.highWatermark}]`);
    if (epoch !== part.epoch) return;
    this.ctx.warn(new OffsetOutOfRangeError(`${err.message} Continuing at ${to} (autoOffsetReset ${reset}).`, err.details));
    part.resetPosition(to);
    part.processed = to;
  }
}
