// The one list of APIs the gateway serves: key, name, request and response schemas.
// ApiVersions advertises exactly these ranges, the server decodes with them, and the
// property tests walk them; an API missing here is simply not offered (a client asking
// for it anyway has its connection closed, as a Kafka broker does).
import { ApiVersionsRequest, ApiVersionsResponse } from './api-versions.ts';
import { HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, SyncGroupRequest, SyncGroupResponse } from './classic-groups.ts';
import { AlterConfigsRequest, AlterConfigsResponse, DescribeConfigsRequest, DescribeConfigsResponse, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './configs.ts';
import { ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse } from './consumer-group.ts';
import { FindCoordinatorRequest, FindCoordinatorResponse } from './coordinator.ts';
import { FetchRequest, FetchResponse } from './fetch.ts';
import { DeleteGroupsRequest, DeleteGroupsResponse, DescribeGroupsRequest, DescribeGroupsResponse, ListGroupsRequest, ListGroupsResponse } from './group-admin.ts';
import { ListOffsetsRequest, ListOffsetsResponse } from './list-offsets.ts';
import { DescribeClusterRequest, DescribeClusterResponse, MetadataRequest, MetadataResponse } from './metadata.ts';
import { OffsetCommitRequest, OffsetCommitResponse, OffsetDeleteRequest, OffsetDeleteResponse, OffsetFetchRequest, OffsetFetchResponse } from './offsets.ts';
import { InitProducerIdRequest, InitProducerIdResponse, ProduceRequest, ProduceResponse } from './produce.ts';
import { SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse } from './sasl.ts';
import type { MessageSchema } from './schema.ts';
import {
  AddOffsetsToTxnRequest, AddOffsetsToTxnResponse, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse, EndTxnRequest, EndTxnResponse, TxnOffsetCommitRequest, TxnOffsetCommitResponse,
} from './transactions.ts';
import { CreatePartitionsRequest, CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse, DeleteTopicsRequest, DeleteTopicsResponse } from './topics.ts';

export interface ApiDefinition {
  key: number;
  name: string;
  request: MessageSchema;
  response: MessageSchema;
}

const api = (name: string, request: MessageSchema, response: MessageSchema): ApiDefinition => {
  if (request.apiKey !== response.apiKey) throw new Error(`${name}: request and response keys differ`);
  if (request.versions.min !== response.versions.min || request.versions.max !== response.versions.max) {
    throw new Error(`${name}: request and response version ranges differ`);
  }
  return { key: request.apiKey, name, request, response };
};

export const APIS: readonly ApiDefinition[] = [
  api('Produce', ProduceRequest, ProduceResponse),
  api('Fetch', FetchRequest, FetchResponse),
  api('ListOffsets', ListOffsetsRequest, ListOffsetsResponse),
  api('Metadata', MetadataRequest, MetadataResponse),
  api('OffsetCommit', OffsetCommitRequest, OffsetCommitResponse),
  api('OffsetFetch', OffsetFetchRequest, OffsetFetchResponse),
  api('FindCoordinator', FindCoordinatorRequest, FindCoordinatorResponse),
  api('JoinGroup', JoinGroupRequest, JoinGroupResponse),
  api('Heartbeat', HeartbeatRequest, HeartbeatResponse),
  api('LeaveGroup', LeaveGroupRequest, LeaveGroupResponse),
  api('SyncGroup', SyncGroupRequest, SyncGroupResponse),
  api('DescribeGroups', DescribeGroupsRequest, DescribeGroupsResponse),
  api('ListGroups', ListGroupsRequest, ListGroupsResponse),
  api('SaslHandshake', SaslHandshakeRequest, SaslHandshakeResponse),
  api('ApiVersions', ApiVersionsRequest, ApiVersionsResponse),
  api('CreateTopics', CreateTopicsRequest, CreateTopicsResponse),
  api('DeleteTopics', DeleteTopicsRequest, DeleteTopicsResponse),
  api('InitProducerId', InitProducerIdRequest, InitProducerIdResponse),
  api('AddPartitionsToTxn', AddPartitionsToTxnRequest, AddPartitionsToTxnResponse),
  api('AddOffsetsToTxn', AddOffsetsToTxnRequest, AddOffsetsToTxnResponse),
  api('EndTxn', EndTxnRequest, EndTxnResponse),
  api('TxnOffsetCommit', TxnOffsetCommitRequest, TxnOffsetCommitResponse),
  api('DescribeConfigs', DescribeConfigsRequest, DescribeConfigsResponse),
  api('AlterConfigs', AlterConfigsRequest, AlterConfigsResponse),
  api('SaslAuthenticate', SaslAuthenticateRequest, SaslAuthenticateResponse),
  api('CreatePartitions', CreatePartitionsRequest, CreatePartitionsResponse),
  api('DeleteGroups', DeleteGroupsRequest, DeleteGroupsResponse),
  api('IncrementalAlterConfigs', IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse),
  api('OffsetDelete', OffsetDeleteRequest, OffsetDeleteResponse),
  api('DescribeCluster', DescribeClusterRequest, DescribeClusterResponse),
  api('ConsumerGroupHeartbeat', ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse),
];

export const API_BY_KEY: ReadonlyMap<number, ApiDefinition> = new Map(APIS.map((a) => [a.key, a]));
export const API_KEYS = Object.fromEntries(APIS.map((a) => [a.name, a.key])) as Record<string, number>;
