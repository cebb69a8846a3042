// Kafka's numeric error codes (org.apache.kafka.common.protocol.Errors) for the codes
// Sluice's errors carry, so a SluiceError raised anywhere below becomes the code a Kafka
// client acts on (retry, rejoin, refresh metadata). Codes Sluice does not define but the
// gateway answers itself are listed too; the names are Kafka's.
import { isSluiceError } from '../../core/errors.ts';

export const KAFKA_ERROR_CODES = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  REQUEST_TIMED_OUT: 7,
  MESSAGE_TOO_LARGE: 10,
  OFFSET_METADATA_TOO_LARGE: 12,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_NOT_AVAILABLE: 15,
  INVALID_TOPIC_EXCEPTION: 17,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  INVALID_REQUEST: 42,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  SASL_AUTHENTICATION_FAILED: 58,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  MEMBER_ID_REQUIRED: 79,
  GROUP_MAX_SIZE_REACHED: 81,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  RESOURCE_NOT_FOUND: 91,
  UNKNOWN_TOPIC_ID: 100,
  FENCED_MEMBER_EPOCH: 110,
  UNSUPPORTED_ASSIGNOR: 112,
  TRANSACTION_ABORTABLE: 120,
} as const;

export type KafkaErrorName = keyof typeof KAFKA_ERROR_CODES;
export const E = KAFKA_ERROR_CODES;

/** Sluice's own codes that have a different Kafka name on the wire. */
const ALIASES: Record<string, KafkaErrorName> = {
  RECORD_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  CONCURRENT_MODIFICATION: 'REQUEST_TIMED_OUT',
  NO_OFFSET_FOR_PARTITION: 'OFFSET_OUT_OF_RANGE',
};

/** The Kafka error code for any thrown value; unknown failures are UNKNOWN_SERVER_ERROR. */
export function errorCodeOf(err: unknown): number {
  if (!isSluiceError(err)) return E.UNKNOWN_SERVER_ERROR;
  const name = (ALIASES[err.code] ?? err.code) as KafkaErrorName;
  return KAFKA_ERROR_CODES[name] ?? (err.retriable ? E.REQUEST_TIMED_OUT : E.UNKNOWN_SERVER_ERROR);
}

/** A short message for responses that carry one (Kafka's error_message fields). */
export const errorMessageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
