// runSinkBatch: one batch of a topic-partition's records through a sink task, as Kafka's
// WorkerSinkTask does it: each record converted (key, value, headers) and transformed,
// then the survivors put and flushed; errors handled by errors.* (errors/operator.ts).
//
// Outcomes, and what the runtime does with them:
//   delivered  everything is done: commit `commit` (the position past the batch, per
//              topic-partition) together with `deadLetters` (append them to their topic)
//   retry      put kept failing with a RetriableException past errors.retry.timeout:
//              commit nothing, deliver the same records again later (Kafka redelivers)
//   failed     a failure the policy does not tolerate: commit nothing, mark the task
//              FAILED with `error` as its trace (a restart retries from the committed position)
// Dead letters are only answered with `delivered`, so a batch done twice (after a crash
// before the commit) never writes them twice once committed with the position.
import type { SinkRecord } from '../data/record.ts';
import { deadLetter, logError, type DeadLetter, type LogRecord } from '../errors/deadLetter.ts';
import { RetryWithToleranceOperator, ToleranceExceededError, traceOf, type ErrorReport } from '../errors/operator.ts';
import type { SinkTaskContext } from '../plugins/define.ts';
import { applyChainStage } from './chain.ts';
import { taskContext, type SinkTask } from './task.ts';

export interface SinkBatchOptions {
  signal?: AbortSignal;
}

export interface TaskFailure {
  stage: ErrorReport['stage'];
  className: string;
  message: string;
  /** Kafka's status trace: class, message, stack, causes. */
  trace: string;
}

export interface SinkBatchResult {
  outcome: 'delivered' | 'retry' | 'failed';
  /** Records put and flushed. */
  delivered: number;
  /** Records a transform dropped (Filter). */
  filtered: number;
  /** Records skipped under errors.tolerance=all (dead-lettered when there is a topic for it). */
  skipped: number;
  deadLetters: DeadLetter[];
  /** Next offset per topic-partition read, to commit with `delivered`. */
  commit: { topic: string; partition: number; offset: number }[];
  error?: TaskFailure;
}

export const failureOf = (report: ErrorReport): TaskFailure => ({
  stage: report.stage,
  className: report.executingClass,
  message: report.error instanceof Error ? report.error.message : String(report.error),
  trace: `org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\nCaused by: ${traceOf(report.error)}`,
});

/** Converts `raw` into a SinkRecord, each part under its converter's stage. */
async function convert(task: SinkTask, op: RetryWithToleranceOperator, raw: LogRecord) {
  const { keyConverter, valueConverter, headerConverter, converterClasses } = task.settings;
  const key = await op.execute('KEY_CONVERTER', converterClasses.key, () => keyConverter.toConnectData(raw.topic, raw.key));
  if (!key.ok) return key;
  const value = await op.execute('VALUE_CONVERTER', converterClasses.value, () => valueConverter.toConnectData(raw.topic, raw.value));
  if (!value.ok) return value;
  const headers = await op.execute('HEADER_CONVERTER', converterClasses.header, () =>
    raw.headers.map((h) => {
      const c = headerConverter.toConnectHeader(raw.topic, h.key, h.value);
      return { key: h.key, schema: c.schema, value: c.value };
    }),
  );
  if (!headers.ok) return headers;
  const record: SinkRecord = {
    topic: raw.topic,
    kafkaPartition: raw.partition,
    keySchema: key.value.schema,
    key: key.value.value,
    valueSchema: value.value.schema,
    value: value.value.value,
    timestamp: raw.timestamp,
    timestampType: raw.timestampType ?? 'CREATE_TIME',
    headers: headers.value,
    kafkaOffset: raw.offset,
    originalTopic: raw.topic,
    originalKafkaPartition: raw.partition,
    originalKafkaOffset: raw.offset,
  };
  return { ok: true as const, value: record };
}

export async function runSinkBatch(task: SinkTask, records: readonly LogRecord[], opts: SinkBatchOptions = {}): Promise<SinkBatchResult> {
  const policy = task.settings.errors;
  const op = new RetryWithToleranceOperator(policy, task.clock, opts.signal);
  const result: SinkBatchResult = { outcome: 'delivered', delivered: 0, filtered: 0, skipped: 0, deadLetters: [], commit: commitPositions(records) };
  const byOffset = new Map(records.map((r) => [`${r.topic}\u0000${r.partition}\u0000${r.offset}`, r]));
  const tolerated = (report: ErrorReport, raw: LogRecord | undefined) => {
    result.skipped++;
    if (policy.logEnable) logError(task.start.logger, task.id, report, raw, policy.logIncludeMessages);
    if (raw && policy.deadLetterTopic) result.deadLetters.push(deadLetter(policy.deadLetterTopic, raw, report, task.id, policy.deadLetterContextHeaders));
  };
  const fail = (report: ErrorReport): SinkBatchResult => {
    if (policy.logEnable) logError(task.start.logger, task.id, report, undefined, false);
    return { ...result, outcome: 'failed', deadLetters: [], commit: [], error: failureOf(report) };
  };

  const batch: SinkRecord[] = [];
  try {
    for (const raw of records) {
      const converted = await convert(task, op, raw);
      if (!converted.ok) {
        tolerated(converted.report, raw);
        continue;
      }
      const transformed = await applyChainStage(task.settings.transforms, op, converted.value);
      if (!transformed.ok) tolerated(transformed.report, raw);
      else if (transformed.value === null) result.filtered++;
      else batch.push(transformed.value);
    }
  } catch (err) {
    if (err instanceof ToleranceExceededError) return fail(err.report);
    throw err;
  }

  // Records the connector reports as errant during put; redone with each attempt.
  let reported: [ErrorReport, LogRecord | undefined][] = [];
  const ctx: SinkTaskContext<unknown> = {
    ...taskContext(task, opts.signal),
    reportError: async (record, error) => {
      const report: ErrorReport = { stage: 'TASK_PUT', executingClass: task.className, error, attempts: 1 };
      if (!op.toleratesReported()) throw new ToleranceExceededError(report);
      reported.push([report, byOffset.get(`${record.originalTopic}\u0000${record.originalKafkaPartition}\u0000${record.originalKafkaOffset}`)]);
    },
  };
  const put = await op.retrying(async () => {
    reported = [];
    if (batch.length > 0) await task.connector.put(batch, ctx);
    await task.connector.flush?.(ctx);
  });
  if (!put.ok) {
    const error = put.error instanceof ToleranceExceededError ? put.error.report.error : put.error;
    const report: ErrorReport = { stage: 'TASK_PUT', executingClass: task.className, error, attempts: put.attempts };
    if ((error as { retriable?: unknown })?.retriable === true) {
      return { ...result, outcome: 'retry', deadLetters: [], commit: [], error: failureOf(report) };
    }
    return fail(report);
  }
  for (const [report, raw] of reported) tolerated(report, raw);
  result.delivered = batch.length - reported.length;
  return result;
}

/** The position past the last record of each topic-partition in the batch. */
function commitPositions(records: readonly LogRecord[]): SinkBatchResult['commit'] {
  const next = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const r of records) {
    const k = `${r.topic}\u0000${r.partition}`;
    const prev = next.get(k);
    if (!prev || r.offset + 1 > prev.offset) next.set(k, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  }
  return [...next.values()];
}
