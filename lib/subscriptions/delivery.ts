// The delivery protocol for one (subscription, partition), which the dispatcher
// (dispatcher.ts) runs for every partition that needs it:
//
//   1. Lease. UpdateItem on the cursor item: SET leaseOwner = me, leaseExpiresAt = t
//      IF no owner OR the lease expired. Whoever loses does nothing: the holder delivers.
//      The lease outlives the holder's whole run (run budget + one target timeout +
//      margin), and a run never starts a batch after its budget, so two live dispatchers
//      never deliver the same partition at the same time.
//   2. Read from the cursor: at most batchSize records (or exactly the failed batch
//      again when retrying, so a retry delivers the same records).
//   3. Batching window: a batch smaller than batchSize is held until maxBatchingWindowMs
//      has passed since a dispatcher first found it waiting (waitingSince, kept on the
//      cursor), unless it fills up first. Short waits happen in-process (inlineWaitMs);
//      longer ones are left to a later run: the next append's stream record, or the sweep.
//   4. Deliver (Lambda Invoke / HTTP POST / module call), Lambda's Kafka event shape.
//   5. Success: advance the cursor, UpdateItem IF leaseOwner = me AND offset = read.
//      Failure: record attempts, the batch's last offset and the retry time (same
//      condition); retry after exponential backoff (capped), in-process when short,
//      else by a later run. After maxRetries retries: SQS SendMessage to the dead-letter
//      queue (if any), then ONE transaction puts the dead-letter item and moves the
//      cursor past the batch (same condition). The partition then goes on.
//   6. Caught up: release the lease, then read the head once more; if records arrived
//      meanwhile, take the lease again. A dispatcher that lost the race for the lease
//      in step 1 relied on the holder: this re-check after the release is what makes
//      that safe (the holder always sees appends committed before it released).
//
// A lost condition (lease expired and taken over) stops the run without recording
// anything: every write after the lease is conditional on it (cursorStore.ts).
import { randomBytes } from 'node:crypto';
import { isSluiceError, OffsetOutOfRangeError } from '../core/errors.ts';
import { fetchRecords, type FetchedRecord } from '../log/fetch.ts';
import type { HeadWatch } from '../log/watch.ts';
import type { StorageClients } from '../storage/clients.ts';
import { getHead, type TopicRecord } from '../storage/metadata.ts';
import {
  acquireLease,
  advanceCursor,
  deadLetterAndAdvance,
  markWaiting,
  recordFailure,
  releaseLease,
  type CursorKey,
  type CursorState,
} from './cursorStore.ts';
import type { DeadLetterRecord, SubscriptionRecord } from './model.ts';
import type { SendDeadLetter } from './sqs.ts';
import { kafkaEvent, type Deliver } from './targets.ts';

export interface DispatcherLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface PartitionOutcome {
  subscription: string;
  topic: string;
  partition: number;
  /** Records delivered successfully in this run. */
  delivered: number;
  /** Records dead-lettered in this run. */
  deadLettered: number;
  /** Failed delivery attempts in this run. */
  failures: number;
  /** Why the run ended. */
  state: 'caught-up' | 'busy' | 'waiting' | 'retrying' | 'budget' | 'lost-lease' | 'idle' | 'stopped';
  /** When this partition wants to be looked at again (a window or a backoff running). */
  wakeAt?: number;
}

/** What a delivery run needs: the dispatcher's settings, resolved. */
export interface DeliverySettings {
  clients: StorageClients;
  watch: HeadWatch;
  deliver: Deliver;
  sendDeadLetter: SendDeadLetter;
  defaultDeadLetterQueueUrl?: string;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  budgetMs: number;
  inlineWaitMs: number;
  targetTimeoutMs: number;
  backoff: { baseMs: number; capMs: number };
  maxBatchBytes: number;
  logger: DispatcherLogger;
}

interface RunLimits {
  /** No batch starts after this (dispatcher clock). */
  stopAt: number;
  /** Hard end of the invocation, if known: target calls never run past it. */
  deadline?: number;
}

/** Where a run ended, and what to leave on the cursor for the next one. */
interface RunEnd {
  state: PartitionOutcome['state'];
  offset: number;
  wakeAt?: number;
  waitingSince?: number;
}

/** The cursor as the run moves it: the next offset and the retry and window state at it. */
interface Position {
  offset: number;
  attempts: number;
  pendingLast?: number;
  retryAt?: number;
  waitingSince?: number;
}

/** A step of the run that has nothing to report: read again. */
const AGAIN = 'again';

/** One run holding one lease: the subscription, the cursor key, the lease's owner and the run's limits. */
interface Run {
  sub: SubscriptionRecord;
  key: CursorKey;
  owner: string;
  limits: RunLimits;
  outcome: PartitionOutcome;
}

const MARGIN_MS = 15_000;
const WINDOW_POLL_MS = 200;

export class PartitionDelivery {
  private readonly instanceId = randomBytes(6).toString('base64url');

  constructor(private readonly s: DeliverySettings) {}

  /** Runs one subscription over one partition (the protocol in the header). */
  async dispatchPartition(sub: SubscriptionRecord, partition: number, opts: { deadline?: number } = {}): Promise<PartitionOutcome> {
    const { clients, now } = this.s;
    const outcome: PartitionOutcome = { subscription: sub.name, topic: sub.topic, partition, delivered: 0, deadLettered: 0, failures: 0, state: 'idle' };
    const topicId = sub.topicId;
    if (!topicId) return outcome;
    const key: CursorKey = { topicId, subscriptionId: sub.subscriptionId, partition };
    const limits: RunLimits = {
      stopAt: Math.min(now() + this.s.budgetMs, opts.deadline !== undefined ? opts.deadline - 1_000 : Infinity),
      ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
    };
    for (let round = 0; round < 100; round++) {
      const head = await getHead(clients, topicId, partition);
      if (!head.exists) return outcome;
      const owner = `${this.instanceId}/${randomBytes(6).toString('base64url')}`;
      const t = now();
      const leaseUntil = limits.stopAt + this.s.targetTimeoutMs + this.s.inlineWaitMs + MARGIN_MS;
      const lease = await acquireLease(clients, key, owner, t, Math.max(leaseUntil, t + MARGIN_MS), 0);
      if (!lease.ok) return { ...outcome, state: outcome.delivered || outcome.deadLettered ? outcome.state : 'busy' };
      const end = await this.runHolding({ sub, key, owner, limits, outcome }, lease.value);
      outcome.state = end.state;
      if (end.wakeAt !== undefined) outcome.wakeAt = end.wakeAt;
      else delete outcome.wakeAt;
      if (end.state !== 'caught-up') return outcome;
      // Released: records committed while we held the lease were ours to see.
      const after = await getHead(clients, topicId, partition);
      if (after.nextOffset <= end.offset || now() >= limits.stopAt) return outcome;
    }
    return outcome;
  }

  /** A run while holding the lease, which is released at the end unless it was lost. */
  private async runHolding(run: Run, cursor: CursorState): Promise<RunEnd> {
    let end: RunEnd;
    try {
      end = await this.run(run, cursor);
    } catch (err) {
      await releaseLease(this.s.clients, run.key, run.owner).catch(() => {});
      throw err;
    }
    if (end.state !== 'lost-lease') await releaseLease(this.s.clients, run.key, run.owner, end.waitingSince);
    return end;
  }

  /** Delivers from the cursor while holding the lease; see the protocol. */
  private async run(run: Run, cursor: CursorState): Promise<RunEnd> {
    const retrying = cursor.attempts > 0;
    const at: Position = {
      offset: cursor.offset!,
      attempts: cursor.attempts,
      ...(retrying && cursor.pendingLast !== undefined ? { pendingLast: cursor.pendingLast } : {}),
      ...(retrying && cursor.retryAt !== undefined ? { retryAt: cursor.retryAt } : {}),
      ...(cursor.waitingSince !== undefined ? { waitingSince: cursor.waitingSince } : {}),
    };
    for (;;) {
      const now = this.s.now();
      if (now >= run.limits.stopAt) {
        return { state: 'budget', offset: at.offset, wakeAt: now, ...(at.waitingSince !== undefined ? { waitingSince: at.waitingSince } : {}) };
      }
      const retry = await this.awaitRetry(run, at, now);
      if (retry === AGAIN) continue;
      if (retry) return retry;
      const records = await this.read(run, at);
      if (records === AGAIN) continue;
      if (!Array.isArray(records)) return records;
      if (records.length === 0) return { state: 'caught-up', offset: at.offset };
      const window = await this.awaitWindow(run, at, records.length, now);
      if (window === AGAIN) continue;
      if (window) return window;
      const end = await this.deliverBatch(run, at, records);
      if (end) return end;
    }
  }

  /** A failed batch whose backoff runs: wait in-process if short, else end the run. */
  private async awaitRetry(run: Run, at: Position, now: number): Promise<RunEnd | typeof AGAIN | undefined> {
    if (at.pendingLast === undefined || at.retryAt === undefined || at.retryAt <= now) return undefined;
    const wait = at.retryAt - now;
    if (wait <= this.s.inlineWaitMs && now + wait < run.limits.stopAt) {
      await this.s.sleep(wait);
      return AGAIN;
    }
    return { state: 'retrying', offset: at.offset, wakeAt: at.retryAt };
  }

  /**
   * The records at the cursor: the failed batch again when retrying, else up to
   * batchSize. Records retention removed before delivery are dead-lettered, never
   * skipped silently.
   */
  private async read(run: Run, at: Position): Promise<FetchedRecord[] | RunEnd | typeof AGAIN> {
    const { sub, key } = run;
    const topic: TopicRecord = { name: sub.topic, topicId: key.topicId, partitions: key.partition + 1, config: {}, createdAt: 0 };
    let res: Awaited<ReturnType<typeof fetchRecords>>;
    try {
      res = await fetchRecords(this.s.clients, this.s.watch, topic, key.partition, {
        offset: at.offset,
        maxRecords: at.pendingLast !== undefined ? Math.max(1, at.pendingLast - at.offset + 1) : sub.batchSize,
        maxBytes: this.s.maxBatchBytes,
      });
    } catch (err) {
      const logStart = err instanceof OffsetOutOfRangeError ? err.details.logStartOffset : undefined;
      if (typeof logStart !== 'number' || at.offset >= logStart) throw err;
      const dl = this.deadLetter(run, at.offset, logStart - 1, at.attempts, {
        code: 'OFFSET_OUT_OF_RANGE',
        message: `Records ${at.offset}..${logStart - 1} were removed (retention) before they could be delivered.`,
      });
      if (!(await this.recordDeadLetter(run, dl)).ok) return { state: 'lost-lease', offset: at.offset };
      run.outcome.deadLettered += logStart - at.offset;
      moveTo(at, logStart);
      return AGAIN;
    }
    // A retry delivers the failed batch again: what key compaction left of it, nothing after.
    const records = at.pendingLast === undefined ? res.records : res.records.filter((r) => r.offset <= at.pendingLast!);
    if (records.length > 0) return records;
    // Only a gap (key compaction removed its records): nothing to deliver, move past it.
    const past = at.pendingLast === undefined ? res.nextOffset : Math.min(res.nextOffset, at.pendingLast + 1);
    if (past <= at.offset) return records;
    if (!(await advanceCursor(this.s.clients, key, run.owner, at.offset, past, this.s.now(), 0)).ok) return { state: 'lost-lease', offset: at.offset };
    moveTo(at, past);
    return AGAIN;
  }

  /** The batching window (not for a retry: that batch already waited). */
  private async awaitWindow(run: Run, at: Position, count: number, now: number): Promise<RunEnd | typeof AGAIN | undefined> {
    const { sub, key, owner, limits } = run;
    if (at.pendingLast !== undefined || count >= sub.batchSize || sub.maxBatchingWindowMs <= 0) return undefined;
    if (at.waitingSince === undefined) {
      at.waitingSince = now;
      if (!(await markWaiting(this.s.clients, key, owner, at.offset, now)).ok) return { state: 'lost-lease', offset: at.offset };
    }
    const due = at.waitingSince + sub.maxBatchingWindowMs;
    if (now >= due) return undefined;
    const wait = due - now;
    if (wait <= this.s.inlineWaitMs && now + wait < limits.stopAt) {
      await this.s.sleep(Math.min(wait, WINDOW_POLL_MS));
      return AGAIN; // read again: the batch may have filled up
    }
    return { state: 'waiting', offset: at.offset, wakeAt: due, waitingSince: at.waitingSince };
  }

  /** Delivers one batch and records what came of it; ends the run only when the lease was lost. */
  private async deliverBatch(run: Run, at: Position, records: FetchedRecord[]): Promise<RunEnd | undefined> {
    const { sub, key, owner, limits, outcome } = run;
    const { clients } = this.s;
    const last = records.at(-1)!.offset;
    const lost: RunEnd = { state: 'lost-lease', offset: at.offset };
    let now = this.s.now();
    const timeoutMs = Math.max(1_000, Math.min(this.s.targetTimeoutMs, limits.deadline !== undefined ? limits.deadline - now - 500 : Infinity));
    const result = await this.s.deliver(sub.target, kafkaEvent(sub.name, sub.topic, key.partition, records), { timeoutMs });
    now = this.s.now();
    if (result.ok) {
      if (!(await advanceCursor(clients, key, owner, at.offset, last + 1, now, records.length)).ok) return lost;
      outcome.delivered += records.length;
      moveTo(at, last + 1);
      return undefined;
    }
    outcome.failures++;
    if (result.stop) return { state: 'stopped', offset: at.offset };
    at.attempts++;
    this.s.logger.warn('delivery failed', {
      topic: sub.topic, subscription: sub.name, partition: key.partition, firstOffset: at.offset, lastOffset: last, attempts: at.attempts, error: result.error,
    });
    if (at.attempts > sub.maxRetries) {
      if (!(await this.recordDeadLetter(run, { ...this.deadLetter(run, at.offset, last, at.attempts, result.error), recordCount: records.length })).ok) return lost;
      outcome.deadLettered += records.length;
      moveTo(at, last + 1);
      return undefined;
    }
    at.pendingLast = last;
    at.retryAt = now + Math.min(this.s.backoff.capMs, this.s.backoff.baseMs * 2 ** (at.attempts - 1));
    const failure = { attempts: at.attempts, pendingLast: last, retryAt: at.retryAt, error: result.error, now };
    return (await recordFailure(clients, key, owner, at.offset, failure)).ok ? undefined : lost;
  }

  private deadLetter(run: Run, first: number, last: number, attempts: number, error: { code: string; message: string }): DeadLetterRecord {
    return {
      subscription: run.sub.name,
      subscriptionId: run.sub.subscriptionId,
      topic: run.sub.topic,
      topicId: run.key.topicId,
      partition: run.key.partition,
      firstOffset: first,
      lastOffset: last,
      recordCount: last + 1 - first,
      error,
      attempts,
      failedAt: this.s.now(),
    };
  }

  /**
   * The SQS copy first (a failure to send is noted on the entry, not retried forever:
   * the DynamoDB list always has it), then the entry and the cursor move in one go.
   */
  private async recordDeadLetter(run: Run, dl: DeadLetterRecord) {
    const queueUrl = run.sub.deadLetter?.queueUrl ?? this.s.defaultDeadLetterQueueUrl;
    if (queueUrl) dl.destination = await this.sendToQueue(queueUrl, dl);
    this.s.logger.warn('batch dead-lettered', { ...dl });
    return deadLetterAndAdvance(this.s.clients, run.key, run.owner, dl);
  }

  /** Sends the dead letter to its queue, three attempts; says where it went, or why not. */
  private async sendToQueue(queueUrl: string, dl: DeadLetterRecord): Promise<NonNullable<DeadLetterRecord['destination']>> {
    let error: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const messageId = await this.s.sendDeadLetter(queueUrl, dl);
        return { type: 'sqs', queueUrl, ...(messageId ? { messageId } : {}) };
      } catch (err) {
        error = err;
        if (isSluiceError(err) && !err.retriable) break; // a refused queue URL stays refused
        await this.s.sleep(100 * 2 ** attempt);
      }
    }
    this.s.logger.error('could not send the dead letter to SQS', { queueUrl, topic: dl.topic, subscription: dl.subscription, error: describe(error) });
    return { type: 'sqs', queueUrl, error: describe(error) };
  }
}

/** The cursor moved past a batch: a fresh position with no retry and no window. */
function moveTo(at: Position, offset: number): void {
  at.offset = offset;
  at.attempts = 0;
  delete at.pendingLast;
  delete at.retryAt;
  delete at.waitingSince;
}

export function describe(err: unknown): string {
  if (isSluiceError(err)) return `${err.code}: ${err.message}`;
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}
