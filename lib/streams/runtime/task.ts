// One task of a processor (one partition number of one sub-topology) run against the
// platform: its input partitions in offset order, one batch at a time.
//
//   runBatch (one attempt, nothing kept between attempts):
//     1. read the task item: committed state and its version
//     2. read each input partition from its committed position (at most maxBatchRecords)
//     3. run the engine on them with the DynamoDB backend (reads only), cut where the
//        commit would no longer fit one transaction (commit.ts commitFits)
//     4. commit outputs, state writes and task item in ONE transaction (commit.ts); the
//        task item carries the batch's wakeAt (when a tick with no input has work next)
//   runTask: runBatch until the task has caught up. A batch that throws, or whose engine
//     run stopped at a failing record, is retried with backoff; after `attempts` the task
//     stops at that offset with the error recorded on its item (Processors.describe shows
//     it), like Kafka Streams' default FAIL. A lost version race (another instance, a
//     reset) is no failure: the batch runs again from what is committed.
//
// Anything before the commit may crash: the next attempt (or instance) starts again from
// step 1 with the committed position and state, so every effect happens exactly once.
import { ConcurrentModificationError, SluiceError } from '../../core/errors.ts';
import { fullJitter, sleep } from '../../core/time.ts';
import type { FetchedRecord, Log } from '../../log/index.ts';
import type { BatchResult } from '../engine/batch.ts';
import type { StreamsEngine } from '../engine/engine.ts';
import { partitionKey, taskKey, type InputRecord, type TaskId } from '../engine/types.ts';
import type { DynamoStoreBackend } from '../stores/dynamo/backend.ts';
import type { ProcessorError, ProcessorStore, TaskRecord } from '../store.ts';
import { commitBatch, commitFits } from './commit.ts';

export interface TaskRunnerOptions {
  /** Records read per input partition per batch (default 500). */
  maxBatchRecords?: number;
  /** Attempts of a failing batch before the task stops (default 5). */
  attempts?: number;
  backoff?: { baseMs: number; maxMs: number };
  now?: () => number;
}

export interface BatchOutcome {
  /** Input records the committed batch consumed. */
  consumed: number;
  /** Whether more input (or pending work) is left after this batch. */
  more: boolean;
  /** The engine stopped at a record with this error (what it consumed before is committed). */
  error?: SluiceError;
  at?: { topic: string; partition: number; offset: number };
}

export type TaskOutcome = { status: 'caught-up'; records: number } | { status: 'stopped'; error: ProcessorError };

export interface TaskDeps {
  log: Log;
  store: ProcessorStore;
  backend: DynamoStoreBackend;
  engine: StreamsEngine;
  processor: string;
  incarnation: string;
}

function inputOf(topic: string, partition: number, r: FetchedRecord): InputRecord {
  return { topic, partition, offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers };
}

/** Merges per-partition runs by timestamp, keeping each partition's offset order. */
function mergeByTime(runs: InputRecord[][]): InputRecord[] {
  const out: InputRecord[] = [];
  const at = runs.map(() => 0);
  for (;;) {
    let best = -1;
    runs.forEach((run, i) => {
      const r = run[at[i]!];
      if (r && (best < 0 || r.timestamp < runs[best]![at[best]!]!.timestamp)) best = i;
    });
    if (best < 0) return out;
    out.push(runs[best]![at[best]!++]!);
  }
}

const errorOf = (err: unknown, now: number, where?: BatchOutcome['at']): ProcessorError => ({
  code: err instanceof SluiceError ? err.code : 'UNKNOWN_SERVER_ERROR',
  message: err instanceof Error ? err.message : String(err),
  at: now,
  ...(where ?? {}),
});

/**
 * Whether a batch has anything to commit: records consumed, outputs, state writes, or
 * (on a tick with no records) a punctuation schedule moved on or a new wake-up time.
 * Nothing is committed for a batch that changed nothing (it failed on its first record,
 * or a tick found no work): a tick that only moved stream time by idle advance leaves it
 * to be worked out again from the anchor, so a quiet task costs no write per tick.
 */
function worthCommitting(committed: TaskRecord, result: BatchResult): boolean {
  if (result.consumed > 0 || result.outputs.length > 0 || result.mutations.length > 0) return true;
  if (result.wakeAt !== committed.wakeAt) return true;
  return JSON.stringify(result.state.punctuations) !== JSON.stringify(committed.state?.punctuations ?? {});
}

export class TaskRunner {
  private readonly now: () => number;

  constructor(
    private readonly deps: TaskDeps,
    readonly task: TaskId,
    private readonly opts: TaskRunnerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  private inputs(): string[] {
    return this.deps.engine.plan.subtopologies[this.task.subtopology]!.sourceTopics;
  }

  private outputPartitions(): number {
    const { plan, config } = this.deps.engine;
    if (config.deadLetterTopic) return Number.POSITIVE_INFINITY;
    const sinks = plan.subtopologies[this.task.subtopology]!.sinkTopics;
    return sinks.reduce((n, t) => n + (plan.partitionCount(t) ?? Number.POSITIVE_INFINITY), 0);
  }

  /** One attempt at the next batch: read, process, commit. Throws what any step threw. */
  async runBatch(): Promise<BatchOutcome> {
    const { log, store, backend, engine, processor, incarnation } = this.deps;
    const committed = await store.task(processor, incarnation, this.task);
    const max = this.opts.maxBatchRecords ?? 500;
    let more = false;
    const runs: InputRecord[][] = [];
    for (const topic of this.inputs()) {
      const p = this.task.partition;
      const offset = committed.state?.positions[partitionKey(topic, p)] ?? (await log.listOffsets(topic, p, 'earliest'));
      const fetched = await log.fetch(topic, p, { offset, maxRecords: max });
      if (fetched.nextOffset < fetched.highWatermark) more = true;
      runs.push(fetched.records.map((r) => inputOf(topic, p, r)));
    }
    const records = mergeByTime(runs);
    const now = this.now();
    const input = { task: this.task, records, wallClockTime: now, ...(committed.state ? { state: committed.state } : {}) };
    const result: BatchResult = await engine.processBatch(input, backend, { fits: commitFits(this.outputPartitions()) });
    if (worthCommitting(committed, result)) {
      const cursor = { processor, incarnation, task: this.task, version: committed.version };
      await commitBatch({ log, store, backend, now }, cursor, result);
    }
    const failed = result.error ? records[result.consumed] : undefined;
    return {
      consumed: result.consumed,
      more: more || result.pending || result.consumed < records.length,
      ...(result.error ? { error: result.error } : {}),
      ...(failed ? { at: { topic: failed.topic, partition: failed.partition, offset: failed.offset } } : {}),
    };
  }

  /** Batches until caught up; a batch failing `attempts` times stops the task with its error recorded. */
  async runTask(): Promise<TaskOutcome> {
    const attempts = this.opts.attempts ?? 5;
    const backoff = this.opts.backoff ?? { baseMs: 100, maxMs: 10_000 };
    let failures = 0;
    let records = 0;
    for (;;) {
      let failure: { err: unknown; at?: BatchOutcome['at'] } | undefined;
      try {
        const outcome = await this.runBatch();
        records += outcome.consumed;
        if (outcome.error) failure = { err: outcome.error, ...(outcome.at ? { at: outcome.at } : {}) };
        else if (!outcome.more) return { status: 'caught-up', records };
        else failures = 0;
      } catch (err) {
        // Another writer committed first: nothing of this batch was written; run it again.
        if (!(err instanceof ConcurrentModificationError)) failure = { err };
      }
      if (!failure) continue;
      if (++failures >= attempts) {
        const error = errorOf(failure.err, this.now(), failure.at);
        await this.deps.store.recordError(this.deps.processor, error, { incarnation: this.deps.incarnation, task: this.task });
        return { status: 'stopped', error };
      }
      await sleep(fullJitter(failures, backoff));
    }
  }

  get key(): string {
    return taskKey(this.task);
  }
}
