// One batch of one task: the function the exactly-once runtime is built on.
//
//   processBatch(records, committed task state, StoreBackend (read-only), wall clock)
//     -> outputs, store mutations (a write buffer), new task state, metrics
//
// Nothing leaves the function but its result, so the runtime commits outputs, mutations
// and the new state (which holds the input position) in one transaction, and a crash at
// any point before that commit just means running the same batch again. Records below
// the committed position are skipped, so a batch handed over twice does nothing twice.
//
// Order of work in a batch (each step in units, see run.ts):
//   1. wall-clock punctuators that are due;
//   2. timer entries already due (work a previous batch left when it ran out of room);
//   3. per record: deserialize, take its timestamp, advance stream time, run the
//      sub-topology depth first, then the stream-time punctuators; then the timers
//      the new stream time made due (window closes, outer-join emissions, expiry);
//   4. with no records at all (a wall-clock tick on an idle input): advance stream time
//      by the wall-clock time passed (stream.time.advance.when.idle), then timers.
// Splitting the same records into different batches gives the same outputs, in the same
// order, and the same state; a test checks it, and the runtime relies on it to cut
// batches where a commit fills up.
//
// Metrics (counters in TaskState.metrics, this batch's share in the result):
//   dropped-late:NODE               records later than the grace period
//   dropped-null-key:NODE           records a stateful node cannot key
//   dropped-invalid-timestamp:NODE  negative or non-integer timestamps
//   skipped-deserialization, skipped-processing   records a 'continue' handler skipped
//   skipped-already-processed       records below the committed position
import { CommitTooLargeError, RecordDeserializationError, RecordProcessingError, SluiceError } from '../../core/errors.ts';
import type { Mutation, StoreBackend } from '../stores/backend.ts';
import type { EngineConfig } from './config.ts';
import { BudgetExhausted, TaskRun, type RunEnv } from './run.ts';
import type { NodeSpec } from './topology.ts';
import { initialTaskState, partitionKey, type Header, type InputRecord, type OutputRecord, type TaskState } from './types.ts';

export interface BatchResult {
  /** How many of the batch's records were processed; the rest belong to a later batch. */
  consumed: number;
  outputs: OutputRecord[];
  mutations: Mutation[];
  /** The state to commit: positions, stream time, punctuations, time-index buckets, metrics. */
  state: TaskState;
  /** Counters this batch added. */
  metrics: Record<string, number>;
  /** The batch stopped early with work left (a full commit): run again, even with no new records. */
  pending: boolean;
  /** Processing stopped at records[consumed] with this error; commit the rest and report it. */
  error?: SluiceError;
  /**
   * When a batch with no records would next do something for the task, given the state
   * this one leaves (TaskRun.wakeAt): the runtime keeps it on the task item, so a
   * scheduler wakes a quiet task only when a window closes or a punctuator is due.
   */
  wakeAt?: number;
}

const textEncoder = new TextEncoder();
const header = (key: string, value: string | number): Header => ({ key, value: textEncoder.encode(String(value)) });

function deadLetter(rec: InputRecord, failure: SluiceError, topic: string): OutputRecord {
  return {
    topic,
    key: rec.key,
    value: rec.value,
    timestamp: rec.timestamp,
    headers: [
      ...(rec.headers ?? []),
      header('__streams.errors.exception', failure.code),
      header('__streams.errors.message', failure.message),
      header('__streams.errors.topic', rec.topic),
      header('__streams.errors.partition', rec.partition),
      header('__streams.errors.offset', rec.offset),
    ],
  };
}

async function deliver(run: TaskRun, source: NodeSpec, rec: InputRecord): Promise<void> {
  const spec = source.source!;
  let key: unknown;
  let value: unknown;
  try {
    key = spec.keySerde.deserialize(rec.key);
    value = spec.valueSerde.deserialize(rec.value);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new RecordDeserializationError(
      `cannot deserialize the record at ${rec.topic}-${rec.partition} offset ${rec.offset}: ${message}`,
      { topic: rec.topic, partition: rec.partition, offset: rec.offset },
      err,
    );
  }
  const ts = spec.timestampExtractor ? spec.timestampExtractor({ key, value, timestamp: rec.timestamp, topic: rec.topic }) : rec.timestamp;
  if (!Number.isSafeInteger(ts) || ts < 0) {
    run.count(`dropped-invalid-timestamp:${source.name}`);
    return;
  }
  const pk = partitionKey(rec.topic, rec.partition);
  run.state.partitionTimes[pk] = Math.max(run.state.partitionTimes[pk] ?? -1, ts);
  run.state.streamTime = Math.max(run.state.streamTime, ts);
  await run.logicOf(source.name).process({ key, value, timestamp: ts, headers: rec.headers ?? [] });
}

async function processInput(run: TaskRun, rec: InputRecord, source: NodeSpec, config: EngineConfig): Promise<void> {
  const pk = partitionKey(rec.topic, rec.partition);
  const at = { topic: rec.topic, partition: rec.partition, offset: rec.offset };
  const position = run.state.positions[pk];
  if (position !== undefined && rec.offset < position) {
    run.count('skipped-already-processed');
    return;
  }
  try {
    await run.unit(async () => {
      run.setCurrent(at);
      run.state.positions[pk] = rec.offset + 1;
      await deliver(run, source, rec);
      await run.streamTimePunctuations();
    }, at);
  } catch (err) {
    const kind = err instanceof RecordDeserializationError ? 'deserialization' : err instanceof RecordProcessingError ? 'processing' : undefined;
    const handler = kind === 'deserialization' ? config.deserializationHandler : config.processingHandler;
    if (kind === undefined || handler !== 'continue') throw err;
    await run.unit(async () => {
      run.state.positions[pk] = rec.offset + 1;
      run.count(`skipped-${kind}`);
      if (config.deadLetterTopic) run.emit(deadLetter(rec, err as SluiceError, config.deadLetterTopic));
    }, at);
  } finally {
    run.setCurrent(undefined);
  }
}

async function idleAdvance(run: TaskRun, config: EngineConfig, now: number): Promise<void> {
  const a = run.state.anchor;
  if (!config.idleAdvance || !a || now <= a.wallClockTime) return;
  const target = a.streamTime + (now - a.wallClockTime);
  if (target <= run.state.streamTime) return;
  await run.unit(async () => {
    run.state.streamTime = target;
    await run.streamTimePunctuations();
  }, { idleAdvance: target });
}

function metricsDelta(before: TaskState, after: TaskState): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.metrics)) {
    const d = v - (before.metrics[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

const isRecordError = (err: unknown): err is SluiceError =>
  err instanceof RecordDeserializationError || err instanceof RecordProcessingError || err instanceof CommitTooLargeError;

export async function processBatch(
  env: RunEnv,
  records: readonly InputRecord[],
  committed: TaskState | undefined,
  backend: StoreBackend,
  sources: ReadonlyMap<string, NodeSpec>,
): Promise<BatchResult> {
  const before = committed ?? initialTaskState();
  const run = new TaskRun(env, before, backend);
  let consumed = 0;
  let pending = false;
  let error: SluiceError | undefined;
  await run.open();
  try {
    await run.wallClockPunctuations();
    await run.drainTimers();
    for (const rec of records) {
      await processInput(run, rec, sources.get(rec.topic)!, env.config);
      consumed += 1;
      await run.drainTimers();
    }
    if (records.length === 0) {
      await idleAdvance(run, env.config, env.wallClockTime);
      await run.drainTimers();
    }
  } catch (err) {
    if (err instanceof BudgetExhausted) pending = true;
    else if (isRecordError(err)) error = err;
    else throw err;
  }
  if (consumed > 0) run.state.anchor = { streamTime: run.state.streamTime, wallClockTime: env.wallClockTime };
  const wakeAt = await run.wakeAt();
  await run.close();
  return {
    consumed,
    outputs: run.outputs,
    mutations: run.buffer.mutations(),
    state: run.state,
    metrics: metricsDelta(before, run.state),
    pending,
    ...(error ? { error } : {}),
    ...(wakeAt !== undefined ? { wakeAt } : {}),
  };
}
