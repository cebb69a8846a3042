// The Consumer: a member of a consumer group (API.md "Consumer groups"; the protocol is
// lib/groups/reconcile.ts: server-side assignment, KIP-848 style).
//
//   join -> assignment -> per partition: start at the committed offset (else
//   autoOffsetReset) -> long-polling binary fetch loop -> buffer -> the application
//   (async iterator or run()) -> processed offsets -> commits
//
// Membership: one POST .../members to join, then heartbeats every heartbeatIntervalMs
// carrying `owned` (the partitions this member still holds). A heartbeat answer that no
// longer lists a partition revokes it: the consumer stops fetching it at once, drops what
// it buffered, waits for a record of it still being processed, commits its processed
// offset with the current generation, forgets it, and heartbeats at once so the server
// sees it is released (the first heartbeat at the current generation whose `owned` lacks
// it). New partitions start at the group's committed offset. A member the server forgot
// (UNKNOWN_MEMBER_ID: its session expired) drops everything uncommitted and joins again.
//
// Delivery is at-least-once: only offsets of records the application processed are
// committed. For the async iterator a record counts as processed when the next one is
// requested (so leaving the loop with break leaves the last record uncommitted: it is
// delivered again); for run() when eachRecord / eachBatch resolves.
//
// Partitions are served round robin, records of one partition in offset order, one
// record (or batch) at a time. Each owned partition has its own fetch loop that keeps
// at most about one fetch (maxRecords) buffered ahead of the application.
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import {
  IllegalGenerationError,
  InvalidRequestError,
  OffsetOutOfRangeError,
  UnknownMemberIdError,
  UnknownTopicOrPartitionError,
} from '../core/errors.ts';
import { decodeEachBatch } from '../records/index.ts';
import { groupPath, topicPath } from './admin.ts';
import { ClientClosedError, NoOffsetForPartitionError } from './errors.ts';
import type { HttpClient } from './http.ts';
import { RECORD_BATCH_TYPE } from './producer.ts';
import { backoffDelay, deferred, isRetriable, sleep, type Deferred } from './retry.ts';
import type { ConsumedRecord, GroupOffset, MemberAssignment, TopicAssignment, TopicPartition, TopicPartitionOffset } from './types.ts';

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Shorthand for autoOffsetReset 'earliest' (when autoOffsetReset is not given). */
  fromBeginning?: boolean;
  /** Where to start without a committed offset, and after OFFSET_OUT_OF_RANGE (default 'latest'). */
  autoOffsetReset?: AutoOffsetReset;
  /** Commit processed offsets every autoCommitIntervalMs, on revocation and on close (default true). */
  autoCommit?: boolean;
  /** Default 5000. */
  autoCommitIntervalMs?: number;
  /** 1000..300000; default the server's (45000). */
  sessionTimeoutMs?: number;
  /** Default: what the server says (a third of the session timeout, at most 3 s). */
  heartbeatIntervalMs?: number;
  /** Records per fetch request (default 500, at most 10000); also the most records per eachBatch call. */
  maxRecords?: number;
  /** Bytes per fetch request (default 1 MiB). */
  maxBytes?: number;
  /** Long-poll wait when a partition is caught up (ms, default 5000, at most 20000). */
  waitMs?: number;
  /** First retry backoff after a failed request (ms, default 200; doubles up to 5000). */
  retryBackoffMs?: number;
}

export interface EachBatchPayload {
  topic: string;
  partition: number;
  /** In offset order; at most maxRecords. */
  records: ConsumedRecord[];
  /** The partition's high watermark as of the fetch that brought these records. */
  highWatermark: number;
}

export interface RunOptions {
  /** Called per record; the record counts as processed when the promise resolves. */
  eachRecord?: (record: ConsumedRecord) => Promise<void> | void;
  /** Called per batch of one partition; all its records count as processed when it resolves. */
  eachBatch?: (batch: EachBatchPayload) => Promise<void> | void;
}

/** Events (consumer.on(...)): what happens to membership and progress. */
export interface ConsumerEvents {
  /** Partitions that were added to this member. */
  assigned: [partitions: TopicPartition[]];
  /** Partitions this member gave up (after committing them), or lost on a rejoin. */
  revoked: [partitions: TopicPartition[]];
  /** Every owned partition has been processed up to its high watermark. */
  caughtUp: [];
  /** Offsets committed (the offsets in effect after the commit). */
  commit: [offsets: TopicPartitionOffset[]];
  /** A problem the consumer handled itself (a failed commit, a retried request). */
  warning: [error: Error];
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

class OwnedPartition {
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
  /** A fetch loop runs for it. */
  fetching = false;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
  get key(): string {
    return tpKey(this.topic, this.partition);
  }
  signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.resolve();
  }
}

/** Handed-out work, for marking it processed. */
interface Handed {
  part: OwnedPartition;
  epoch: number;
  /** Offset after the last record handed. */
  next: number;
  settled: boolean;
}

const handlerScope = new AsyncLocalStorage<{ consumer: Consumer; handed: Handed }>();

export class Consumer extends EventEmitter<ConsumerEvents> {
  readonly groupId: string;
  readonly topics: readonly string[];
  private readonly reset: AutoOffsetReset;
  private readonly autoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private readonly sessionTimeoutMs: number | undefined;
  private readonly heartbeatOverride: number | undefined;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly waitMs: number;
  private readonly backoff: { baseMs: number; maxMs: number };

  private memberId: string | undefined;
  private generation = 0;
  private heartbeatIntervalMs = 3_000;
  private readonly owned = new Map<string, OwnedPartition>();
  private readonly pendingSeeks = new Map<string, number>();
  private readonly pausedKeys = new Set<string>();
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private stopped = false;
  private fatal: unknown;
  private fatalReported = false;
  private mode: 'iterator' | 'run' | undefined;
  private current: Handed | undefined;
  private handlerDone: Promise<void> | undefined;
  private deliveryWake: Deferred<void> | undefined;
  private lastServed = -1;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly timers = new AbortController();
  private heartbeatWake: Deferred<void> | undefined;
  private heartbeatRequested = false;
  private emptyConfirmed = false;
  private wasCaughtUp = false;

  constructor(
    private readonly http: HttpClient,
    opts: ConsumerOptions,
  ) {
    super();
    if (!opts || typeof opts.groupId !== 'string' || opts.groupId.length === 0) {
      throw new InvalidRequestError('consumer: groupId must be a non-empty string.');
    }
    if (!Array.isArray(opts.topics) || opts.topics.length === 0 || !opts.topics.every((t) => typeof t === 'string' && t.length > 0)) {
      throw new InvalidRequestError('consumer: topics must be a non-empty list of topic names.');
    }
    const reset = opts.autoOffsetReset ?? (opts.fromBeginning ? 'earliest' : 'latest');
    if (reset !== 'earliest' && reset !== 'latest' && reset !== 'none') {
      throw new InvalidRequestError(`consumer: autoOffsetReset must be 'earliest', 'latest' or 'none', got '${String(reset)}'.`);
    }
    this.groupId = opts.groupId;
    this.topics = [...new Set(opts.topics)];
    this.reset = reset;
    this.autoCommit = opts.autoCommit ?? true;
    this.autoCommitIntervalMs = opts.autoCommitIntervalMs ?? 5_000;
    this.sessionTimeoutMs = opts.sessionTimeoutMs;
    this.heartbeatOverride = opts.heartbeatIntervalMs;
    this.maxRecords = Math.max(1, Math.min(10_000, opts.maxRecords ?? 500));
    this.maxBytes = Math.max(1, opts.maxBytes ?? 1_048_576);
    this.waitMs = Math.max(0, Math.min(20_000, opts.waitMs ?? 5_000));
    this.backoff = { baseMs: opts.retryBackoffMs ?? 200, maxMs: 5_000 };
  }

  // ---- public API ---------------------------------------------------------------------

  /** Joins the group (done implicitly by iteration and run()). */
  connect(): Promise<void> {
    if (this.closing) return Promise.reject(new ClientClosedError('The consumer is closed.'));
    return (this.starting ??= this.start());
  }

  /** The member id while joined. */
  get member(): { memberId: string | undefined; generation: number } {
    return { memberId: this.memberId, generation: this.generation };
  }

  /** Partitions this member consumes now (revoked ones excluded). */
  assignment(): TopicPartition[] {
    return [...this.owned.values()].filter((p) => !p.revoking).map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Records one at a time. A record counts as processed (and its offset may be committed)
   * when the next one is requested. Leaving the loop closes the consumer.
   */
  [Symbol.asyncIterator](): AsyncIterator<ConsumedRecord> {
    this.claimMode('iterator');
    return {
      next: () => this.nextRecord(),
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
    this.claimMode('run');
    await this.connect().catch((err) => this.setFatal(err));
    for (;;) {
      if (this.fatal) {
        const err = this.fatal;
        this.fatalReported = true;
        await this.close();
        throw err;
      }
      if (this.closing) {
        await this.closing;
        return;
      }
      const part = this.pick();
      if (!part) {
        await this.waitDelivery();
        continue;
      }
      const records = opts.eachBatch ? part.buffer.splice(0, this.maxRecords) : part.buffer.splice(0, 1);
      const handed = this.hand(part, records);
      const work = deferred<void>();
      this.handlerDone = work.promise;
      try {
        await handlerScope.run({ consumer: this, handed }, async () => {
          if (opts.eachBatch) {
            await opts.eachBatch({ topic: part.topic, partition: part.partition, records, highWatermark: part.highWatermark ?? records.at(-1)!.offset + 1 });
          } else {
            await opts.eachRecord!(records[0]!);
          }
        });
        this.settle(handed, true);
      } catch (err) {
        // Not processed: start this partition over from the failed records, and stop.
        this.settle(handed, false);
        if (this.owned.get(part.key) === part && handed.epoch === part.epoch && !part.revoking) {
          this.resetPosition(part, records[0]!.offset);
        }
        this.fatal ??= err;
        this.fatalReported = true;
        work.resolve();
        await this.close();
        throw err;
      } finally {
        work.resolve();
      }
    }
  }

  /** Commits the processed offsets of the partitions this member owns. */
  async commit(): Promise<TopicPartitionOffset[]> {
    return this.commitOwned([...this.owned.values()], true);
  }

  /**
   * Continues a partition at `offset`: what is buffered is dropped, and the next commit
   * stores `offset`. For a partition not (yet) assigned, applies when it is.
   */
  seek(tp: TopicPartitionOffset): void {
    if (!tp || typeof tp.topic !== 'string' || !Number.isSafeInteger(tp.partition) || !Number.isSafeInteger(tp.offset) || tp.offset < 0) {
      throw new InvalidRequestError('seek() needs {topic, partition, offset} with a non-negative integer offset.');
    }
    const part = this.owned.get(tpKey(tp.topic, tp.partition));
    if (!part || part.position === undefined || part.revoking) {
      this.pendingSeeks.set(tpKey(tp.topic, tp.partition), tp.offset);
      return;
    }
    this.resetPosition(part, tp.offset);
    part.processed = tp.offset;
    this.wasCaughtUp = false;
  }

  /** Stops fetching and delivering these partitions (a topic without partition: all of it). */
  pause(tps: Array<{ topic: string; partition?: number }>): void {
    for (const tp of tps) this.pausedKeys.add(tp.partition === undefined ? `${tp.topic}\u0000*` : tpKey(tp.topic, tp.partition));
    for (const part of this.owned.values()) {
      if (this.isPaused(part) && !part.paused) {
        part.paused = true;
        part.fetchAbort?.abort();
      }
    }
  }

  resume(tps: Array<{ topic: string; partition?: number }>): void {
    for (const tp of tps) {
      if (tp.partition === undefined) {
        for (const k of [...this.pausedKeys]) if (k.startsWith(`${tp.topic}\u0000`)) this.pausedKeys.delete(k);
      } else {
        this.pausedKeys.delete(tpKey(tp.topic, tp.partition));
      }
    }
    for (const part of this.owned.values()) {
      if (part.paused && !this.isPaused(part)) {
        part.paused = false;
        part.signal();
      }
    }
    this.notifyDelivery();
  }

  /** Paused partitions among those owned. */
  paused(): TopicPartition[] {
    return [...this.owned.values()].filter((p) => p.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Stops: waits for the record or batch being processed (unless called from inside a
   * handler: then that one counts as processed), commits processed offsets (with
   * autoCommit) and leaves the group. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const done = deferred<void>();
    this.closing = done.promise;
    const inside = handlerScope.getStore();
    if (inside?.consumer === this) this.settle(inside.handed, true);
    this.shutdown(inside?.consumer === this).then(done.resolve, done.reject);
    return this.closing;
  }

  // ---- membership ---------------------------------------------------------------------

  private async start(): Promise<void> {
    await this.join();
    void this.heartbeatLoop();
    if (this.autoCommit) void this.autoCommitLoop();
  }

  private async join(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.locked(() =>
          this.http.json<MemberAssignment>({
            method: 'POST',
            path: groupPath(this.groupId, '/members'),
            body: { topics: this.topics, ...(this.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: this.sessionTimeoutMs } : {}) },
          }),
        );
        if (this.closing) {
          // Closed while joining: leave right away.
          this.memberId = res.memberId;
          return;
        }
        this.memberId = res.memberId;
        this.emptyConfirmed = false;
        this.applyAssignment(res);
        return;
      } catch (err) {
        if (!isRetriable(err) || attempt >= 10 || this.closing) throw err;
        this.emit('warning', err as Error);
        await sleep(backoffDelay(err, attempt, this.backoff), this.timers.signal).catch(() => {});
      }
    }
  }

  private async heartbeatLoop(): Promise<void> {
    let failures = 0;
    while (!this.closing) {
      if (!this.heartbeatRequested) {
        const wake = (this.heartbeatWake = deferred<void>());
        const delay = failures > 0 ? Math.min(this.interval(), backoffDelay(undefined, failures, this.backoff)) : this.interval();
        const timer = setTimeout(() => wake.resolve(), delay);
        await wake.promise;
        clearTimeout(timer);
      }
      this.heartbeatRequested = false;
      if (this.closing) return;
      try {
        await this.heartbeat();
        failures = 0;
      } catch (err) {
        if (this.closing) return;
        failures++;
        if (err instanceof UnknownMemberIdError || err instanceof IllegalGenerationError) {
          this.emit('warning', err);
          await this.rejoin().catch((e) => this.setFatal(e));
          failures = 0;
        } else if (isRetriable(err)) {
          this.emit('warning', err as Error);
        } else {
          this.setFatal(err);
          return;
        }
      }
    }
  }

  private interval(): number {
    return this.heartbeatOverride ?? this.heartbeatIntervalMs;
  }

  /** Heartbeat now rather than at the next interval. */
  private heartbeatSoon(): void {
    this.heartbeatRequested = true;
    this.heartbeatWake?.resolve();
  }

  private async heartbeat(): Promise<void> {
    const res = await this.locked(() => {
      const memberId = this.memberId;
      if (!memberId || this.closing) return undefined;
      return this.http.json<MemberAssignment>({
        method: 'POST',
        path: groupPath(this.groupId, `/members/${encodeURIComponent(memberId)}/heartbeat`),
        body: { generation: this.generation, owned: this.ownedList() },
      });
    });
    if (res && !this.closing) {
      if (res.assignment.length === 0) this.emptyConfirmed = true;
      this.applyAssignment(res);
    }
  }

  /** Drops everything (nothing can be committed any more) and joins again as a new member. */
  private async rejoin(): Promise<void> {
    const lost = [...this.owned.values()];
    for (const part of lost) this.drop(part);
    if (lost.length) this.emit('revoked', lost.map(({ topic, partition }) => ({ topic, partition })));
    this.memberId = undefined;
    this.generation = 0;
    await this.join();
  }

  private ownedList(): TopicAssignment[] {
    const byTopic = new Map<string, number[]>();
    for (const p of this.owned.values()) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      list.push(p.partition);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
  }

  private applyAssignment(res: MemberAssignment): void {
    this.generation = res.generation;
    if (res.heartbeatIntervalMs > 0) this.heartbeatIntervalMs = res.heartbeatIntervalMs;
    const wanted = new Set<string>();
    const added: OwnedPartition[] = [];
    for (const a of res.assignment) {
      for (const p of a.partitions) {
        const key = tpKey(a.topic, p);
        wanted.add(key);
        const have = this.owned.get(key);
        if (!have) {
          const part = new OwnedPartition(a.topic, p);
          part.paused = this.isPaused(part);
          this.owned.set(key, part);
          added.push(part);
        } else if (have.revoking && !have.finishing) {
          // Given back before we let go of it: keep consuming where the application is.
          have.revoking = false;
          this.startFetching(have);
        }
      }
    }
    const revoked: OwnedPartition[] = [];
    for (const part of this.owned.values()) {
      if (!wanted.has(part.key) && !part.revoking) revoked.push(part);
    }
    for (const part of revoked) this.revoke(part);
    if (added.length) {
      this.wasCaughtUp = false;
      this.emit('assigned', added.map(({ topic, partition }) => ({ topic, partition })));
      void this.initPositions(added).catch((err) => this.setFatal(err));
    }
    this.checkCaughtUp();
  }

  /** Start positions: a pending seek, else the committed offset, else autoOffsetReset. */
  private async initPositions(parts: OwnedPartition[]): Promise<void> {
    let offsets: GroupOffset[] = [];
    for (let attempt = 1; ; attempt++) {
      try {
        offsets = (await this.http.json<{ offsets: GroupOffset[] }>({ method: 'GET', path: groupPath(this.groupId, '/offsets') })).offsets;
        break;
      } catch (err) {
        if (!isRetriable(err) || this.closing) throw err;
        this.emit('warning', err as Error);
        await sleep(backoffDelay(err, attempt, this.backoff), this.timers.signal).catch(() => {});
      }
    }
    const byKey = new Map(offsets.map((o) => [tpKey(o.topic, o.partition), o]));
    for (const part of parts) {
      if (this.owned.get(part.key) !== part || this.closing) continue;
      const o = byKey.get(part.key);
      if (o?.highWatermark !== null && o?.highWatermark !== undefined) part.highWatermark = o.highWatermark;
      if (o?.offset !== null && o?.offset !== undefined) part.committed = o.offset;
      let start: number | undefined;
      const seek = this.pendingSeeks.get(part.key);
      if (seek !== undefined) {
        this.pendingSeeks.delete(part.key);
        start = seek;
        part.processed = seek;
      } else if (part.committed !== undefined) {
        start = part.committed;
      } else {
        // As Kafka does, the reset position is committed too: the next member of the group
        // continues from here rather than resetting again.
        start = await this.resetOffset(part, o, 'no committed offset');
        part.processed = start;
      }
      part.position = start;
      part.delivered = start;
      this.startFetching(part);
    }
    this.checkCaughtUp();
  }

  /** Where autoOffsetReset puts a partition (throws for 'none'). */
  private async resetOffset(part: OwnedPartition, known: { logStartOffset: number | null; highWatermark: number | null } | undefined, why: string): Promise<number> {
    if (this.reset === 'none') {
      throw new NoOffsetForPartitionError(
        `Group '${this.groupId}' has ${why} for partition ${part.partition} of '${part.topic}' and autoOffsetReset is 'none'.`,
        { topic: part.topic, partition: part.partition },
      );
    }
    const have = this.reset === 'earliest' ? known?.logStartOffset : known?.highWatermark;
    if (have !== null && have !== undefined) return have;
    const res = await this.http.json<{ offset: number }>({
      method: 'GET',
      path: topicPath(part.topic, `/partitions/${part.partition}/offsets`),
      query: { at: this.reset },
    });
    return res.offset;
  }

  private revoke(part: OwnedPartition): void {
    if (part.position !== undefined) this.resetPosition(part, part.delivered ?? part.position);
    part.revoking = true;
    part.signal();
    if (part.inProcess === 0) void this.finishRevoke(part);
  }

  /** Commit, let go, and tell the server at once. */
  private async finishRevoke(part: OwnedPartition): Promise<void> {
    if (part.finishing || this.owned.get(part.key) !== part) return;
    part.finishing = true;
    if (this.autoCommit) {
      try {
        await this.commitOwned([part], false);
      } catch (err) {
        this.emit('warning', err as Error);
      }
    }
    if (this.owned.get(part.key) === part) {
      this.drop(part);
      this.emit('revoked', [{ topic: part.topic, partition: part.partition }]);
    }
    this.heartbeatSoon();
    this.checkCaughtUp();
  }

  private drop(part: OwnedPartition): void {
    part.epoch++;
    part.fetchAbort?.abort();
    part.buffer = [];
    part.revoking = true;
    part.signal();
    if (this.owned.get(part.key) === part) this.owned.delete(part.key);
  }

  // ---- offsets ------------------------------------------------------------------------

  /** Commits processed offsets that moved; explicit calls throw, background ones warn. */
  private async commitOwned(parts: OwnedPartition[], explicit: boolean): Promise<TopicPartitionOffset[]> {
    return this.locked(async () => {
      const memberId = this.memberId;
      const todo = parts.filter((p) => this.owned.get(p.key) === p && p.processed !== undefined && p.processed !== p.committed);
      if (!memberId || todo.length === 0) return [];
      const offsets = todo.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.processed! }));
      try {
        const res = await this.http.json<{ offsets: TopicPartitionOffset[] }>({
          method: 'POST',
          path: groupPath(this.groupId, '/offsets'),
          body: { memberId, generation: this.generation, offsets },
        });
        // Remember what we sent (the server may keep a higher offset it already had): a
        // partition is committed again only when its processed offset moves.
        offsets.forEach((o, i) => (todo[i]!.committed = o.offset));
        const result = res.offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
        this.emit('commit', result);
        return result;
      } catch (err) {
        if (err instanceof UnknownMemberIdError || err instanceof IllegalGenerationError) this.heartbeatSoon();
        if (explicit) throw err;
        this.emit('warning', err as Error);
        return [];
      }
    });
  }

  private async autoCommitLoop(): Promise<void> {
    while (!this.closing) {
      try {
        await sleep(this.autoCommitIntervalMs, this.timers.signal);
      } catch {
        return;
      }
      if (this.closing) return;
      await this.commitOwned([...this.owned.values()], false);
    }
  }

  // ---- fetching -----------------------------------------------------------------------

  private async fetchLoop(part: OwnedPartition): Promise<void> {
    let failures = 0;
    try {
      while (this.owned.get(part.key) === part && !part.revoking && !this.closing && !this.fatal) {
        if (part.paused || part.position === undefined || part.buffer.length >= this.maxRecords) {
          const wake = (part.wake = deferred<void>());
          await wake.promise;
          continue;
        }
        const epoch = part.epoch;
        const position = part.position;
        const abort = (part.fetchAbort = new AbortController());
        let body: Buffer;
        let headers: Record<string, string>;
        try {
          const res = await this.http.request({
            method: 'GET',
            path: topicPath(part.topic, `/partitions/${part.partition}/records`),
            query: { offset: position, maxRecords: this.maxRecords, maxBytes: this.maxBytes, waitMs: this.waitMs },
            headers: { accept: RECORD_BATCH_TYPE },
            signal: abort.signal,
          });
          body = res.body;
          headers = res.headers;
          failures = 0;
        } catch (err) {
          if (abort.signal.aborted || epoch !== part.epoch) continue;
          if (err instanceof OffsetOutOfRangeError) {
            if (this.reset === 'none') throw err;
            const details = { logStartOffset: numOrNull(err.details.logStartOffset), highWatermark: numOrNull(err.details.highWatermark) };
            const to = await this.resetOffset(part, details, `an offset (${position}) out of range [${details.logStartOffset}, ${details.highWatermark}]`);
            if (epoch !== part.epoch) continue;
            this.emit('warning', new OffsetOutOfRangeError(`${err.message} Continuing at ${to} (autoOffsetReset ${this.reset}).`, err.details));
            this.resetPosition(part, to);
            part.processed = to;
            continue;
          }
          if (isRetriable(err) || err instanceof UnknownTopicOrPartitionError) {
            failures++;
            if (failures === 1 || failures % 10 === 0) this.emit('warning', err as Error);
            await sleep(backoffDelay(err, failures, this.backoff), abort.signal).catch(() => {});
            continue;
          }
          throw err;
        } finally {
          if (part.fetchAbort === abort) part.fetchAbort = undefined;
        }
        if (epoch !== part.epoch || this.owned.get(part.key) !== part) continue;
        const records: ConsumedRecord[] = [];
        let last = position - 1;
        for (const batch of body.length > 0 ? decodeEachBatch(body) : []) {
          for (const r of batch.records) {
            if (r.offset < position) continue;
            records.push({
              topic: part.topic,
              partition: part.partition,
              offset: r.offset,
              timestamp: r.timestamp,
              key: r.key,
              value: r.value,
              headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value])),
            });
            last = r.offset;
          }
        }
        const next = Number(headers['x-next-offset']);
        const hw = Number(headers['x-high-watermark']);
        if (Number.isFinite(hw)) part.highWatermark = hw;
        part.position = Math.max(last + 1, Number.isFinite(next) ? next : position);
        if (records.length) {
          part.buffer.push(...records);
          this.wasCaughtUp = false;
          this.notifyDelivery();
        } else {
          this.checkCaughtUp();
          // Without a long poll, do not spin on a caught-up partition.
          if (this.waitMs === 0 && part.position === position) await sleep(200, this.timers.signal).catch(() => {});
        }
      }
    } catch (err) {
      if (this.owned.get(part.key) === part && !this.closing) this.setFatal(err);
    }
  }

  private startFetching(part: OwnedPartition): void {
    if (part.fetching) {
      part.signal();
      return;
    }
    part.fetching = true;
    void this.fetchLoop(part).finally(() => {
      part.fetching = false;
    });
  }

  /** Drops buffered records and continues fetching at `offset`. */
  private resetPosition(part: OwnedPartition, offset: number): void {
    part.epoch++;
    part.fetchAbort?.abort();
    part.buffer = [];
    part.position = offset;
    part.delivered = offset;
    part.signal();
  }

  private isPaused(part: { topic: string; partition: number }): boolean {
    return this.pausedKeys.has(tpKey(part.topic, part.partition)) || this.pausedKeys.has(`${part.topic}\u0000*`);
  }

  // ---- delivery -------------------------------------------------------------------------

  private claimMode(mode: 'iterator' | 'run'): void {
    if (this.mode && this.mode !== mode) throw new InvalidRequestError(`This consumer is already consumed with ${this.mode === 'run' ? 'run()' : 'an async iterator'}.`);
    if (this.mode === 'run') throw new InvalidRequestError('run() was already called on this consumer.');
    this.mode = mode;
  }

  private async nextRecord(): Promise<IteratorResult<ConsumedRecord>> {
    if (this.current) {
      this.settle(this.current, true);
      this.current = undefined;
    }
    if (this.fatal) return this.reportFatal();
    if (this.closing) return { done: true, value: undefined };
    await this.connect().catch((err) => this.setFatal(err));
    for (;;) {
      if (this.fatal) return this.reportFatal();
      if (this.closing) return { done: true, value: undefined };
      const part = this.pick();
      if (part) {
        const record = part.buffer.shift()!;
        this.current = this.hand(part, [record]);
        return { done: false, value: record };
      }
      await this.waitDelivery();
    }
  }

  private async reportFatal(): Promise<IteratorResult<ConsumedRecord>> {
    if (this.fatalReported) return { done: true, value: undefined };
    this.fatalReported = true;
    await this.close();
    throw this.fatal;
  }

  /** The next partition with deliverable records, round robin. */
  private pick(): OwnedPartition | undefined {
    const parts = [...this.owned.values()];
    if (parts.length === 0) return undefined;
    for (let i = 1; i <= parts.length; i++) {
      const idx = (this.lastServed + i) % parts.length;
      const p = parts[idx]!;
      if (p.buffer.length > 0 && !p.paused && !p.revoking) {
        this.lastServed = idx;
        return p;
      }
    }
    return undefined;
  }

  private hand(part: OwnedPartition, records: ConsumedRecord[]): Handed {
    part.inProcess++;
    const next = records.at(-1)!.offset + 1;
    part.delivered = next;
    // Room in the buffer again: let the fetch loop go on.
    if (part.buffer.length < this.maxRecords) part.signal();
    return { part, epoch: part.epoch, next, settled: false };
  }

  /** The handed records are done: processed (their offsets may be committed) or not. */
  private settle(h: Handed, processed: boolean): void {
    if (h.settled) return;
    h.settled = true;
    const part = h.part;
    part.inProcess--;
    if (this.owned.get(part.key) !== part) return;
    if (processed && h.epoch === part.epoch) part.processed = h.next;
    if (part.inProcess === 0 && part.revoking) void this.finishRevoke(part);
    else this.checkCaughtUp();
  }

  private waitDelivery(): Promise<void> {
    return (this.deliveryWake ??= deferred<void>()).promise;
  }

  private notifyDelivery(): void {
    const w = this.deliveryWake;
    this.deliveryWake = undefined;
    w?.resolve();
  }

  /** Emits 'caughtUp' once every owned partition is processed up to its high watermark. */
  private checkCaughtUp(): void {
    if (this.closing || !this.memberId || this.wasCaughtUp) return;
    const parts = [...this.owned.values()];
    if (parts.length === 0 && !this.emptyConfirmed) return;
    for (const p of parts) {
      if (p.revoking || p.position === undefined || p.highWatermark === undefined) return;
      if (p.position < p.highWatermark || p.buffer.length > 0 || p.inProcess > 0) return;
    }
    this.wasCaughtUp = true;
    this.emit('caughtUp');
  }

  // ---- plumbing -----------------------------------------------------------------------

  private setFatal(err: unknown): void {
    if (this.fatal || this.closing) return;
    this.fatal = err;
    this.notifyDelivery();
    // Nobody iterating or running will report it: close quietly.
    if (!this.mode) void this.close();
  }

  /** Group calls one at a time, so a commit always carries the current generation. */
  private locked<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async shutdown(insideHandler: boolean): Promise<void> {
    this.timers.abort();
    this.heartbeatSoon();
    this.notifyDelivery();
    for (const part of this.owned.values()) {
      part.fetchAbort?.abort();
      part.buffer = [];
      part.signal();
    }
    if (this.starting) await this.starting.catch(() => {});
    if (!insideHandler && this.handlerDone) await this.handlerDone;
    if (this.current) {
      // The iterator's last record was handed out but not asked past: not processed.
      this.settle(this.current, false);
      this.current = undefined;
    }
    try {
      if (this.autoCommit && this.memberId) await this.commitOwned([...this.owned.values()], false);
    } finally {
      const memberId = this.memberId;
      for (const part of [...this.owned.values()]) this.drop(part);
      if (memberId) {
        await this.locked(async () => {
          for (let attempt = 1; attempt <= 3; attempt++) {
            try {
              await this.http.request({ method: 'DELETE', path: groupPath(this.groupId, `/members/${encodeURIComponent(memberId)}`) });
              return;
            } catch (err) {
              if (err instanceof UnknownMemberIdError) return;
              if (!isRetriable(err) || attempt === 3) {
                this.emit('warning', err as Error);
                return;
              }
              await sleep(backoffDelay(err, attempt, this.backoff));
            }
          }
        });
      }
      this.memberId = undefined;
      this.stopped = true;
    }
  }

  /** True once close() has finished. */
  get closed(): boolean {
    return this.stopped;
  }
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

