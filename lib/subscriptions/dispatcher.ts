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
// For each (subscription, partition) it runs the delivery protocol of delivery.ts: a
// lease on the cursor, read, batching window, deliver, then advance, retry or
// dead-letter, each write conditional on the lease.
//
// Guarantees. Per partition, batches go out in offset order, one at a time. A batch is
// never skipped: the cursor only moves past records that were delivered successfully or
// dead-lettered (records removed by retention before delivery are dead-lettered too,
// as OFFSET_OUT_OF_RANGE). Delivery is at-least-once: a dispatcher that dies after the
// target succeeded and before the cursor moved leaves the batch to be delivered again
// when its lease expires; a target call that timed out may have run. A lost condition
// (lease expired and taken over) stops the run without recording anything.
//
// Subscriptions of other kinds (sink connectors, lib/connect) come from their own stores
// (kinds.ts) and run through the same protocol: their batches go to the kind's deliver.
import { inParallel } from '../core/parallel.ts';
import { sleep } from '../core/time.ts';
import { HeadWatch } from '../log/watch.ts';
import type { StorageClients } from '../storage/clients.ts';
import { listHeads } from '../storage/metadata.ts';
import { SubscriptionCatalog } from './catalog.ts';
import { readCursors, type CursorState } from './cursorStore.ts';
import { describe, PartitionDelivery, type DispatcherLogger, type PartitionOutcome } from './delivery.ts';
import { drives, type SubscriptionRecord } from './model.ts';
import { listBindings } from './store.ts';
import { createSqsSender, type SendDeadLetter } from './sqs.ts';
import { createDeliver, type Deliver } from './targets.ts';
import { composeDeliver, type SubscriptionKind } from './kinds.ts';

export type { DispatcherLogger, PartitionOutcome };

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
  /** Subscriptions of other kinds (sink connectors) this dispatcher runs too. */
  kinds?: readonly SubscriptionKind[];
  /** Run the subscriptions of the catalog (default true); false: only `kinds`. */
  subscriptions?: boolean;
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

export class Dispatcher {
  readonly catalog: SubscriptionCatalog;
  private readonly delivery: PartitionDelivery;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly inlineWaitMs: number;
  private readonly concurrency: number;
  private readonly logger: DispatcherLogger;
  private readonly kinds: readonly SubscriptionKind[];
  private readonly ownSubscriptions: boolean;

  constructor(
    readonly clients: StorageClients,
    opts: DispatcherOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => sleep(ms));
    this.catalog = new SubscriptionCatalog(clients, { now: this.now });
    this.inlineWaitMs = opts.inlineWaitMs ?? 2_000;
    this.concurrency = opts.concurrency ?? 32;
    this.logger = opts.logger ?? SILENT;
    this.kinds = opts.kinds ?? [];
    this.ownSubscriptions = opts.subscriptions ?? true;
    const deliver = opts.deliver ?? createDeliver({
      allowModules: opts.allowModules ?? false,
      allowLoopback: opts.allowLoopback ?? false,
      ...(opts.moduleDirs ? { moduleDirs: opts.moduleDirs } : {}),
    });
    this.delivery = new PartitionDelivery({
      clients,
      watch: new HeadWatch(clients),
      deliver: composeDeliver(deliver, this.kinds),
      sendDeadLetter: opts.sendDeadLetter ?? createSqsSender(),
      ...(opts.defaultDeadLetterQueueUrl ? { defaultDeadLetterQueueUrl: opts.defaultDeadLetterQueueUrl } : {}),
      now: this.now,
      sleep: this.sleep,
      budgetMs: opts.budgetMs ?? 25_000,
      inlineWaitMs: this.inlineWaitMs,
      targetTimeoutMs: opts.targetTimeoutMs ?? 60_000,
      backoff: opts.backoff ?? { baseMs: 1_000, capMs: 60_000 },
      maxBatchBytes: opts.maxBatchBytes ?? 4 * 1024 * 1024,
      logger: this.logger,
    });
  }

  /**
   * One batch of the partitions table's stream. Runs every (subscription, partition)
   * whose head moved, concurrently. Storage failures are reported per stream record (so
   * Lambda retries those); target failures never are (they are retried and dead-lettered
   * here).
   */
  async handleStreamRecords(records: readonly PartitionStreamRecord[], opts: { deadline?: number } = {}): Promise<StreamReport> {
    const failed = new Set<string>();
    const outcomes: PartitionOutcome[] = [];
    const bindings = new Map<string, Promise<SubscriptionRecord[]>>();
    const bindingsOf = (topicId: string) => {
      let b = bindings.get(topicId);
      if (!b) bindings.set(topicId, (b = this.bindingsOf(topicId)));
      return b;
    };
    await inParallel([...movedPartitions(records).values()], this.concurrency, async (e) => {
      let subs: SubscriptionRecord[];
      try {
        subs = await bindingsOf(e.topicId);
      } catch (err) {
        this.logger.error('could not read subscriptions', { topicId: e.topicId, error: describe(err) });
        for (const s of e.sequences) failed.add(s);
        return;
      }
      await Promise.all(
        subs.filter((sub) => drives(sub, e.partition)).map(async (sub) => {
          try {
            outcomes.push(await this.dispatchPartition(sub, e.partition, opts));
          } catch (err) {
            this.logger.error('dispatch failed', { topic: sub.topic, subscription: sub.name, partition: e.partition, error: describe(err) });
            for (const s of e.sequences) failed.add(s);
          }
        }),
      );
    });
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
    const add = (record: SubscriptionRecord, topicId: string, partitions: number) => {
      const entry = byTopic.get(topicId) ?? { partitions, subs: [] };
      entry.subs.push(record);
      byTopic.set(topicId, entry);
    };
    if (this.ownSubscriptions) {
      for (const { record, topic } of await this.catalog.bindAll()) {
        if (topic && record.topicId === topic.topicId) add(record, topic.topicId, topic.partitions); // else pending
      }
    }
    for (const kind of this.kinds) for (const { record, partitions } of await kind.bound()) add(record, record.topicId!, partitions);
    const plans = await inParallel([...byTopic], this.concurrency, ([topicId, { partitions, subs }]) => this.plan(topicId, partitions, subs, now));
    const due = plans.flatMap((p) => p.due);
    let lagging = plans.reduce((n, p) => n + p.lagging, 0);
    const wakes = plans.flatMap((p) => p.wakes);
    const outcomes = (
      await inParallel(due, this.concurrency, async ({ sub, partition }) => {
        try {
          return [await this.dispatchPartition(sub, partition, opts)];
        } catch (err) {
          this.logger.error('sweep dispatch failed', { topic: sub.topic, subscription: sub.name, partition, error: describe(err) });
          return [];
        }
      })
    ).flat();
    for (const o of outcomes) if (o.wakeAt !== undefined) wakes.push(o.wakeAt);
    lagging += outcomes.filter((o) => o.state !== 'caught-up' && o.state !== 'idle' && o.state !== 'stopped').length;
    return { outcomes, lagging, ...(wakes.length > 0 ? { nextWakeAt: Math.min(...wakes) } : {}) };
  }

  /**
   * Which partitions of one topic a sweep runs now: those behind their head (or behind
   * the log start: records to dead-letter), unless someone holds the lease or a window
   * or backoff has longer than inlineWaitMs to go (those count as lagging).
   */
  private async plan(topicId: string, partitions: number, subs: SubscriptionRecord[], now: number) {
    const heads = await listHeads(this.clients, topicId, partitions);
    const due: { sub: SubscriptionRecord; partition: number }[] = [];
    const wakes: number[] = [];
    let lagging = 0;
    for (const sub of subs) {
      const cursors = await readCursors(this.clients, topicId, sub.subscriptionId);
      for (const h of heads) {
        if (!h.exists || !drives(sub, h.partition)) continue;
        const c = cursors.get(h.partition);
        const at = c?.offset ?? 0;
        if (h.nextOffset <= at && at >= h.logStartOffset) continue;
        if (c?.leaseOwner && (c.leaseExpiresAt ?? 0) >= now) {
          lagging++; // someone is on it
          continue;
        }
        const wakeAt = dueAt(sub, c);
        if (wakeAt !== undefined && wakeAt - now > this.inlineWaitMs) {
          lagging++;
          wakes.push(wakeAt);
          continue;
        }
        due.push({ sub, partition: h.partition });
      }
    }
    return { due, wakes, lagging };
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

  /** The subscriptions bound to a topic incarnation, of every kind this dispatcher runs. */
  private async bindingsOf(topicId: string): Promise<SubscriptionRecord[]> {
    const all = await Promise.all([this.ownSubscriptions ? listBindings(this.clients, topicId) : [], ...this.kinds.map((k) => k.bindings(topicId))]);
    return all.flat();
  }

  /** Runs one subscription over one partition (delivery.ts's protocol). */
  dispatchPartition(sub: SubscriptionRecord, partition: number, opts: { deadline?: number } = {}): Promise<PartitionOutcome> {
    return this.delivery.dispatchPartition(sub, partition, opts);
  }
}

/** When a partition's pending window or backoff comes due (undefined: nothing pending). */
function dueAt(sub: SubscriptionRecord, c: CursorState | undefined): number | undefined {
  if (!c) return undefined;
  if (c.attempts > 0 && c.retryAt !== undefined) return c.retryAt;
  if (c.waitingSince !== undefined && sub.maxBatchingWindowMs > 0) return c.waitingSince + sub.maxBatchingWindowMs;
  return undefined;
}

/** The partitions whose head moved in a stream batch, with the sequence numbers that moved them. */
function movedPartitions(records: readonly PartitionStreamRecord[]) {
  const moved = new Map<string, { topicId: string; partition: number; sequences: string[] }>();
  for (const r of records) {
    const p = movedPartition(r);
    if (!p) continue;
    const k = `${p.topicId}#${p.partition}`;
    let e = moved.get(k);
    if (!e) moved.set(k, (e = { topicId: p.topicId, partition: p.partition, sequences: [] }));
    if (r.dynamodb?.SequenceNumber) e.sequences.push(r.dynamodb.SequenceNumber);
  }
  return moved;
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
