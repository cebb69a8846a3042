// What lib/groups accepts: the one definition of its requests and bounds. The HTTP API
// hands request bodies and path parameters to lib/groups as they came, and every entry
// point of the service checks them here before anything is read or written, so a bad or
// oversized request costs nothing but its parsing (INVALID_REQUEST naming the field,
// INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, INVALID_TOPIC_EXCEPTION: see
// lib/core/schema.ts for which wins).
//
// Bounds (Kafka has none, but one group is one DynamoDB item of at most 400 KB): at most
// MAX_TOPICS_PER_MEMBER topics per member, and a join must leave the group item within
// MAX_GROUP_JOIN_BYTES (GROUP_MAX_SIZE_REACHED, checked by the service against the item
// it would write). The rest of the item limit is headroom for what changes without a join
// (partitions added to subscribed topics, partitions listed twice while they move).
import * as z from 'zod/mini';
import { InvalidGroupIdError, InvalidRequestError, InvalidSessionTimeoutError } from '../core/errors.ts';
import { convert, rule } from '../core/schema.ts';
import { validateKafkaName, validateTopicName } from '../log/schema.ts';
import { MAX_ITEM_BYTES } from '../storage/itemSize.ts';

export const SESSION_TIMEOUT = { min: 1_000, max: 300_000, default: 45_000 } as const;
export const MAX_HEARTBEAT_INTERVAL_MS = 3_000;
/** Kafka's offset.metadata.max.bytes default. */
export const MAX_OFFSET_METADATA_LENGTH = 4096;
/**
 * Topics one member may subscribe to. A member's topic names are stored in the group
 * item (those of existing topics once more, with their ids and partition counts): 1,000
 * of the longest names (249 bytes) take about 250 KB, most of the item's 400 KB, while
 * 1,000 names of typical length (20-30 bytes) leave room for many members. The count is
 * checked first, so a huge list costs nothing but its parsing; the item-size check then
 * decides exactly.
 */
export const MAX_TOPICS_PER_MEMBER = 1_000;
/**
 * A join is refused when the group item would pass this size (3/4 of DynamoDB's item
 * limit): the remaining 100 KB is for what grows without a join (partitions added to
 * subscribed topics, partitions listed twice while they move between members).
 */
export const MAX_GROUP_JOIN_BYTES = (MAX_ITEM_BYTES * 3) / 4;
/** How old the topic metadata stored on a group may get before a call reads it again. */
export const TOPIC_METADATA_MAX_AGE_MS = 30_000;
/** Member ids are the server's UUIDs; anything longer than this is not one. */
const MAX_MEMBER_ID_LENGTH = 255;

export const heartbeatIntervalMs = (sessionTimeoutMs: number): number =>
  Math.min(MAX_HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3));

/** Group ids follow Kafka's name rule (Kafka allows "." and ".." as group ids). */
export const validateGroupId = (group: unknown): string =>
  validateKafkaName(group, 'Group id', InvalidGroupIdError, { allowDots: true });

// ---- fields --------------------------------------------------------------------------------

const count = z.number().check(z.int(), z.minimum(0));

export const GroupId = z.string().check(rule(validateGroupId));

export const MemberId = z.string().check(
  rule((id: string) => {
    if (id.length === 0 || id.length > MAX_MEMBER_ID_LENGTH) {
      throw new InvalidRequestError(`memberId must be a non-empty string of at most ${MAX_MEMBER_ID_LENGTH} characters.`, {
        fields: ['memberId'],
      });
    }
  }),
);

const TopicName = z.string().check(rule(validateTopicName));

/** A member's topics: at most MAX_TOPICS_PER_MEMBER distinct names (counted first), each a legal name; distinct and sorted. */
const Subscription = z.pipe(
  z.array(z.string()).check(
    rule((topics: string[]) => {
      if (topics.length === 0) throw new InvalidRequestError('topics must be a non-empty list of topic names.', { fields: ['topics'] });
      const distinct = new Set(topics).size;
      if (distinct > MAX_TOPICS_PER_MEMBER) {
        throw new InvalidRequestError(`A member may subscribe to at most ${MAX_TOPICS_PER_MEMBER} topics; got ${distinct}.`, {
          fields: ['topics'],
          limit: MAX_TOPICS_PER_MEMBER,
          topics: distinct,
        });
      }
      for (const t of topics) validateTopicName(t);
    }),
  ),
  z.transform((topics: string[]) => [...new Set(topics)].sort()),
);

/**
 * A timeout outside [min, max] is Kafka's INVALID_SESSION_TIMEOUT; one inside it that is
 * not a whole number of milliseconds is a malformed request.
 */
const SessionTimeout = z.number().check(
  rule((ms: number) => {
    if (!(ms >= SESSION_TIMEOUT.min && ms <= SESSION_TIMEOUT.max)) {
      throw new InvalidSessionTimeoutError(`sessionTimeoutMs must be an integer from ${SESSION_TIMEOUT.min} to ${SESSION_TIMEOUT.max}.`, {
        min: SESSION_TIMEOUT.min,
        max: SESSION_TIMEOUT.max,
      });
    }
    if (!Number.isInteger(ms)) throw new InvalidRequestError('sessionTimeoutMs must be an integer.', { fields: ['sessionTimeoutMs'] });
  }),
);

/** `[{topic, partitions}]` (a member's owned partitions). */
const TopicPartitionsList = z.array(z.strictObject({ topic: z.string(), partitions: z.array(count) }));

// ---- requests ------------------------------------------------------------------------------

/** Join: `POST /v1/groups/{group}/members`. */
export const JoinRequest = z.strictObject({
  topics: Subscription,
  /** A member id the client chose (KIP-1082); default: a fresh UUID. */
  memberId: z.optional(MemberId),
  /** 1000..300000, default 45000. */
  sessionTimeoutMs: z.optional(SessionTimeout),
});

/** Heartbeat: `POST /v1/groups/{group}/members/{memberId}/heartbeat`. */
export const HeartbeatRequest = z.strictObject({
  /** The generation of the last response the member received. */
  generation: count,
  /** Partitions the member still consumes; revoked ones listed here stay unconfirmed. */
  owned: z.optional(TopicPartitionsList),
});

const OffsetCommit = z.strictObject({
  topic: TopicName,
  partition: count,
  /** The next offset to read. */
  offset: count,
  metadata: z.optional(
    z.nullable(
      z.string().check(z.maxLength(MAX_OFFSET_METADATA_LENGTH, `metadata must be a string of at most ${MAX_OFFSET_METADATA_LENGTH} characters`)),
    ),
  ),
});

/** Commit: `POST /v1/groups/{group}/offsets`; without memberId only while the group is empty. */
export const CommitRequest = z.strictObject({
  memberId: z.optional(MemberId),
  generation: z.optional(count),
  offsets: z.array(OffsetCommit),
}).check(
  rule((req: { memberId?: string; generation?: number; offsets: { topic: string; partition: number }[] }) => {
    if (req.memberId === undefined && req.generation !== undefined) throw new InvalidRequestError('generation is only meaningful with memberId.');
    if (req.memberId !== undefined && req.generation === undefined) throw new InvalidRequestError('A commit with memberId needs its generation.');
    const seen = new Set<string>();
    for (const o of req.offsets) {
      const key = `${o.topic}#${o.partition}`;
      if (seen.has(key)) throw new InvalidRequestError(`Partition ${o.partition} of '${o.topic}' appears twice.`);
      seen.add(key);
    }
  }),
);

/** ISO 8601 date or date-time ("2025-06-01", "2025-06-01T12:00:00Z", "...+02:00"). */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

const DateTime = z.union(
  [
    count,
    z.pipe(
      z.string().check(z.regex(ISO_DATETIME, 'must be epoch ms or an ISO 8601 date-time')),
      convert((text: string) => {
        const ms = Date.parse(text);
        if (!Number.isSafeInteger(ms) || ms < 0) {
          throw new InvalidRequestError(`'to.datetime': '${text}' is not a valid date-time.`, { fields: ['to.datetime'] });
        }
        return ms;
      }),
    ),
  ],
  { error: 'must be epoch ms or an ISO 8601 date-time' },
);

/** Where a reset moves the offsets; the API's strings, and the object forms of ResetTo. */
const ResetTarget = z.union(
  [
    z.enum(['earliest', 'latest']),
    z.strictObject({ earliest: z.literal(true) }),
    z.strictObject({ latest: z.literal(true) }),
    z.strictObject({ datetime: DateTime }),
    z.strictObject({ offset: count }),
    z.strictObject({ shiftBy: z.number().check(z.int()) }),
  ],
  { error: 'must be "earliest", "latest", {"datetime": ms or ISO 8601}, {"offset": n} or {"shiftBy": n}' },
);

/** Reset: `POST /v1/groups/{group}/offsets/reset` (kafka-consumer-groups --reset-offsets). */
export const ResetRequest = z.strictObject({
  topic: TopicName,
  to: z.pipe(
    ResetTarget,
    z.transform((to): ResetTo => (to === 'earliest' ? { earliest: true } : to === 'latest' ? { latest: true } : to)),
  ),
  /** Default: every partition of the topic. Distinct and sorted. */
  partitions: z.optional(z.pipe(z.array(count).check(z.minLength(1)), z.transform((ps: number[]) => [...new Set(ps)].sort((a, b) => a - b)))),
});

export type ResetTo = { earliest: true } | { latest: true } | { datetime: number } | { offset: number } | { shiftBy: number };

// The shapes callers build (the API's JSON bodies have them too).
export type JoinOptions = z.input<typeof JoinRequest>;
export type HeartbeatOptions = z.input<typeof HeartbeatRequest>;
export type CommitOptions = z.input<typeof CommitRequest>;
/** One offset of a commit. */
export type OffsetCommit = CommitOptions['offsets'][number];
export type ResetOffsetsOptions = z.input<typeof ResetRequest>;
