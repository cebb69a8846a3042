// One handler per API of protocol/apis.ts, by API key. A test checks both lists match.
import { API_KEYS } from '../protocol/apis.ts';
import type { Handler } from '../server/context.ts';
import { handleApiVersions } from './api-versions.ts';
import { handleHeartbeat, handleJoinGroup, handleLeaveGroup, handleSyncGroup } from './classic-groups.ts';
import { handleDescribeCluster, handleFindCoordinator, handleMetadata } from './cluster.ts';
import { handleAlterConfigs, handleDescribeConfigs, handleIncrementalAlterConfigs } from './configs.ts';
import { handleConsumerGroupHeartbeat } from './consumer-group.ts';
import { handleFetch } from './fetch.ts';
import { handleDeleteGroups, handleDescribeGroups, handleListGroups } from './group-admin.ts';
import { handleListOffsets } from './list-offsets.ts';
import { handleOffsetCommit, handleOffsetDelete, handleOffsetFetch } from './offsets.ts';
import { handleInitProducerId, handleProduce } from './produce.ts';
import { handleSaslAuthenticate, handleSaslHandshake } from './sasl.ts';
import { handleAddOffsetsToTxn, handleAddPartitionsToTxn, handleEndTxn, handleTxnOffsetCommit } from './transactions.ts';
import { handleCreatePartitions, handleCreateTopics, handleDeleteTopics } from './topics.ts';

const BY_NAME: Record<string, Handler> = {
  Produce: handleProduce,
  Fetch: handleFetch,
  ListOffsets: handleListOffsets,
  Metadata: handleMetadata,
  OffsetCommit: handleOffsetCommit,
  OffsetFetch: handleOffsetFetch,
  FindCoordinator: handleFindCoordinator,
  JoinGroup: handleJoinGroup,
  Heartbeat: handleHeartbeat,
  LeaveGroup: handleLeaveGroup,
  SyncGroup: handleSyncGroup,
  DescribeGroups: handleDescribeGroups,
  ListGroups: handleListGroups,
  SaslHandshake: handleSaslHandshake,
  ApiVersions: handleApiVersions,
  CreateTopics: handleCreateTopics,
  DeleteTopics: handleDeleteTopics,
  InitProducerId: handleInitProducerId,
  AddPartitionsToTxn: handleAddPartitionsToTxn,
  AddOffsetsToTxn: handleAddOffsetsToTxn,
  EndTxn: handleEndTxn,
  TxnOffsetCommit: handleTxnOffsetCommit,
  DescribeConfigs: handleDescribeConfigs,
  AlterConfigs: handleAlterConfigs,
  SaslAuthenticate: handleSaslAuthenticate,
  CreatePartitions: handleCreatePartitions,
  DeleteGroups: handleDeleteGroups,
  IncrementalAlterConfigs: handleIncrementalAlterConfigs,
  OffsetDelete: handleOffsetDelete,
  DescribeCluster: handleDescribeCluster,
  ConsumerGroupHeartbeat: handleConsumerGroupHeartbeat,
};

export const HANDLERS: ReadonlyMap<number, Handler> = new Map(
  Object.entries(API_KEYS).map(([name, key]) => {
    const handler = BY_NAME[name];
    if (!handler) throw new Error(`no handler for ${name}`);
    return [key, handler];
  }),
);
