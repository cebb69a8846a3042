// Consumer groups (DESIGN.md "Consumer groups"; Kafka's KIP-848): membership with
// sessions, server-side balanced and sticky assignment, fenced offset commits, lag, and
// the admin operations (list, describe, delete, reset offsets). The feature owns:
//
//   schema.ts       what every call accepts, and the bounds of a group
//   service.ts      Groups, the surface the HTTP API and tests use
//   membership.ts   join, heartbeat, leave          reconcile.ts  the protocol, pure
//   offsets.ts      commit, lag, reset              assignor.ts   balanced, sticky targets
//   admin.ts        list, describe, delete          fencing.ts    who may write offsets
//   updates.ts      the optimistic loop over the group item
//   store.ts        the group item (members, assignment, owners), in the groups table
//   offsetStore.ts  committed offsets, written in one transaction with their fence
//
// A group is one DynamoDB item changed only by conditional writes (read consistent ->
// compute -> Put IF version = read; on a lost race, jittered backoff and recompute), and
// one item per committed offset. Nothing here knows about HTTP.
export { assignPartitions, type AssignorInput, type AssignorMember } from './assignor.ts';
export type { GroupState } from './reconcile.ts';
export {
  GroupId,
  heartbeatIntervalMs,
  MAX_GROUP_JOIN_BYTES,
  MAX_HEARTBEAT_INTERVAL_MS,
  MAX_OFFSET_METADATA_LENGTH,
  MAX_TOPICS_PER_MEMBER,
  SESSION_TIMEOUT,
  TOPIC_METADATA_MAX_AGE_MS,
  validateGroupId,
} from './schema.ts';
export type { ExternalFence } from './fencing.ts';
export type { CommitFenceOptions } from './offsets.ts';
export { Groups } from './service.ts';
export type { TopicPartitions } from './store.ts';
export type * from './types.ts';
