// Metadata, DescribeCluster and FindCoordinator. A gateway node is the whole cluster as a
// client sees it: the one broker, leader and only replica of every partition, coordinator
// of every group. Any node can serve any request because all state is in DynamoDB and
// S3; deployed, every node advertises the load balancer's address.
import { isSluiceError } from '../../core/errors.ts';
import type { TopicSummary } from '../../log/index.ts';
import { E, errorCodeOf } from '../protocol/errors.ts';
import { ZERO_UUID } from '../protocol/primitives.ts';
import type { Message } from '../protocol/schema.ts';
import type { Handler, NodeIdentity, RequestContext } from '../server/context.ts';

function topicMetadata(node: NodeIdentity, t: TopicSummary): Message {
  return {
    errorCode: E.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: false,
    partitions: Array.from({ length: t.partitions }, (_, p) => ({
      errorCode: E.NONE,
      partitionIndex: p,
      leaderId: node.nodeId,
      leaderEpoch: 0,
      replicaNodes: [node.nodeId],
      isrNodes: [node.nodeId],
      offlineReplicas: [],
    })),
  };
}

const missing = (name: string | null, topicId: string, err: unknown): Message => ({
  errorCode: errorCodeOf(err),
  name,
  topicId,
  isInternal: false,
  partitions: [],
});

async function requestedTopics(ctx: RequestContext, req: Message): Promise<Message[]> {
  const { node, log } = ctx.services;
  const all = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
  if (all) return (await ctx.services.topics.all(true)).map((t) => topicMetadata(node, t));
  return Promise.all(
    (req.topics as Message[]).map(async ({ name, topicId }) => {
      try {
        if (name === null || name === undefined) {
          const t = await ctx.services.topics.get(topicId);
          return t ? topicMetadata(node, t) : { ...missing(null, topicId, null), errorCode: E.UNKNOWN_TOPIC_ID };
        }
        const t = await log.topics.require(name);
        return topicMetadata(node, { name: t.name, topicId: t.topicId, partitions: t.partitions } as TopicSummary);
      } catch (err) {
        if (!isSluiceError(err)) throw err;
        return missing(name, ZERO_UUID, err);
      }
    }),
  );
}

export const handleMetadata: Handler = async (ctx, req) => {
  const { node } = ctx.services;
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: node.nodeId, host: node.host, port: node.port, rack: null }],
    clusterId: node.clusterId,
    controllerId: node.nodeId,
    topics: await requestedTopics(ctx, req),
  };
};

export const handleDescribeCluster: Handler = (ctx) => {
  const { node } = ctx.services;
  return {
    throttleTimeMs: 0,
    errorCode: E.NONE,
    errorMessage: null,
    endpointType: 1,
    clusterId: node.clusterId,
    controllerId: node.nodeId,
    brokers: [{ brokerId: node.nodeId, host: node.host, port: node.port, rack: null }],
  };
};

/** Group (key type 0) and transaction (1) coordinators are the node asked. */
export const handleFindCoordinator: Handler = (ctx, req) => {
  const { node } = ctx.services;
  const known = req.keyType === 0 || req.keyType === 1;
  const error = known ? E.NONE : E.INVALID_REQUEST;
  const message = known ? null : `Unknown coordinator key type ${req.keyType}.`;
  if (ctx.apiVersion < 4) {
    return { throttleTimeMs: 0, errorCode: error, errorMessage: message, nodeId: node.nodeId, host: node.host, port: node.port };
  }
  return {
    throttleTimeMs: 0,
    coordinators: (req.coordinatorKeys as string[]).map((key) => ({
      key, nodeId: node.nodeId, host: node.host, port: node.port, errorCode: error, errorMessage: message,
    })),
  };
};

