// The error model, the one list of codes. Every failure Sluice reports is a SluiceError
// carrying a Kafka-style `code`, the HTTP status it maps to and whether the caller may
// retry. Handlers turn it into `{"error":{"code","message",...details}}`; the SDK turns
// that body back into the same class (errorFromBody), so a code means the same thing on
// both sides of the wire. Each class has its own code; ERROR_CLASSES below is the only
// list of them, and BY_CODE and the SDK's exports are derived from it.

export type ErrorDetails = Record<string, unknown>;

export class SluiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retriable: boolean;
  readonly details: ErrorDetails;

  constructor(
    code: string,
    status: number,
    message: string,
    opts: { retriable?: boolean; details?: ErrorDetails; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details ?? {};
  }

  toJSON(): { error: { code: string; message: string } & ErrorDetails } {
    return { error: { code: this.code, message: this.message, ...this.details } };
  }
}

export interface SluiceErrorClass {
  readonly code: string;
  readonly status: number;
  readonly retriable: boolean;
  new (message: string, details?: ErrorDetails, cause?: unknown): SluiceError;
}

const define = (code: string, status: number, retriable = false) =>
  class extends SluiceError {
    static readonly code = code;
    static readonly status = status;
    static readonly retriable = retriable;
    constructor(message: string, details?: ErrorDetails, cause?: unknown) {
      super(code, status, message, { retriable, details, cause });
    }
  };

// 400: the request itself is wrong; nothing was written.
export class InvalidRequestError extends define('INVALID_REQUEST', 400) {}
export class InvalidTopicError extends define('INVALID_TOPIC_EXCEPTION', 400) {}
export class InvalidPartitionsError extends define('INVALID_PARTITIONS', 400) {}
export class InvalidConfigError extends define('INVALID_CONFIG', 400) {}
export class CorruptMessageError extends define('CORRUPT_MESSAGE', 400) {}
/** A well-formed record the log will not take (too many headers, too large to serve). */
export class InvalidRecordError extends define('INVALID_RECORD', 400) {}
export class UnsupportedCompressionError extends define('UNSUPPORTED_COMPRESSION_TYPE', 400) {}
export class InvalidTimestampError extends define('INVALID_TIMESTAMP', 400) {}
export class InvalidGroupIdError extends define('INVALID_GROUP_ID', 400) {}
export class InvalidSessionTimeoutError extends define('INVALID_SESSION_TIMEOUT', 400) {}
/**
 * The group cannot take what the request would add to it (a member, its topics): its state
 * would outgrow what one group can hold. `details` name the limit and the size.
 */
export class GroupMaxSizeReachedError extends define('GROUP_MAX_SIZE_REACHED', 400) {}
export class UnsupportedMediaTypeError extends define('UNSUPPORTED_MEDIA_TYPE', 415) {}
export class MethodNotAllowedError extends define('METHOD_NOT_ALLOWED', 405) {}
export class RouteNotFoundError extends define('NOT_FOUND', 404) {}
/** Credentials missing or refused (SigV4 signing failed, API Gateway said 401/403). */
export class ClusterAuthorizationError extends define('CLUSTER_AUTHORIZATION_FAILED', 403) {}

// 404 / 409: the request names state that does not exist or conflicts with it.
export class UnknownTopicOrPartitionError extends define('UNKNOWN_TOPIC_OR_PARTITION', 404) {}
export class TopicAlreadyExistsError extends define('TOPIC_ALREADY_EXISTS', 409) {}
export class IllegalGenerationError extends define('ILLEGAL_GENERATION', 409) {}
export class UnknownMemberIdError extends define('UNKNOWN_MEMBER_ID', 409) {}
export class RebalanceInProgressError extends define('REBALANCE_IN_PROGRESS', 409) {}
export class OutOfOrderSequenceError extends define('OUT_OF_ORDER_SEQUENCE_NUMBER', 409) {}
export class ProducerFencedError extends define('PRODUCER_FENCED', 409) {}
/** A batch names a producer id that POST /v1/producers never handed out (or that expired). */
export class UnknownProducerIdError extends define('UNKNOWN_PRODUCER_ID', 409) {}
export class NonEmptyGroupError extends define('NON_EMPTY_GROUP', 409) {}
export class GroupIdNotFoundError extends define('GROUP_ID_NOT_FOUND', 404) {}
/**
 * Transactions (Kafka's INVALID_TXN_STATE): the call does not fit the transaction's state
 * (commit with nothing staged, a commit over the limits of one transaction: `details`
 * name the limit). Nothing was written.
 */
export class InvalidTxnStateError extends define('INVALID_TXN_STATE', 400) {}
/**
 * The transaction was aborted (it outlived transactionTimeoutMs, or was aborted by an
 * abort call): none of it is visible. Kafka's TRANSACTION_ABORTABLE: start a new one.
 */
export class TransactionAbortedError extends define('TRANSACTION_ABORTABLE', 409) {}
// Subscriptions: names follow the topic-name rules; targets are checked at creation
// (https only when deployed, module targets only in the local dev server).
export class InvalidSubscriptionNameError extends define('INVALID_SUBSCRIPTION_NAME', 400) {}
export class InvalidTargetError extends define('INVALID_TARGET', 400) {}
export class UnknownSubscriptionError extends define('UNKNOWN_SUBSCRIPTION', 404) {}
export class SubscriptionAlreadyExistsError extends define('SUBSCRIPTION_ALREADY_EXISTS', 409) {}
// Connectors (Kafka Connect's REST API answers 404 and 409 for these).
export class UnknownConnectorError extends define('UNKNOWN_CONNECTOR', 404) {}
export class UnknownConnectorPluginError extends define('UNKNOWN_CONNECTOR_PLUGIN', 404) {}
export class ConnectorAlreadyExistsError extends define('CONNECTOR_ALREADY_EXISTS', 409) {}
/** Offsets are read and changed only while the connector is stopped (KIP-875). */
export class ConnectorNotStoppedError extends define('CONNECTOR_NOT_STOPPED', 409) {}
/** A request with the same Idempotency-Key is still being served; retry shortly. */
export class ConcurrentRequestError extends define('CONCURRENT_TRANSACTIONS', 409, true) {}
/**
 * A conditional write lost to a concurrent change (an append, another maintenance pass):
 * nothing was written. The caller re-reads and tries again, or leaves it to a later pass.
 */
export class ConcurrentModificationError extends define('CONCURRENT_MODIFICATION', 409, true) {}
/**
 * A source connector's position in the system it reads is gone (a replication slot
 * dropped or lost, a stream shard trimmed past the committed sequence number): changes may
 * have been missed, so the task stops failed until its offsets are reset (a new snapshot).
 * `details` say which position and why.
 */
export class SourcePositionLostError extends define('SOURCE_POSITION_LOST', 409) {}

// 413 / 416: sizes and positions.
export class RecordTooLargeError extends define('RECORD_TOO_LARGE', 413) {}
export class MessageTooLargeError extends define('MESSAGE_TOO_LARGE', 413) {}
export class OffsetOutOfRangeError extends define('OFFSET_OUT_OF_RANGE', 416) {}
/**
 * A consumer has no committed offset for a partition and its autoOffsetReset is 'none'
 * (Kafka's NoOffsetForPartitionException). `details` name the topic and partition.
 */
export class NoOffsetForPartitionError extends define('NO_OFFSET_FOR_PARTITION', 416) {}

// 429 / 503: retriable. The caller backs off for `retryAfterSeconds` and tries again.
export class ThrottlingError extends define('THROTTLING_QUOTA_EXCEEDED', 429, true) {}
export class RequestTimedOutError extends define('REQUEST_TIMED_OUT', 503, true) {}
/** A dependency (DynamoDB, S3) failed; `details.dependency` and `operation` say which. */
export class DependencyError extends define('KAFKA_STORAGE_ERROR', 503, true) {}
/** No response at all (refused, reset, DNS, TLS): Kafka's NETWORK_EXCEPTION. */
export class NetworkError extends define('NETWORK_EXCEPTION', 503, true) {}

// Stream processing (lib/streams). A topology is checked when it is built and again when
// it meets its topics' partition counts; a batch that fails names the record it failed on.
/** The topology cannot run as written (a store named twice, a negative grace, ...). */
export class InvalidTopologyError extends define('INVALID_TOPOLOGY', 400) {}
/**
 * Topics that must be co-partitioned (read by one task: joins, state fed by several
 * topics) have different partition counts. `details.topics` maps each to its count.
 */
export class TopicsNotCopartitionedError extends define('TOPICS_NOT_COPARTITIONED', 400) {}
/** An input record's key or value could not be deserialized; `details` name its position. */
export class RecordDeserializationError extends define('RECORD_DESERIALIZATION_FAILED', 422) {}
/** User code threw while processing a record or a punctuation; `details` name where. */
export class RecordProcessingError extends define('RECORD_PROCESSING_FAILED', 422) {}
/** One record's effects alone exceed what one commit can hold; `details` name the record. */
export class CommitTooLargeError extends define('COMMIT_TOO_LARGE', 413) {}
/** A state item would exceed what one stored item can hold; `details` name store and size. */
export class StateItemTooLargeError extends define('STATE_ITEM_TOO_LARGE', 413) {}
/** No processor of that name. */
export class UnknownProcessorError extends define('UNKNOWN_PROCESSOR', 404) {}
/** The processor has no queryable store of that name (Kafka Streams' UnknownStateStoreException). */
export class UnknownStateStoreError extends define('UNKNOWN_STATE_STORE', 404) {}
/** A store holds no value for the key an interactive query asked for. */
export class KeyNotFoundError extends define('KEY_NOT_FOUND', 404) {}

// Raised by the SDK on its own side, never answered by the server.
/** The producer or consumer was closed before (or while) the call could be served. */
export class ClientClosedError extends define('CLIENT_CLOSED', 400) {}

/** Every error class, once. Codes are unique (a test checks it). */
export const ERROR_CLASSES: readonly SluiceErrorClass[] = [
  InvalidRequestError, InvalidTopicError, InvalidPartitionsError, InvalidConfigError,
  CorruptMessageError, InvalidRecordError, UnsupportedCompressionError, InvalidTimestampError, InvalidGroupIdError,
  InvalidSessionTimeoutError, UnsupportedMediaTypeError, MethodNotAllowedError, RouteNotFoundError,
  ClusterAuthorizationError, UnknownTopicOrPartitionError, TopicAlreadyExistsError,
  IllegalGenerationError, UnknownMemberIdError, RebalanceInProgressError, OutOfOrderSequenceError,
  ProducerFencedError, UnknownProducerIdError, NonEmptyGroupError, GroupIdNotFoundError, InvalidSubscriptionNameError,
  InvalidTargetError, UnknownSubscriptionError, SubscriptionAlreadyExistsError,
  UnknownConnectorError, UnknownConnectorPluginError, ConnectorAlreadyExistsError, ConnectorNotStoppedError,
  ConcurrentRequestError, ConcurrentModificationError, RecordTooLargeError, MessageTooLargeError,
  OffsetOutOfRangeError, NoOffsetForPartitionError, ThrottlingError, RequestTimedOutError,
  DependencyError, NetworkError, ClientClosedError,
  GroupMaxSizeReachedError, SourcePositionLostError, InvalidTxnStateError, TransactionAbortedError,
  InvalidTopologyError, TopicsNotCopartitionedError, RecordDeserializationError, RecordProcessingError,
  CommitTooLargeError, StateItemTooLargeError, UnknownProcessorError, UnknownStateStoreError,
  KeyNotFoundError,
];

export const BY_CODE: ReadonlyMap<string, SluiceErrorClass> = new Map(ERROR_CLASSES.map((C) => [C.code, C]));

export function isSluiceError(err: unknown): err is SluiceError {
  return err instanceof SluiceError;
}

/** Seconds a client should wait before retrying a retriable error. */
export function retryAfterSeconds(err: SluiceError): number | undefined {
  if (!err.retriable) return undefined;
  const s = err.details.retryAfterSeconds;
  return typeof s === 'number' ? s : 1;
}

/**
 * Rebuild a typed error from an API error body, so client code can `instanceof` or
 * switch on `code` without caring whether the error was raised here or remotely.
 */
export function errorFromBody(status: number, body: unknown): SluiceError {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof e?.code === 'string' ? e.code : status >= 500 ? 'REQUEST_TIMED_OUT' : 'INVALID_REQUEST';
  const message = typeof e?.message === 'string' ? e.message : `HTTP ${status}`;
  const { code: _c, message: _m, ...details } = (e ?? {}) as Record<string, unknown>;
  const Known = BY_CODE.get(code);
  if (Known) return new Known(message, details);
  return new SluiceError(code, status, message, { retriable: status === 429 || status >= 500, details });
}
