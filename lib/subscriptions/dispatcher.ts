// The dispatcher: delivers a topic's records to its subscriptions, per partition in
// offset order, at least once, never skipping a batch silently.
//
// What drives it. The partitions table's stream (NEW_AND_OLD_IMAGES): every committed
// append changes a head's nextOffset. For each stream record whose nextOffset moved
// (maintenance also rewrites heads; those records are ignored), every subscription bound
// to that topic id gets a run over that partition. Locally the dev server polls DynamoDB
// Local's stream the same way (lib/local/streams.ts). A sweep (every minute deployed, every
// second locally) does the same for every partition with lag: it recovers whatever a
// stream invocation left (a batching window or retry backoff still running, a crash, a
// stream batch Lambda gave up on), and binds pending subscriptions to new topics.
//
// The protocol for one (subscription, partition):
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
// Guarantees. Per partition, batches go out in offset order, one at a time. A batch is
// never skipped: the cursor only moves past records that were delivered successfully or
// dead-lettered (records removed by retention before delivery are dead-lettered too,
// as OFFSET_OUT_OF_RANGE). Delivery is at-least-once: a dispatcher that dies after the
// target succeeded and before the cursor moved leaves the batch to be delivered again
// when its lease expires; a target call that timed out may have run. A lost condition
// (lease expired and taken over) stops the run without recording anything.
import { randomBytes } from 'node:crypto';
import { isSluiceError, OffsetOutOfRangeError } from '../core/errors.ts';
import { fetchRecords, type FetchedRecord } from '../log/fetch.ts';
import { HeadWatch } from '../log/watch.ts';
import type { StorageClients } from '../storage/clients.ts';
import { getHead, listHeads, type TopicRecord } from '../storage/metadata.ts';
import {
  acquireLease,
  advanceCursor,
  deadLetterAndAdvance,
  listBindings,
  markWaiting,
  readCursors,
  recordFailure,
  releaseLease,
  type CursorKey,
  type CursorState,
} from '../storage/subscriptions.ts';
import { SubscriptionCatalog } from './catalog.ts';
import type { DeadLetterRecord, SubscriptionRecord } from './model.ts';
import { createSqsSender, type SendDeadLetter } from './sqs.ts';
import { createDeliver, kafkaEvent, type Deliver } from './targets.ts';
import { sleep } from '../core/time.ts';

export interface DispatcherLogger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

const SILENT: DispatcherLogger = { info() {}, warn() {}, error() {} };

export interface DispatcherOptions {
  /** Delivery to targets; default: Lambda, HTTP, and module targets only if allowModules. */
  deliver?: Deliver;
  /** Import module targets in-process (the local dev server only). */
  allowModules?: boolean;
  /** Directories module targets must lie in (default: the working directory). */
  moduleDirs?: readonly string[];
  /** Let http targets reach loopback addresses (the local dev server only). */
  allowLoopback?: boolean;
  /** SQS copy of dead letters; default: SendMessage to checked queue URLs (sqs.ts). */
  sendDeadLetter?: SendDeadLetter;
  /** Queue for subscriptions without their own deadLetter (deployed: the platform's queue). */
  defaultDeadLetterQueueUrl?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How long one run over a partition keeps starting batches. Default 25 s. */
  budgetMs?: number;
  /** Longest in-process wait for a batching window or a retry backoff. Default 2 s. */
  inlineWaitMs?: number;
  /** Longest wait for a target. Default 60 s. */
  targetTimeoutMs?: number;
  /** Retry backoff: base * 2^(attempt-1), capped. Default 1 s, 60 s. */
  backoff?: { baseMs: number; capMs: number };
  /** Partition runs at once per invocation. Default 32. */
  concurrency?: number;
  /** Records fetched per batch at most, by bytes (Lambda's payload limit is 6 MB). Default 4 MB. */
  maxBatchBytes?: number;
  logger?: DispatcherLogger;
}

/** The parts of a DynamoDB stream record the dispatcher reads (Lambda's shape). */
export interface PartitionStreamRecord {
  eventName?: string;
  dynamodb?: {
    Keys?: Record<string, { S?: string; N?: string }>;
    NewImage?: Record<string, { S?: string; N?: string } | undefined>;
    OldImage?: Record<string, { S?: string; N?: string } | undefined>;
    SequenceNumber?: string;
  };
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
  state: 'caught-up' | 'busy' | 'waiting' | 'retrying' | 'budget' | 'lost-lease' | 'idle';
  /** When this partition wants to be looked at again (a window or a backoff running). */
  wakeAt?: number;
}

export interface StreamReport {
  /** Sequence numbers of stream records whose dispatch failed (Lambda retries those). */
  failed: string[];
  outcomes: PartitionOutcome[];
}

export interface SweepReport {
  outcomes: PartitionOutcome[];
  /** (Subscription, partition) pairs left with undelivered records after this sweep. */
  lagging: number;
  /** Earliest wakeAt of all outcomes (a window or backoff to come back for). */
  nextWakeAt?: number;
}

interface RunLimits {
  /** No batch starts after this (dispatcher clock). */
  stopAt: number;
  /** Hard end of the invocation, if known: target calls never run past it. */
  deadline?: number;
}

const MARGIN_MS = 15_000;
const WINDOW_POLL_MS = 200;

export class Dispatcher {
  readonly catalog: SubscriptionCatalog;
  private readonly deliver: Deliver;
  private readonly sendDeadLetter: SendDeadLetter;
  private readonly watch: HeadWatch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly budgetMs: number;
  private readonly inlineWaitMs: number;
  private readonly targetTimeoutMs: number;
  private readonly backoff: { baseMs: number; capMs: number };
  private readonly concurrency: number;
  private readonly maxBatchBytes: number;
  private readonly logger: DispatcherLogger;
  private readonly instanceId = randomBytes(6).toString('base64url');

  constructor(
    readonly clients: StorageClients,
    private readonly opts: DispatcherOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => sleep(ms));
    this.catalog = new SubscriptionCatalog(clients, { now: this.now });
    this.deliver =
      opts.deliver ??
      createDeliver({
        allowModules: opts.allowModules ?? false,
        allowLoopback: opts.allowLoopback ?? false,
        ...(opts.moduleDirs ? { moduleDirs: opts.moduleDirs } : {}),
      });
    this.sendDeadLetter = opts.sendDeadLetter ?? createSqsSender();
    this.watch = new HeadWatch(clients);
    this.budgetMs = opts.budgetMs ?? 25_000;
    this.inlineWaitMs = opts.inlineWaitMs ?? 2_000;
    this.targetTimeoutMs = opts.targetTimeoutMs ?? 60_000;
    this.backoff = opts.backoff ?? { baseMs: 1_000, capMs: 60_000 };
    this.concurrency = opts.concurrency ?? 32;
    this.maxBatchBytes = opts.maxBatchBytes ?? 4 * 1024 * 1024;
    this.logger = opts.logger ?? SILENT;
  }

  /**
   * One batch of the partitions table's stream. Runs every (subscription, partition)
   * whose head moved, concurrently. Storage failures are reported per stream record (so
   * Lambda retries those); target failures never are (they are retried and dead-lettered
   * here).
   */
  async handleStreamRecords(records: readonly PartitionStreamRecord[], opts: { deadline?: number } = {}): Promise<StreamReport> {
    const moved = new Map<string, { topicId: string; partition: number; sequences: string[] }>();
    for (const r of records) {
      const p = movedPartition(r);
      if (!p) continue;
      const k = `${p.topicId}#${p.partition}`;
      let e = moved.get(k);
      if (!e) moved.set(k, (e = { topicId: p.topicId, partition: p.partition, sequences: [] }));
      if (r.dynamodb?.SequenceNumber) e.sequences.push(r.dynamodb.SequenceNumber);
    }
    const failed = new Set<string>();
    const outcomes: PartitionOutcome[] = [];
    const bindings = new Map<string, Promise<SubscriptionRecord[]>>();
    const tasks: (() => Promise<void>)[] = [];
    for (const e of moved.values()) {
      tasks.push(async () => {
        let subs: SubscriptionRecord[];
        try {
          let b = bindings.get(e.topicId);
          if (!b) bindings.set(e.topicId, (b = listBindings(this.clients, e.topicId)));
          subs = await b;
        } catch (err) {
          this.logger.error('could not read subscriptions', { topicId: e.topicId, error: describe(err) });
          for (const s of e.sequences) failed.add(s);
          return;
        }
        await Promise.all(
          subs.map(async (sub) => {
            try {
              outcomes.push(await this.dispatchPartition(sub, e.partition, opts));
            } catch (err) {
              this.logger.error('dispatch failed', { topic: sub.topic, subscription: sub.name, partition: e.partition, error: describe(err) });
              for (const s of e.sequences) failed.add(s);
            }
          }),
        );
      });
    }
    await runLimited(tasks, this.concurrency);
    return { failed: [...failed], outcomes };
  }

  /**
   * One pass over every subscription: binds pending ones whose topic now exists, then
   * runs every partition with undelivered records (skipping those whose lease is held or
   * whose window or backoff has more than inlineWaitMs to go).
   */
  async sweep(opts: { deadline?: number } = {}): Promise<SweepReport> {
    const now = this.now();
    const byTopic = new Map<string, { partitions: number; subs: SubscriptionRecord[] }>();
    for (const { record, topic } of await this.catalog.bindAll()) {
      if (!topic || record.topicId !== topic.topicId) continue; // pending
      const entry = byTopic.get(topic.topicId) ?? { partitions: topic.partitions, subs: [] };
      entry.subs.push(record);
      byTopic.set(topic.topicId, entry);
    }
    const tasks: (() => Promise<void>)[] = [];
    const outcomes: PartitionOutcome[] = [];
    let lagging = 0;
    let nextWakeAt: number | undefined;
    const wake = (t: number | undefined) => {
      if (t !== undefined && (nextWakeAt === undefined || t < nextWakeAt)) nextWakeAt = t;
    };
    await runLimited(
      [...byTopic.entries()].map(([topicId, { partitions, subs }]) => async () => {
        const heads = await listHeads(this.clients, topicId, partitions);
        for (const sub of subs) {
          const cursors = await readCursors(this.clients, topicId, sub.subscriptionId);
          for (const h of heads) {
            if (!h.exists) continue;
            const c = cursors.get(h.partition);
            // Behind the head, or behind the log start (records to dead-letter).
            const at = c?.offset ?? 0;
            if (h.nextOffset <= at && at >= h.logStartOffset) continue;
            if (c?.leaseOwner && (c.leaseExpiresAt ?? 0) >= now) {
              lagging++; // someone is on it
              continue;
            }
            const due = dueAt(sub, c);
            if (due !== undefined && due - now > this.inlineWaitMs) {
              lagging++;
              wake(due);
              continue;
            }
            tasks.push(async () => {
              try {
                const o = await this.dispatchPartition(sub, h.partition, opts);
                outcomes.push(o);
                wake(o.wakeAt);
              } catch (err) {
                this.logger.error('sweep dispatch failed', { topic: sub.topic, subscription: sub.name, partition: h.partition, error: describe(err) });
              }
            });
          }
        }
      }),
      this.concurrency,
    );
    await runLimited(tasks, this.concurrency);
    lagging += outcomes.filter((o) => o.state !== 'caught-up' && o.state !== 'idle').length;
    return { outcomes, lagging, ...(nextWakeAt !== undefined ? { nextWakeAt } : {}) };
  }

  /**
   * Sweeps until `until` while there is work only a sweep will do: again when a window or
   * a backoff comes due, and right away when a run stopped on its budget with records
   * left. Lag whose lease someone holds is theirs (a stream invocation): no reason to stay.
   * What the scheduled invocation runs.
   */
  async sweepUntil(until: number): Promise<SweepReport[]> {
    const reports: SweepReport[] = [];
    for (;;) {
      const report = await this.sweep({ deadline: until });
      reports.push(report);
      const now = this.now();
      const more = report.outcomes.some((o) => o.state === 'budget');
      const next = more ? now : report.nextWakeAt;
      if (next === undefined || next >= until - 1_000) return reports;
      await this.sleep(Math.max(0, next - now));
    }
  }

  /** Runs one subscription over one partition (the protocol in the header). */
  async dispatchPartition(sub: SubscriptionRecord, partition: number, opts: { deadline?: number } = {}): Promise<PartitionOutcome> {
    const topicId = sub.topicId;
    const base = { subscription: sub.name, topic: sub.topic, partition, delivered: 0, deadLettered: 0, failures: 0 };
    if (!topicId) return { ...base, state: 'idle' };
    const key: CursorKey = { topicId, subscriptionId: sub.subscriptionId, partition };
    const started = this.now();
    const limits: RunLimits = {
      stopAt: Math.min(started + this.budgetMs, opts.deadline !== undefined ? opts.deadline - 1_000 : Infinity),
      ...(opts.deadline !== undefined ? { deadline: opts.deadline } : {}),
    };
    const outcome: PartitionOutcome = { ...base, state: 'idle' };
    for (let round = 0; round < 100; round++) {
      const head = await getHead(this.clients, topicId, partition);
      if (!head.exists) return outcome;
      const owner = `${this.instanceId}/${randomBytes(6).toString('base64url')}`;
      const now = this.now();
      const leaseUntil = limits.stopAt + this.targetTimeoutMs + this.inlineWaitMs + MARGIN_MS;
      const state = await acquireLease(this.clients, key, owner, now, Math.max(leaseUntil, now + MARGIN_MS), 0);
      if (!state) return { ...outcome, state: outcome.delivered || outcome.deadLettered ? outcome.state : 'busy' };
      let end: { state: PartitionOutcome['state']; offset: number; wakeAt?: number; waitingSince?: number };
      try {
        end = await this.run(sub, key, owner, state, limits, outcome);
      } catch (err) {
        await releaseLease(this.clients, key, owner).catch(() => {});
        throw err;
      }
      if (end.state !== 'lost-lease') await releaseLease(this.clients, key, owner, end.waitingSince);
      outcome.state = end.state;
      if (end.wakeAt !== undefined) outcome.wakeAt = end.wakeAt;
      else delete outcome.wakeAt;
      if (end.state !== 'caught-up') return outcome;
      // Released: records committed while we held the lease were ours to see.
      const after = await getHead(this.clients, topicId, partition);
      if (after.nextOffset <= end.offset || this.now() >= limits.stopAt) return outcome;
    }
    return outcome;
  }

  /** Delivers from the cursor while holding the lease; see the protocol. */
  private async run(
    sub: SubscriptionRecord,
    key: CursorKey,
    owner: string,
    state: CursorState,
    limits: RunLimits,
    outcome: PartitionOutcome,
  ): Promise<{ state: PartitionOutcome['state']; offset: number; wakeAt?: number; waitingSince?: number }> {
    const topic: TopicRecord = { name: sub.topic, topicId: key.topicId, partitions: key.partition + 1, config: {}, createdAt: 0 };
    let offset = state.offset!;
    let attempts = state.attempts;
    let pendingLast = attempts > 0 ? state.pendingLast : undefined;
    let retryAt = attempts > 0 ? state.retryAt : undefined;
    let waitingSince = state.waitingSince;

    for (;;) {
      let now = this.now();
      if (now >= limits.stopAt) return { state: 'budget', offset, wakeAt: now, ...(waitingSince !== undefined ? { waitingSince } : {}) };

      if (pendingLast !== undefined && retryAt !== undefined && retryAt > now) {
        const wait = retryAt - now;
        if (wait <= this.inlineWaitMs && now + wait < limits.stopAt) {
          await this.sleep(wait);
          continue;
        }
        return { state: 'retrying', offset, wakeAt: retryAt };
      }

      let records: FetchedRecord[];
      try {
        const res = await fetchRecords(this.clients, this.watch, topic, key.partition, {
          offset,
          maxRecords: pendingLast !== undefined ? Math.max(1, pendingLast - offset + 1) : sub.batchSize,
          maxBytes: this.maxBatchBytes,
        });
        records = res.records;
      } catch (err) {
        if (err instanceof OffsetOutOfRangeError && typeof err.details.logStartOffset === 'number' && offset < err.details.logStartOffset) {
          // Retention removed records before they were delivered: never skip silently.
          const logStart = err.details.logStartOffset;
          const dl = this.deadLetter(sub, key, offset, logStart - 1, attempts, {
            code: 'OFFSET_OUT_OF_RANGE',
            message: `Records ${offset}..${logStart - 1} were removed (retention) before they could be delivered.`,
          });
          if (!(await this.recordDeadLetter(sub, key, owner, dl))) return { state: 'lost-lease', offset };
          outcome.deadLettered += logStart - offset;
          offset = logStart;
          attempts = 0;
          pendingLast = retryAt = waitingSince = undefined;
          continue;
        }
        throw err;
      }
      if (records.length === 0) return { state: 'caught-up', offset };

      // The batching window (not for a retry: that batch already waited).
      if (pendingLast === undefined && records.length < sub.batchSize && sub.maxBatchingWindowMs > 0) {
        if (waitingSince === undefined) {
          waitingSince = now;
          if (!(await markWaiting(this.clients, key, owner, offset, waitingSince))) return { state: 'lost-lease', offset };
        }
        const due = waitingSince + sub.maxBatchingWindowMs;
        if (now < due) {
          const wait = due - now;
          if (wait <= this.inlineWaitMs && now + wait < limits.stopAt) {
            await this.sleep(Math.min(wait, WINDOW_POLL_MS));
            continue; // read again: the batch may have filled up
          }
          return { state: 'waiting', offset, wakeAt: due, waitingSince };
        }
      }

      const last = records.at(-1)!.offset;
      now = this.now();
      const timeoutMs = Math.max(1_000, Math.min(this.targetTimeoutMs, limits.deadline !== undefined ? limits.deadline - now - 500 : Infinity));
      const result = await this.deliver(sub.target, kafkaEvent(sub.name, sub.topic, key.partition, records), { timeoutMs });
      now = this.now();
      if (result.ok) {
        if (!(await advanceCursor(this.clients, key, owner, offset, last + 1, now))) return { state: 'lost-lease', offset };
        outcome.delivered += last + 1 - offset;
        offset = last + 1;
        attempts = 0;
        pendingLast = retryAt = waitingSince = undefined;
        continue;
      }

      outcome.failures++;
      attempts++;
      this.logger.warn('delivery failed', {
        topic: sub.topic, subscription: sub.name, partition: key.partition, firstOffset: offset, lastOffset: last, attempts, error: result.error,
      });
      if (attempts > sub.maxRetries) {
        const dl = this.deadLetter(sub, key, offset, last, attempts, result.error);
        if (!(await this.recordDeadLetter(sub, key, owner, dl))) return { state: 'lost-lease', offset };
        outcome.deadLettered += last + 1 - offset;
        offset = last + 1;
        attempts = 0;
        pendingLast = retryAt = waitingSince = undefined;
        continue;
      }
      pendingLast = last;
      retryAt = now + Math.min(this.backoff.capMs, this.backoff.baseMs * 2 ** (attempts - 1));
      const ok = await recordFailure(this.clients, key, owner, offset, { attempts, pendingLast, retryAt, error: result.error, now });
      if (!ok) return { state: 'lost-lease', offset };
    }
  }

  private deadLetter(
    sub: SubscriptionRecord,
    key: CursorKey,
    first: number,
    last: number,
    attempts: number,
    error: { code: string; message: string },
  ): DeadLetterRecord {
    return {
      subscription: sub.name,
      subscriptionId: sub.subscriptionId,
      topic: sub.topic,
      topicId: key.topicId,
      partition: key.partition,
      firstOffset: first,
      lastOffset: last,
      recordCount: last + 1 - first,
      error,
      attempts,
      failedAt: this.now(),
    };
  }

  /**
   * The SQS copy first (a failure to send is noted on the entry, not retried forever:
   * the DynamoDB list always has it), then the entry and the cursor move in one go.
   */
  private async recordDeadLetter(sub: SubscriptionRecord, key: CursorKey, owner: string, dl: DeadLetterRecord): Promise<boolean> {
    const queueUrl = sub.deadLetter?.queueUrl ?? this.opts.defaultDeadLetterQueueUrl;
    if (queueUrl) {
      let error: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const messageId = await this.sendDeadLetter(queueUrl, dl);
          dl.destination = { type: 'sqs', queueUrl, ...(messageId ? { messageId } : {}) };
          error = undefined;
          break;
        } catch (err) {
          error = err;
          if (isSluiceError(err) && !err.retriable) break; // a refused queue URL stays refused
          await this.sleep(100 * 2 ** attempt);
        }
      }
      if (error !== undefined) {
        dl.destination = { type: 'sqs', queueUrl, error: describe(error) };
        this.logger.error('could not send the dead letter to SQS', { queueUrl, topic: dl.topic, subscription: dl.subscription, error: describe(error) });
      }
    }
    this.logger.warn('batch dead-lettered', { ...dl });
    return deadLetterAndAdvance(this.clients, key, owner, dl);
  }
}

/** When a partition's pending window or backoff comes due (undefined: nothing pending). */
function dueAt(sub: SubscriptionRecord, c: CursorState | undefined): number | undefined {
  if (!c) return undefined;
  if (c.attempts > 0 && c.retryAt !== undefined) return c.retryAt;
  if (c.waitingSince !== undefined && sub.maxBatchingWindowMs > 0) return c.waitingSince + sub.maxBatchingWindowMs;
  return undefined;
}

/** (topicId, partition) of a stream record whose head's nextOffset grew, else undefined. */
export function movedPartition(r: PartitionStreamRecord): { topicId: string; partition: number } | undefined {
  if (r.eventName !== 'INSERT' && r.eventName !== 'MODIFY') return undefined;
  const keys = r.dynamodb?.Keys ?? {};
  const topicId = keys.topicId?.S;
  const partition = keys.partition?.N === undefined ? undefined : Number(keys.partition.N);
  if (!topicId || partition === undefined || !Number.isInteger(partition)) return undefined;
  const next = Number(r.dynamodb?.NewImage?.nextOffset?.N ?? 0);
  const prev = Number(r.dynamodb?.OldImage?.nextOffset?.N ?? 0);
  return next > prev ? { topicId, partition } : undefined;
}

async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

function describe(err: unknown): string {
  if (isSluiceError(err)) return `${err.code}: ${err.message}`;
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`;
}
