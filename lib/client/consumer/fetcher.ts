// Fetching: one loop for the whole assignment. Each round asks for every partition that
// can take records (owned, not revoking or paused, its start position known, its buffer
// below maxRecords) in ONE request (POST /v1/fetch, lib/client/multiFetch.ts), starting
// from a different partition each round so none is always served last. The answer comes
// as soon as any partition has data, so an idle member keeps one waiting request, not one
// per partition.
//
// When every partition is caught up, the loop waits for new data in one of two ways:
//   push  (IdleNotices, push.ts) the push connection is told when a head it follows moves:
//         the loop asks with waitMs 0 and, finding nothing, arms notices for its partitions
//         and waits for one; nothing runs (and nothing is billed) while it waits;
//   poll  without a push connection (or once it dropped), the request itself long-polls
//         for waitMs.
//
// Per partition: OFFSET_OUT_OF_RANGE (retention passed the position, or a seek went past
// the end) follows autoOffsetReset, with a warning; 'none' hands the error to the
// application. UNKNOWN_TOPIC_OR_PARTITION (a topic being re-created) backs that partition
// off while the others go on. A failed request (retriable) is retried with backoff,
// warned about on the first and every tenth failure.
import { OffsetOutOfRangeError, UnknownTopicOrPartitionError, type SluiceError } from '../../core/errors.ts';
import { sleep } from '../../core/time.ts';
import type { PartitionOffset } from '../../core/wire.ts';
import { deferred } from '../deferred.ts';
import { rangeOf } from '../fetch.ts';
import { fetchPartitions, type FetchedPartition } from '../multiFetch.ts';
import { backoffDelay, isRetriable } from '../retry.ts';
import type { ConsumerContext, ConsumerParts } from './context.ts';
import type { OwnedPartition } from './partition.ts';

/** Without a long poll or notices, a caught-up assignment waits this long before asking again. */
const IDLE_POLL_MS = 200;

/** What tells the loop that caught-up partitions may have data (push.ts). */
export interface IdleNotices {
  /** True while notices can be relied on: the push connection is up. */
  readonly ready: boolean;
  /** Resolves once one of `partitions` may have data past its offset, the connection is lost, or `signal` aborts. */
  wait(partitions: readonly PartitionOffset[], signal: AbortSignal): Promise<void>;
}

export class Fetcher {
  /** Set while a push connection serves this consumer. */
  notices: IdleNotices | undefined;
  private running = false;
  private wakeLoop: (() => void) | undefined;
  private turn = 0;
  private failures = 0;

  constructor(
    private readonly ctx: ConsumerContext,
    private readonly peers: ConsumerParts,
  ) {}

  /** Makes the loop consider this partition (starting the loop if it is not running). */
  start(part: OwnedPartition): void {
    part.signal();
    this.wake();
    if (this.running) return;
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
    });
  }

  /** Ends a wait of the loop (a partition changed, the push connection came or went). */
  wake(): void {
    this.wakeLoop?.();
  }

  private fetchable(): OwnedPartition[] {
    const now = Date.now();
    return this.ctx.partitions().filter(
      (p) => !p.revoking && !p.paused && p.position !== undefined && p.buffer.length < this.ctx.settings.maxRecords && p.retryAt <= now,
    );
  }

  private async loop(): Promise<void> {
    try {
      while (!this.ctx.stopping && this.ctx.owned.size > 0) {
        const parts = this.fetchable();
        if (parts.length === 0) {
          await this.idle(undefined);
          continue;
        }
        const notices = this.notices?.ready ? this.notices : undefined;
        const got = await this.round(parts, notices ? 0 : this.ctx.settings.waitMs);
        if (got === undefined || got > 0) continue;
        this.peers.delivery.checkCaughtUp();
        if (notices?.ready) {
          await this.idle((signal) => notices.wait(this.positions(), signal));
        } else if (this.ctx.settings.waitMs === 0) {
          await this.idle((signal) => sleep(IDLE_POLL_MS, signal).catch(() => {}));
        }
      }
    } catch (err) {
      if (!this.ctx.closing) this.ctx.setFatal(err);
    }
  }

  /** Where the caught-up partitions stand, for notices. */
  private positions(): PartitionOffset[] {
    return this.fetchable().map((p) => ({ topic: p.topic, partition: p.partition, offset: p.position! }));
  }

  /**
   * Waits for `what` (or, without it, until the next partition retry is due), ended early
   * by any partition's signal or wake().
   */
  private async idle(what: ((signal: AbortSignal) => Promise<void>) | undefined): Promise<void> {
    const woken = deferred<void>();
    const abort = new AbortController();
    const end = () => {
      abort.abort();
      woken.resolve();
    };
    this.wakeLoop = end;
    for (const p of this.ctx.owned.values()) p.wake = woken;
    const stop = () => end();
    this.ctx.timers.signal.addEventListener('abort', stop, { once: true });
    const due = Math.min(...this.ctx.partitions().filter((p) => p.retryAt > Date.now()).map((p) => p.retryAt));
    const timer = Number.isFinite(due) ? setTimeout(end, Math.max(0, due - Date.now())) : undefined;
    try {
      await Promise.race([woken.promise, what ? what(abort.signal).then(end, end) : woken.promise]);
    } finally {
      clearTimeout(timer);
      this.ctx.timers.signal.removeEventListener('abort', stop);
      if (this.wakeLoop === end) this.wakeLoop = undefined;
      abort.abort();
    }
  }

  /** One request for `parts`; the number of records it brought, undefined after a failure. */
  private async round(parts: OwnedPartition[], waitMs: number): Promise<number | undefined> {
    const { maxRecords, maxBytes, backoff } = this.ctx.settings;
    const start = this.turn++ % parts.length;
    const order = [...parts.slice(start), ...parts.slice(0, start)];
    const asked = order.map((p) => ({ part: p, epoch: p.epoch, offset: p.position! }));
    const abort = new AbortController();
    for (const p of order) p.fetchAbort = abort;
    const stop = () => abort.abort();
    this.wakeLoop = stop;
    // A partition left out (full buffer, paused, backing off) that can take records again
    // ends a long poll at once rather than when it runs out.
    const asking = new Set(order);
    const leftOut = deferred<void>();
    void leftOut.promise.then(stop);
    for (const p of this.ctx.owned.values()) if (!asking.has(p)) p.wake = leftOut;
    let answers: FetchedPartition[];
    try {
      answers = await fetchPartitions(this.ctx.http, {
        partitions: asked.map((a) => ({ topic: a.part.topic, partition: a.part.partition, offset: a.offset })),
        maxRecords,
        maxBytes,
        waitMs,
        signal: abort.signal,
      });
      this.failures = 0;
    } catch (err) {
      if (abort.signal.aborted || this.ctx.stopping) return undefined;
      if (!isRetriable(err)) throw err;
      this.failures++;
      if (this.failures === 1 || this.failures % 10 === 0) this.ctx.warn(err);
      await sleep(backoffDelay(err, this.failures, backoff), this.ctx.timers.signal).catch(() => {});
      return undefined;
    } finally {
      if (this.wakeLoop === stop) this.wakeLoop = undefined;
      for (const p of order) if (p.fetchAbort === abort) p.fetchAbort = undefined;
    }
    let records = 0;
    for (const [i, got] of answers.entries()) {
      const { part, epoch, offset } = asked[i]!;
      if (epoch !== part.epoch || !this.ctx.owns(part)) continue;
      if (got.error) {
        await this.failed(part, got.error, epoch, offset);
        continue;
      }
      part.failures = 0;
      if (got.highWatermark !== undefined) part.highWatermark = got.highWatermark;
      part.position = got.nextOffset;
      if (got.records.length) {
        part.buffer.push(...got.records);
        records += got.records.length;
      }
    }
    if (records > 0) this.peers.delivery.received();
    return records;
  }

  /** A partition the answer could not serve. */
  private async failed(part: OwnedPartition, err: SluiceError, epoch: number, position: number): Promise<void> {
    if (err instanceof OffsetOutOfRangeError) {
      await this.outOfRange(part, err, epoch, position);
      return;
    }
    if (!(err instanceof UnknownTopicOrPartitionError) && !isRetriable(err)) throw err;
    part.failures++;
    if (part.failures === 1 || part.failures % 10 === 0) this.ctx.warn(err);
    part.retryAt = Date.now() + backoffDelay(err, part.failures, this.ctx.settings.backoff);
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
