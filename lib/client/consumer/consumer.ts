// The Consumer: a member of a consumer group, as the application sees it.
//
//   join (membership.ts) -> assignment (assignment.ts) -> per partition: start at the
//   committed offset, else autoOffsetReset (offsets.ts) -> long-polling binary fetch loop
//   (fetcher.ts) -> buffer -> the application, async iterator or run() (delivery.ts) ->
//   processed offsets -> commits (offsets.ts); pause / resume (pausing.ts); while idle,
//   push notices instead of long polls, and a push connection holding the session (push.ts)
//
// This class checks the application's calls, wires the parts together and shuts them
// down in order on close: stop fetching, wait for the handler, commit, leave.
import { EventEmitter } from 'node:events';
import { ClientClosedError, InvalidRequestError } from '../../core/errors.ts';
import { deferred } from '../deferred.ts';
import type { HttpClient } from '../http.ts';
import type { ConsumedRecord, TopicPartition, TopicPartitionOffset } from '../types.ts';
import { Assignment } from './assignment.ts';
import { ConsumerContext, type ConsumerParts } from './context.ts';
import { Delivery } from './delivery.ts';
import { Fetcher } from './fetcher.ts';
import { Membership } from './membership.ts';
import { Offsets } from './offsets.ts';
import { consumerSettings, type ConsumerEvents, type ConsumerOptions, type RunOptions } from './options.ts';
import { tpKey } from './partition.ts';
import { Pausing, type PauseTarget } from './pausing.ts';
import { PushLink } from './push.ts';

export class Consumer extends EventEmitter<ConsumerEvents> {
  readonly groupId: string;
  readonly topics: readonly string[];
  private readonly ctx: ConsumerContext;
  private readonly parts: ConsumerParts;
  private starting: Promise<void> | undefined;
  private stopped = false;

  constructor(http: HttpClient, opts: ConsumerOptions) {
    super();
    const settings = consumerSettings(opts);
    this.groupId = settings.groupId;
    this.topics = settings.topics;
    this.ctx = new ConsumerContext(http, settings, this, (err) => this.setFatal(err));
    const parts = {} as ConsumerParts;
    parts.membership = new Membership(this.ctx, parts);
    parts.assignment = new Assignment(this.ctx, parts);
    parts.offsets = new Offsets(this.ctx, parts);
    parts.fetcher = new Fetcher(this.ctx, parts);
    parts.delivery = new Delivery(this.ctx, parts, { connect: () => this.connect(), close: () => this.close() });
    parts.pausing = new Pausing(this.ctx);
    if (settings.push) parts.push = new PushLink(this.ctx, parts);
    this.parts = parts;
  }

  /** Joins the group (done implicitly by iteration and run()). */
  connect(): Promise<void> {
    if (this.ctx.closing) return Promise.reject(new ClientClosedError('The consumer is closed.'));
    return (this.starting ??= this.start());
  }

  /** The member id while joined. */
  get member(): { memberId: string | undefined; generation: number } {
    const { memberId, generation } = this.parts.membership;
    return { memberId, generation };
  }

  /** Partitions this member consumes now (revoked ones excluded). */
  assignment(): TopicPartition[] {
    return this.ctx.partitions().filter((p) => !p.revoking).map((p) => p.tp);
  }

  /**
   * Records one at a time. A record counts as processed (and its offset may be committed)
   * when the next one is requested. Leaving the loop closes the consumer.
   */
  [Symbol.asyncIterator](): AsyncIterator<ConsumedRecord> {
    this.parts.delivery.claim('iterator');
    return {
      next: () => this.parts.delivery.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Hands records to eachRecord (or batches of one partition to eachBatch), one call at a
   * time, until close(). Resolves when the consumer is closed. If a handler throws, the
   * consumer closes (committing what was processed before, so the failed records come
   * again to the next member) and run() rejects with that error.
   */
  async run(opts: RunOptions): Promise<void> {
    if (!opts || (typeof opts.eachRecord !== 'function') === (typeof opts.eachBatch !== 'function')) {
      throw new InvalidRequestError('run() needs exactly one of eachRecord or eachBatch.');
    }
    this.parts.delivery.claim('run');
    await this.parts.delivery.run(opts);
  }

  /** Commits the processed offsets of the partitions this member owns. */
  async commit(): Promise<TopicPartitionOffset[]> {
    return this.parts.offsets.commit(this.ctx.partitions(), true);
  }

  /**
   * Continues a partition at `offset`: what is buffered is dropped, and the next commit
   * stores `offset`. For a partition not (yet) assigned, applies when it is.
   */
  seek(tp: TopicPartitionOffset): void {
    if (!tp || typeof tp.topic !== 'string' || !Number.isSafeInteger(tp.partition) || !Number.isSafeInteger(tp.offset) || tp.offset < 0) {
      throw new InvalidRequestError('seek() needs {topic, partition, offset} with a non-negative integer offset.');
    }
    const key = tpKey(tp.topic, tp.partition);
    const part = this.ctx.owned.get(key);
    if (!part || part.position === undefined || part.revoking) {
      this.parts.offsets.seekLater(key, tp.offset);
      return;
    }
    part.resetPosition(tp.offset);
    part.processed = tp.offset;
    this.parts.delivery.wasCaughtUp = false;
  }

  /** Stops fetching and delivering these partitions (a topic without partition: all of it). */
  pause(tps: PauseTarget[]): void {
    this.parts.pausing.pause(tps);
  }

  resume(tps: PauseTarget[]): void {
    this.parts.pausing.resume(tps);
    this.parts.delivery.notify();
  }

  /** Paused partitions among those owned. */
  paused(): TopicPartition[] {
    return this.parts.pausing.paused();
  }

  /**
   * Stops: waits for the record or batch being processed (unless called from inside a
   * handler: then that one counts as processed), commits processed offsets (with
   * autoCommit) and leaves the group. Idempotent.
   */
  close(): Promise<void> {
    if (this.ctx.closing) return this.ctx.closing;
    const done = deferred<void>();
    this.ctx.closing = done.promise;
    const inside = this.parts.delivery.settleInsideHandler();
    this.shutdown(inside).then(done.resolve, done.reject);
    return this.ctx.closing;
  }

  /** True once close() has finished. */
  get closed(): boolean {
    return this.stopped;
  }

  private async start(): Promise<void> {
    await this.parts.membership.join();
    void this.parts.membership.heartbeatLoop();
    if (this.parts.push) {
      this.parts.fetcher.notices = this.parts.push;
      this.parts.push.start();
    }
    if (this.ctx.settings.autoCommit) void this.parts.offsets.autoCommitLoop();
  }

  private setFatal(err: unknown): void {
    if (this.ctx.fatal || this.ctx.closing) return;
    this.ctx.fatal = err;
    this.parts.delivery.notify();
    // Nobody iterating or running will report it: close quietly.
    if (!this.parts.delivery.mode) void this.close();
  }

  private async shutdown(insideHandler: boolean): Promise<void> {
    const { membership, offsets, delivery } = this.parts;
    this.ctx.timers.abort();
    membership.heartbeatSoon();
    delivery.notify();
    for (const part of this.ctx.owned.values()) {
      part.fetchAbort?.abort();
      part.buffer = [];
      part.signal();
    }
    if (this.starting) await this.starting.catch(() => {});
    await delivery.finish(insideHandler);
    try {
      if (this.ctx.settings.autoCommit && membership.memberId) await offsets.commit(this.ctx.partitions(), false);
    } finally {
      for (const part of this.ctx.partitions()) this.ctx.drop(part);
      await membership.leave();
      await this.parts.push?.close();
      this.stopped = true;
    }
  }
}
