// Processor settings, with Kafka Streams' names where one exists. Sluice adds one:
// `stream.time.advance.when.idle`. Kafka Streams advances stream time only when records
// arrive, so a quiet input never closes its last windows; here, a batch with no records
// (the runtime's wall-clock tick, sent when the inputs are caught up) moves stream time
// on by the wall-clock time passed since the last batch that had records. Windows then
// close as they would had records kept arriving with timestamps near the wall clock,
// and a record arriving later than its window's grace is dropped as late, consistently
// with the final result already emitted.
import { InvalidConfigError } from '../../core/errors.ts';

export type ExceptionHandler = 'fail' | 'continue';

export interface StreamsConfig {
  'application.id': string;
  /** 'fail' (default): stop at the record; 'continue': skip it (to the dead-letter topic if set). */
  'deserialization.exception.handler'?: ExceptionHandler;
  'processing.exception.handler'?: ExceptionHandler;
  /** Where skipped records go, with the error in `__streams.errors.*` headers (KIP-1034). */
  'errors.dead.letter.queue.topic.name'?: string;
  'stream.time.advance.when.idle'?: boolean;
  /** Largest state item (key and value bytes); DynamoDB items hold 400 KB with their attributes. */
  'state.item.max.bytes'?: number;
}

export interface EngineConfig {
  applicationId: string;
  deserializationHandler: ExceptionHandler;
  processingHandler: ExceptionHandler;
  deadLetterTopic?: string;
  idleAdvance: boolean;
  maxItemBytes: number;
}

export const DEFAULT_MAX_ITEM_BYTES = 380 * 1024;

const APP_ID = /^[a-zA-Z0-9._-]{1,200}$/;

/** An application id (a processor's name): 1-200 of [a-zA-Z0-9._-], so its internal topic names stay legal. */
export const isApplicationId = (id: unknown): id is string => typeof id === 'string' && APP_ID.test(id);

function handler(name: string, v: unknown): ExceptionHandler {
  if (v === undefined) return 'fail';
  if (v === 'fail' || v === 'continue') return v;
  throw new InvalidConfigError(`${name} must be 'fail' or 'continue'`, { config: name });
}

export function engineConfig(c: StreamsConfig): EngineConfig {
  const appId = c['application.id'];
  if (!isApplicationId(appId)) {
    throw new InvalidConfigError('application.id must be 1-200 characters of [a-zA-Z0-9._-]', { config: 'application.id' });
  }
  const max = c['state.item.max.bytes'] ?? DEFAULT_MAX_ITEM_BYTES;
  if (!Number.isInteger(max) || max < 1024) {
    throw new InvalidConfigError('state.item.max.bytes must be an integer of at least 1024', { config: 'state.item.max.bytes' });
  }
  return {
    applicationId: appId,
    deserializationHandler: handler('deserialization.exception.handler', c['deserialization.exception.handler']),
    processingHandler: handler('processing.exception.handler', c['processing.exception.handler']),
    ...(c['errors.dead.letter.queue.topic.name'] ? { deadLetterTopic: c['errors.dead.letter.queue.topic.name'] } : {}),
    idleAdvance: c['stream.time.advance.when.idle'] ?? true,
    maxItemBytes: max,
  };
}
