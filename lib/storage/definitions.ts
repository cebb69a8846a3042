// The one definition of Sluice's DynamoDB tables and S3 bucket. The CDK stack builds its
// tables from these, local bootstrap creates them from these, and the runtime finds their
// names through the environment variables named here. Nothing else spells a key name.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { TABLE_IDS, type TableId } from '../core/tables.ts';

export { TABLE_IDS, type TableId };

/** String, number, or binary (compared as unsigned bytes, left to right). */
export type AttributeType = 'S' | 'N' | 'B';
export interface KeyAttribute {
  name: string;
  type: AttributeType;
}
export interface IndexDefinition {
  name: string;
  sortKey: KeyAttribute;
}
export interface TableDefinition {
  /** Logical id; the physical name comes from the environment (see tableEnvVar). */
  id: TableId;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Local secondary indexes (same partition key, another sort key), projection ALL. */
  localIndexes?: IndexDefinition[];
  /** Stream view type, when other functions react to this table's changes. */
  stream?: 'NEW_IMAGE' | 'NEW_AND_OLD_IMAGES';
  /** Attribute holding an epoch-seconds expiry. */
  timeToLiveAttribute?: string;
}

/**
 * topics      one item per live topic name: topicId, partition count, config.
 *             A re-created name gets a new topicId, so it never sees old data.
 * partitions  one head per (topicId, partition): nextOffset (= high watermark),
 *             logStartOffset, size counters, producer state. Missing = empty partition.
 *             Its stream drives subscription dispatch.
 * segments    the segment index: one entry per committed append (or compacted run),
 *             keyed by lastOffset so `lastOffset >= o` finds the entry holding o in one
 *             query. The byTime index orders entries by the running maximum timestamp
 *             (monotone, unlike record timestamps) for offset-by-time lookups.
 * groups      consumer groups: one item for membership and assignment (sk 'group',
 *             lib/groups/store.ts), one per committed offset (sk 'offset#...'), and
 *             for groups of Kafka clients using the classic protocol through the gateway
 *             one item of their join/sync state (sk 'classic', lib/gateway/groups/store.ts).
 *             One group id, one set of offsets, whichever protocol its members speak.
 * producers   the registered (random) producer ids of idempotent producers, and the
 *             Idempotency-Key claims of JSON produce requests; both expire by TTL.
 *             Transactions keep theirs here too (lib/log/transaction): the
 *             transactional producers (id 'txn#{transactionalId}': epoch, staged
 *             batches; expire by TTL when unused) and the reference records of objects
 *             shared by several partitions (id 'txnobject#{objectKey}').
 * subscriptions  triggers (lib/subscriptions/store.ts): definitions by topic name,
 *             bindings by topic id (what the dispatcher looks up), per-partition cursors
 *             with their delivery lease, and dead letters (expired by TTL). Sink
 *             connectors' cursors are here too: they are subscriptions of another kind.
 * push        push connections (lib/push/store.ts): each open connection, the heads it
 *             waits on (by topicId#partition, what the dispatcher looks up) and the
 *             group member whose session it holds (by group); all expired by TTL.
 * processors  stream processors (lib/streams/store.ts): one definition per processor
 *             (topology entry, inputs, outputs, stores, the incarnation its state lives
 *             under) and one item per task (its committed state: input positions,
 *             stream time, ...; its last error), all under the processor's name.
 * state       the processors' state stores (lib/streams/stores/dynamo/): binary keys,
 *             pk = application | incarnation | store | item hash, sk = 0x00 | item sort,
 *             so a store's range read is one Query and byte order is DynamoDB's order.
 *             Each item carries a version its writes are conditional on.
 * connectors  connectors (lib/connect/store.ts): definitions, the status of each task
 *             and the source offsets of source connectors.
 */
export const TABLES: Record<TableId, TableDefinition> = {
  topics: {
    id: 'topics',
    partitionKey: { name: 'name', type: 'S' },
  },
  partitions: {
    id: 'partitions',
    partitionKey: { name: 'topicId', type: 'S' },
    sortKey: { name: 'partition', type: 'N' },
    stream: 'NEW_AND_OLD_IMAGES',
  },
  segments: {
    id: 'segments',
    partitionKey: { name: 'tp', type: 'S' },
    sortKey: { name: 'lastOffset', type: 'N' },
    localIndexes: [{ name: 'byTime', sortKey: { name: 'timeKey', type: 'S' } }],
  },
  groups: {
    id: 'groups',
    partitionKey: { name: 'groupId', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
  },
  producers: {
    id: 'producers',
    partitionKey: { name: 'id', type: 'S' },
    timeToLiveAttribute: 'expiresAt',
  },
  subscriptions: {
    id: 'subscriptions',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    timeToLiveAttribute: 'expiresAt',
  },
  push: {
    id: 'push',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    timeToLiveAttribute: 'expiresAt',
  },
  processors: {
    id: 'processors',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
  },
  state: {
    id: 'state',
    partitionKey: { name: 'pk', type: 'B' },
    sortKey: { name: 'sk', type: 'B' },
  },
  connectors: {
    id: 'connectors',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
  },
};

/** Segment objects live under this prefix: `segments/{topicId}/{partition}/{uuid}`. */
export const SEGMENT_PREFIX = 'segments/';
/**
 * Objects holding the segments of several partitions (one transaction's data):
 * `segments/~shared/{uuid}`. Under SEGMENT_PREFIX, so the same grants cover them; '~' is
 * no character of a topic id, so no topic's cleanup mistakes them for its own. They are
 * deleted only when no partition references them (lib/log/transaction/sharedObjects.ts).
 */
export const SHARED_SEGMENT_PREFIX = `${SEGMENT_PREFIX}~shared/`;

/** Where a topic's segment objects live (`segments/{topicId}/`), or one partition's (`.../{p}/`). */
export function segmentPrefix(topicId: string, partition?: number): string {
  return `${SEGMENT_PREFIX}${topicId}/${partition === undefined ? '' : `${partition}/`}`;
}

export const BUCKET = {
  /** Multipart uploads nobody finished are aborted after this many days. */
  abortIncompleteUploadsAfterDays: 1,
} as const;

export interface StorageNames {
  tables: Record<TableId, string>;
  bucket: string;
}

export const tableEnvVar = (id: TableId): string => `SLUICE_TABLE_${id.toUpperCase()}`;
export const BUCKET_ENV_VAR = 'SLUICE_BUCKET';

/** The environment a function needs to find the storage: what CDK sets on each Lambda. */
export function storageEnvironment(names: StorageNames): Record<string, string> {
  const env: Record<string, string> = { [BUCKET_ENV_VAR]: names.bucket };
  for (const id of TABLE_IDS) env[tableEnvVar(id)] = names.tables[id];
  return env;
}

export function storageNamesFromEnv(env: NodeJS.ProcessEnv = process.env): StorageNames {
  const missing: string[] = [];
  const need = (k: string): string => {
    const v = env[k];
    if (!v) missing.push(k);
    return v ?? '';
  };
  const tables = Object.fromEntries(TABLE_IDS.map((id) => [id, need(tableEnvVar(id))])) as Record<TableId, string>;
  const bucket = need(BUCKET_ENV_VAR);
  if (missing.length) throw new Error(`storage is not configured: set ${missing.join(', ')}`);
  return { tables, bucket };
}

/** Names for a local stack: every table and the bucket share one prefix. */
export function prefixedStorageNames(prefix: string): StorageNames {
  const tables = Object.fromEntries(TABLE_IDS.map((id) => [id, `${prefix}-${id}`])) as Record<TableId, string>;
  return { tables, bucket: `${prefix}-data`.toLowerCase() };
}

/** The CreateTable request for a definition: local bootstrap's half of the one source. */
export function createTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const keys = [def.partitionKey, ...(def.sortKey ? [def.sortKey] : [])];
  const attrs = new Map<string, AttributeType>();
  for (const k of [...keys, ...(def.localIndexes ?? []).map((i) => i.sortKey)]) attrs.set(k.name, k.type);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    LocalSecondaryIndexes: def.localIndexes?.map((i) => ({
      IndexName: i.name,
      KeySchema: [
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: i.sortKey.name, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
    StreamSpecification: def.stream ? { StreamEnabled: true, StreamViewType: def.stream } : undefined,
  };
}
