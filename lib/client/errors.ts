// The SDK's errors: every error the API can answer, rebuilt as the same typed class the
// server raised (lib/api/errors.ts, via errorFromBody in http.ts), plus the few the client
// raises on its own. All are SluiceErrors: `instanceof` a class, or switch on `.code`;
// `.retriable` says whether trying again may help (the SDK already retried those).
import { SluiceError, type ErrorDetails } from '../api/errors.ts';

export {
  ConcurrentRequestError,
  CorruptMessageError,
  DependencyError,
  errorFromBody,
  GroupIdNotFoundError,
  IllegalGenerationError,
  InvalidConfigError,
  InvalidGroupIdError,
  InvalidPartitionsError,
  InvalidRequestError,
  InvalidSessionTimeoutError,
  InvalidSubscriptionNameError,
  InvalidTargetError,
  InvalidTimestampError,
  InvalidTopicError,
  isSluiceError,
  MessageTooLargeError,
  MethodNotAllowedError,
  NonEmptyGroupError,
  OffsetOutOfRangeError,
  OutOfOrderSequenceError,
  ProducerFencedError,
  RebalanceInProgressError,
  RecordTooLargeError,
  RequestTimedOutError,
  retryAfterSeconds,
  RouteNotFoundError,
  SluiceError,
  SubscriptionAlreadyExistsError,
  ThrottlingError,
  TopicAlreadyExistsError,
  UnknownMemberIdError,
  UnknownSubscriptionError,
  UnknownTopicOrPartitionError,
  UnsupportedCompressionError,
  UnsupportedMediaTypeError,
  type ErrorDetails,
} from '../api/errors.ts';
export { NetworkError } from './http.ts';

/**
 * A consumer has no committed offset for a partition and its autoOffsetReset is 'none'
 * (Kafka's NoOffsetForPartitionException). `details` name the topic and partition.
 */
export class NoOffsetForPartitionError extends SluiceError {
  static readonly code = 'NO_OFFSET_FOR_PARTITION';
  constructor(message: string, details?: ErrorDetails) {
    super('NO_OFFSET_FOR_PARTITION', 416, message, { details: details ?? {} });
  }
}

/** The producer or consumer was closed before (or while) the call could be served. */
export class ClientClosedError extends SluiceError {
  static readonly code = 'CLIENT_CLOSED';
  constructor(message: string) {
    super('CLIENT_CLOSED', 400, message);
  }
}
