// Reporting a tolerated failure, as Kafka's DeadLetterQueueReporter and LogReporter do.
//
// Dead letter: the original record as it was read (key, value, headers and timestamp
// unchanged), for errors.deadletterqueue.topic.name, with, when
// errors.deadletterqueue.context.headers.enable=true, these headers (UTF-8 text):
//
//   __connect.errors.topic / partition / offset     where the record was read
//   __connect.errors.connector.name / task.id       who failed
//   __connect.errors.stage                           KEY_CONVERTER, TRANSFORMATION, TASK_PUT, ...
//   __connect.errors.class.name                      the converter, transform or connector class
//   __connect.errors.exception.class.name / exception.message / exception.stacktrace
//
// Log line (errors.log.enable=true): "Error encountered in task NAME-ID. Executing stage
// 'STAGE' with class 'CLASS', where consumed record is {topic=..., partition=...,
// offset=..., timestamp=..., timestampType=...}." (key, value and headers only with
// errors.log.include.messages=true).
import type { RecordHeader } from '../../records/types.ts';
import { kafkaClassOf } from '../data/exceptions.ts';
import type { ConnectorLogger } from '../plugins/define.ts';
import type { ErrorReport } from './operator.ts';
import { traceOf } from './operator.ts';

export const HEADER_PREFIX = '__connect.errors.';
export const ERROR_HEADERS = {
  topic: `${HEADER_PREFIX}topic`,
  partition: `${HEADER_PREFIX}partition`,
  offset: `${HEADER_PREFIX}offset`,
  connectorName: `${HEADER_PREFIX}connector.name`,
  taskId: `${HEADER_PREFIX}task.id`,
  stage: `${HEADER_PREFIX}stage`,
  className: `${HEADER_PREFIX}class.name`,
  exceptionClassName: `${HEADER_PREFIX}exception.class.name`,
  exceptionMessage: `${HEADER_PREFIX}exception.message`,
  exceptionStacktrace: `${HEADER_PREFIX}exception.stacktrace`,
} as const;

/** A record as read from the log: what a sink converts, and what a dead letter copies. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** A record to append to the dead-letter topic (any partition). */
export interface DeadLetter {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
  /** The failure, for status and logs. */
  report: ErrorReport;
  /** Where the original was read: the runtime commits dead letters with the position past it. */
  original: { topic: string; partition: number; offset: number };
}

export interface TaskIdentity {
  connector: string;
  task: number;
}

const text = (s: string | undefined | null): Buffer | null => (s === undefined || s === null ? null : Buffer.from(s, 'utf8'));

export function deadLetter(topic: string, original: LogRecord, report: ErrorReport, id: TaskIdentity, contextHeaders: boolean): DeadLetter {
  const headers: RecordHeader[] = [...original.headers];
  if (contextHeaders) {
    const err = report.error;
    headers.push(
      { key: ERROR_HEADERS.topic, value: text(original.topic) },
      { key: ERROR_HEADERS.partition, value: text(String(original.partition)) },
      { key: ERROR_HEADERS.offset, value: text(String(original.offset)) },
      { key: ERROR_HEADERS.connectorName, value: text(id.connector) },
      { key: ERROR_HEADERS.taskId, value: text(String(id.task)) },
      { key: ERROR_HEADERS.stage, value: text(report.stage) },
      { key: ERROR_HEADERS.className, value: text(report.executingClass) },
      { key: ERROR_HEADERS.exceptionClassName, value: text(kafkaClassOf(err)) },
      { key: ERROR_HEADERS.exceptionMessage, value: text(err instanceof Error ? err.message : String(err)) },
      { key: ERROR_HEADERS.exceptionStacktrace, value: text(traceOf(err)) },
    );
  }
  return {
    topic,
    key: original.key,
    value: original.value,
    headers,
    timestamp: original.timestamp,
    report,
    original: { topic: original.topic, partition: original.partition, offset: original.offset },
  };
}

/** Kafka's LogReporter: one error line with the context of the failed operation. */
export function logError(
  logger: ConnectorLogger,
  id: TaskIdentity,
  report: ErrorReport,
  record: Partial<LogRecord> | undefined,
  includeMessages: boolean,
): void {
  const where = record
    ? `, where consumed record is {topic='${record.topic}', partition=${record.partition}, offset=${record.offset}, timestamp=${record.timestamp}, timestampType=${record.timestampType ?? 'CREATE_TIME'}` +
      (includeMessages
        ? `, key=${record.key?.toString('utf8') ?? 'null'}, value=${record.value?.toString('utf8') ?? 'null'}, headers=[${(record.headers ?? []).map((h) => h.key).join(', ')}]`
        : '') +
      '}'
    : '';
  logger.error(`Error encountered in task ${id.connector}-${id.task}. Executing stage '${report.stage}' with class '${report.executingClass}'${where}.`, {
    stage: report.stage,
    className: report.executingClass,
    attempts: report.attempts,
    error: traceOf(report.error),
  });
}
