// pollSource: one poll of a source task, as Kafka's WorkerSourceTask does it: poll (a
// RetriableException is retried within errors.retry.timeout), then each record
// transformed and converted (key, value, headers) under the error policy. The answer is
// what the runtime must commit in ONE transaction: the records to append and the source
// offsets they bring the connector to. That is what makes a source exactly-once: after a
// crash the connector resumes from committed offsets, which always match committed records.
//
// Offsets cover every polled record, the ones a transform dropped and the ones skipped
// under errors.tolerance=all included (as in Kafka): the last sourceOffset per
// sourcePartition, then the poll's explicit sourceOffsets over them.
//
// Outcomes: records (commit them), idle (nothing polled; commit explicit offsets if any),
// retry (poll kept failing with a RetriableException: poll again later), failed (mark the
// task FAILED with `error`).
import type { RecordHeader } from '../../records/types.ts';
import { connectRecord, type SourceMap, type SourceRecord } from '../data/record.ts';
import { logError } from '../errors/deadLetter.ts';
import { RetryWithToleranceOperator, ToleranceExceededError, type ErrorReport } from '../errors/operator.ts';
import type { SourceOffset, SourceTaskContext } from '../plugins/define.ts';
import { applyChainStage } from './chain.ts';
import { failureOf, type TaskFailure } from './sink.ts';
import { taskContext, type SourceTask } from './task.ts';

/** A record ready to append: bytes, and a partition when the connector or a transform chose one. */
export interface ProducedRecord {
  topic: string;
  partition: number | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** null: stamped when appended. */
  timestamp: number | null;
}

export interface SourcePollOptions {
  /** The committed offset of a source partition (Kafka's OffsetStorageReader). */
  offsets: (partition: SourceMap) => SourceMap | null;
  signal?: AbortSignal;
}

export interface SourcePollResult {
  outcome: 'records' | 'idle' | 'retry' | 'failed';
  records: ProducedRecord[];
  sourceOffsets: SourceOffset[];
  /** Records a transform dropped. */
  filtered: number;
  /** Records skipped under errors.tolerance=all. */
  skipped: number;
  error?: TaskFailure;
}

/** The key a source partition is stored and compared under: JSON with sorted keys. */
export function partitionKey(partition: SourceMap): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sort(partition));
}

export async function pollSource(task: SourceTask, opts: SourcePollOptions): Promise<SourcePollResult> {
  const policy = task.settings.errors;
  const op = new RetryWithToleranceOperator(policy, task.clock, opts.signal);
  const empty: SourcePollResult = { outcome: 'idle', records: [], sourceOffsets: [], filtered: 0, skipped: 0 };
  const ctx: SourceTaskContext<unknown> = { ...taskContext(task, opts.signal), offsets: { get: opts.offsets } };
  const polled = await op.retrying(() => task.connector.poll(ctx));
  if (!polled.ok) {
    const report: ErrorReport = { stage: 'TASK_POLL', executingClass: task.className, error: polled.error, attempts: polled.attempts };
    if (policy.logEnable) logError(task.start.logger, task.id, report, undefined, false);
    const retriable = (polled.error as { retriable?: unknown })?.retriable === true;
    return { ...empty, outcome: retriable ? 'retry' : 'failed', error: failureOf(report) };
  }
  const inputs = polled.value?.records ?? [];
  const offsets = new Map<string, SourceOffset>();
  for (const r of inputs) if (r.sourcePartition && r.sourceOffset) offsets.set(partitionKey(r.sourcePartition), { partition: r.sourcePartition, offset: r.sourceOffset });
  for (const o of polled.value?.sourceOffsets ?? []) offsets.set(partitionKey(o.partition), o);
  const result: SourcePollResult = { ...empty, outcome: inputs.length ? 'records' : 'idle', sourceOffsets: [...offsets.values()] };

  try {
    for (const input of inputs) {
      const record: SourceRecord = { ...connectRecord(input), sourcePartition: input.sourcePartition ?? {}, sourceOffset: input.sourceOffset ?? {} };
      const transformed = await applyChainStage(task.settings.transforms, op, record);
      if (!transformed.ok) {
        skip(task, transformed.report, result);
        continue;
      }
      if (transformed.value === null) {
        result.filtered++;
        continue;
      }
      const produced = await produce(task, op, transformed.value);
      if (produced.ok) result.records.push(produced.value);
      else skip(task, produced.report, result);
    }
  } catch (err) {
    if (!(err instanceof ToleranceExceededError)) throw err;
    if (policy.logEnable) logError(task.start.logger, task.id, err.report, undefined, false);
    return { ...empty, outcome: 'failed', error: failureOf(err.report) };
  }
  return result;
}

function skip(task: SourceTask, report: ErrorReport, result: SourcePollResult): void {
  result.skipped++;
  if (task.settings.errors.logEnable) logError(task.start.logger, task.id, report, undefined, false);
}

async function produce(task: SourceTask, op: RetryWithToleranceOperator, r: SourceRecord) {
  const { keyConverter, valueConverter, headerConverter, converterClasses } = task.settings;
  const key = await op.execute('KEY_CONVERTER', converterClasses.key, () => keyConverter.fromConnectData(r.topic, r.keySchema, r.key));
  if (!key.ok) return key;
  const value = await op.execute('VALUE_CONVERTER', converterClasses.value, () => valueConverter.fromConnectData(r.topic, r.valueSchema, r.value));
  if (!value.ok) return value;
  const headers = await op.execute('HEADER_CONVERTER', converterClasses.header, () =>
    r.headers.map((h) => ({ key: h.key, value: headerConverter.fromConnectHeader(r.topic, h.key, h.schema, h.value) })),
  );
  if (!headers.ok) return headers;
  const produced: ProducedRecord = { topic: r.topic, partition: r.kafkaPartition, key: key.value, value: value.value, headers: headers.value, timestamp: r.timestamp };
  return { ok: true as const, value: produced };
}
