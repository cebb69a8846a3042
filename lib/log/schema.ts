// What the log accepts: Kafka's naming rule (shared by topics, groups and subscriptions),
// partition counts, topic configs, and the requests of topic administration and
// maintenance. One definition for the HTTP API (which hands bodies through, or parses
// them with these) and direct callers alike: a name, a count or a config is judged here
// and nowhere else (INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_CONFIG,
// INVALID_REQUEST naming the field; lib/core/schema.ts says which wins).
import * as z from 'zod/mini';
import { InvalidPartitionsError, InvalidTopicError, type SluiceError } from '../core/errors.ts';
import { convert, rule } from '../core/schema.ts';
import { parseConfigOverrides } from './config.ts';

export const MAX_PARTITIONS = 10_000;
const MAX_NAME_LENGTH = 249;

/**
 * Kafka's naming rule, shared by topics, groups and subscriptions: 1 to 249 of
 * [a-zA-Z0-9._-], and not "." or "..". `what` names the thing in the message; `Err` is
 * the error the caller reports (INVALID_TOPIC_EXCEPTION, INVALID_GROUP_ID, ...).
 */
export function validateKafkaName(
  name: unknown,
  what: string,
  Err: new (message: string) => SluiceError,
  opts: { allowDots?: boolean } = {},
): string {
  if (typeof name !== 'string' || name.length === 0) throw new Err(`${what} must not be empty.`);
  if (!opts.allowDots && (name === '.' || name === '..')) throw new Err(`${what} cannot be '${name}'.`);
  if (name.length > MAX_NAME_LENGTH) {
    throw new Err(`${what} is ${name.length} characters; the limit is ${MAX_NAME_LENGTH}.`);
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) {
    throw new Err(`${what} '${name}' is illegal: it may contain only ASCII letters, digits, '.', '_' and '-'.`);
  }
  return name;
}

export const validateTopicName = (name: unknown): string => validateKafkaName(name, 'Topic name', InvalidTopicError);

export function validatePartitionCount(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PARTITIONS) {
    throw new InvalidPartitionsError(`Partition count must be an integer from 1 to ${MAX_PARTITIONS}.`);
  }
  return n;
}

export const TopicName = z.string().check(rule(validateTopicName));

const PartitionCount = z.number().check(rule(validatePartitionCount));

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Config changes by Kafka's names: strings, numbers or booleans, null resets to the default; the
 * canonical overrides come out. The request's own object is judged, as a record schema
 * would silently drop a key like "__proto__".
 */
const ConfigChanges = z.pipe(
  z.custom<Record<string, unknown>>(isObject, 'expected an object of topic configs'),
  convert((config: Record<string, unknown>) => parseConfigOverrides(config)),
);

/** `POST /v1/topics`. */
export const CreateTopicRequest = z.strictObject({
  name: TopicName,
  /** Default 1. */
  partitions: z.optional(PartitionCount),
  config: z.optional(ConfigChanges),
});

/** `PATCH /v1/topics/{topic}`: configs change, partitions only grow. */
export const AlterTopicRequest = z.strictObject({
  config: z.optional(ConfigChanges),
  partitions: z.optional(PartitionCount),
});

/** `POST /v1/maintenance`: only these topics; default all (and the data of deleted topics). */
export const MaintenanceRequest = z.strictObject({
  topics: z.optional(z.array(TopicName).check(z.minLength(1), z.maxLength(1000))),
});

export type CreateTopicInput = z.input<typeof CreateTopicRequest>;
export type AlterTopicInput = z.input<typeof AlterTopicRequest>;
