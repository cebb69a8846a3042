// The stream adapter: a batch of a DynamoDB stream, as Lambda's event source mapping
// delivers it, in; a partial batch failure report (ReportBatchItemFailures) out.
//
//   {"Records":[{"eventName":"INSERT"|"MODIFY"|"REMOVE", "eventSource":"aws:dynamodb",
//                "dynamodb":{"Keys":{...}, "NewImage":{...}, "SequenceNumber":"42"}}, ...]}
//   → {"batchItemFailures":[{"itemIdentifier":"42"}], ...what the processor reports}
//
// Lambda retries only the records named (from the first of them on), and none when the
// list is empty. The processor gets the invocation's deadline. The dev server feeds the
// same handler from its stream poller (lib/local/streams.ts).
import type { FunctionName } from '../api/routes.ts';
import { deadlineOf, type AdapterLogger, type EventHandler } from './events.ts';
import { createLogger } from './logger.ts';

export interface StreamEvent<T> {
  Records: T[];
}

export interface StreamResult {
  batchItemFailures: { itemIdentifier: string }[];
}

/** Processes one batch: the sequence numbers of the records that failed, and a summary. */
export type StreamProcessor<T, S extends object> = (records: T[], run: { deadline?: number }) => Promise<{ failed: string[] } & S>;

export interface StreamHandlerOptions {
  /** Default: a Powertools logger named after the function. */
  logger?: AdapterLogger;
}

export function createStreamHandler<T, S extends object>(
  fn: FunctionName,
  process: StreamProcessor<T, S>,
  opts: StreamHandlerOptions = {},
): EventHandler<StreamEvent<T>, StreamResult & Omit<S, 'failed'>> {
  const logger = opts.logger ?? createLogger(`sluice-${fn}`);
  return async (event, context) => {
    const deadline = deadlineOf(context);
    const { failed, ...summary } = await process(event.Records, deadline === undefined ? {} : { deadline });
    logger.info('stream batch', { records: event.Records.length, ...summary, failed: failed.length });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })), ...summary };
  };
}
