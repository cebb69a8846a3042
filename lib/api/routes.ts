// The route table: every HTTP route of API.md, the operation that serves it and the
// function that hosts it. CDK creates one API route and one Lambda per function from
// this table; the dev server matches requests against it and calls the same handlers.
// Pure data: importing it pulls in no handler code.
import type { TableId } from '../core/tables.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Functions are grouped by the access they need, so each gets least privilege:
 * the fetch function can read but never write, only produce writes segments, and so on.
 */
export type FunctionName =
  | 'admin' | 'produce' | 'fetch' | 'groups' | 'health' | 'maintenance' | 'subscriptions' | 'dispatcher' | 'push' | 'transactions'
  | 'connectors' | 'connectorRuntime' | 'processors';

export type Access = 'none' | 'read' | 'write';
/** 'manage' adds listing and deleting segment objects: the maintenance function's alone. */
export type BucketAccess = Access | 'manage';

export interface FunctionDefinition {
  description: string;
  /** Entry file under functions/, exporting `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Per table id of lib/storage/definitions.ts; missing = none. */
  tables: Partial<Record<TableId, Access>>;
  /** Segment objects in the bucket. */
  bucket: BucketAccess;
  /** Also invoked on this schedule (EventBridge deployed, a timer in the dev server). */
  scheduleMinutes?: number;
  /**
   * Invoked by the stream of the partitions table (an event source mapping deployed, the
   * dev server's stream poller locally). A function may have no HTTP routes at all: it
   * still gets its Lambda, just no API route.
   */
  trigger?: 'partitions-stream';
  /**
   * Sends messages down push connections (lib/push/poster.ts): execute-api:ManageConnections
   * on the push WebSocket API's stage, and its endpoint in SLUICE_PUSH_ENDPOINT.
   */
  postsToConnections?: true;
}

// Minutes between the scheduled runs of each scheduled function: EventBridge deployed
// (FUNCTIONS.scheduleMinutes drives the CDK rule), and what a run is told of the run
// before it (lib/runtime/schedule.ts reads SCHEDULE_MINUTES, which bundles without the
// rest of the table).
const MAINTENANCE_EVERY = 15;
const DISPATCHER_EVERY = 1;
const CONNECTOR_RUNTIME_EVERY = 1;
export const SCHEDULE_MINUTES: Partial<Record<FunctionName, number>> = { maintenance: MAINTENANCE_EVERY, dispatcher: DISPATCHER_EVERY, connectorRuntime: CONNECTOR_RUNTIME_EVERY };

export const FUNCTIONS: Record<FunctionName, FunctionDefinition> = {
  admin: {
    description: 'Topic administration: create, list, describe, alter, delete',
    entry: 'functions/admin.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { topics: 'write', partitions: 'read' },
    bucket: 'none',
  },
  produce: {
    description: 'Produce: validate, upload a segment, commit offsets',
    entry: 'functions/produce.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    tables: { topics: 'read', partitions: 'write', segments: 'write', producers: 'write' },
    bucket: 'write',
  },
  // Transactions (lib/log/transaction): uploads data like produce, commits heads, index
  // entries, group offsets (fenced on the group item) and the transactional producer's
  // item in one TransactWriteItems; reads topics, heads and index entries (ambiguous
  // outcomes, shared objects' references).
  transactions: {
    description: 'Transactions: one-shot and staged commits over many partitions with group offsets',
    entry: 'functions/transactions.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    tables: { topics: 'read', partitions: 'write', segments: 'write', producers: 'write', groups: 'write' },
    bucket: 'write',
  },
  fetch: {
    description: 'Fetch records and list offsets (read only, long polls)',
    entry: 'functions/fetch.ts',
    memoryMb: 1024,
    timeoutSeconds: 29,
    tables: { topics: 'read', partitions: 'read', segments: 'read' },
    bucket: 'read',
  },
  // Consumer groups (lib/groups). Membership and offsets live in the groups table
  // (conditional Put/Update/Delete, TransactWrite with ConditionCheck, Query, Scan, batch
  // delete); topics and partition heads are read to size assignments, fence commits at the
  // high watermark and compute lag. Resetting offsets to a datetime is the log's
  // listOffsets: the segments time index and one ranged read of a segment object.
  groups: {
    description: 'Consumer groups: membership, offset commits, lag, administration',
    entry: 'functions/groups.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { groups: 'write', topics: 'read', partitions: 'read', segments: 'read', push: 'write' },
    bucket: 'read',
    // Tells members whose session a push connection holds that the group changed.
    postsToConnections: true,
  },
  health: {
    description: 'Health check',
    entry: 'functions/health.ts',
    memoryMb: 256,
    timeoutSeconds: 5,
    tables: {},
    bucket: 'none',
  },
  maintenance: {
    description: 'Maintenance pass: retention, compaction, orphan and deleted-topic cleanup',
    entry: 'functions/maintenance.ts',
    memoryMb: 1024,
    timeoutSeconds: 900,
    tables: { topics: 'read', partitions: 'write', segments: 'write' },
    bucket: 'manage',
    scheduleMinutes: MAINTENANCE_EVERY,
  },
  // Subscriptions (lib/subscriptions): definitions, cursors and dead letters live in the
  // subscriptions table; topics and heads are read to resolve starting positions and lag.
  subscriptions: {
    description: 'Subscriptions: create, list, describe, delete, dead letters',
    entry: 'functions/subscriptions.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { subscriptions: 'write', topics: 'read', partitions: 'read' },
    bucket: 'none',
  },
  // Processors (lib/streams): definitions, task status and interactive queries from the
  // processors and state tables; topics and heads are read for lag. Writes only for a
  // reset (a new incarnation, the old one's tasks and state items deleted).
  processors: {
    description: 'Stream processors: list, describe, query stores, reset',
    entry: 'functions/processors.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { processors: 'write', state: 'write', topics: 'read', partitions: 'read' },
    bucket: 'none',
  },
  // Delivers records to subscriptions; no HTTP routes. Driven by the partitions table's
  // stream, and swept every minute for batching windows, retries and pending bindings.
  // Reads records like fetch does; writes only the subscriptions table (cursors, leases,
  // dead letters). The construct also grants it lambda:InvokeFunction on each subscribed
  // function (platform.addSubscription) and sqs:SendMessage on the dead-letter queues.
  dispatcher: {
    description: 'Subscription dispatcher: delivers records to subscribed functions in order',
    entry: 'functions/dispatcher.ts',
    memoryMb: 1024,
    timeoutSeconds: 180,
    tables: { subscriptions: 'write', topics: 'read', partitions: 'read', segments: 'read', push: 'write' },
    bucket: 'read',
    scheduleMinutes: DISPATCHER_EVERY,
    trigger: 'partitions-stream',
    // Tells push connections watching a head that moved (lib/push/notify.ts), and drops
    // the watches it answered.
    postsToConnections: true,
  },
  // The push WebSocket API's function (PUSH_ROUTES; lib/push): no HTTP routes. Records
  // connections and their watches (heads read to answer those already past), and serves
  // heartbeats whose session the connection holds (the groups table, as the groups
  // function does; lib/push/sessions.ts).
  push: {
    description: 'Push connections: watches of partition heads, group sessions held by a connection',
    entry: 'functions/push.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { push: 'write', groups: 'write', topics: 'read', partitions: 'read' },
    bucket: 'none',
    postsToConnections: true,
  },
  // Connector management (lib/connect): definitions, statuses and source offsets in the
  // connectors table; a sink's offsets are its cursors in the subscriptions table; topics
  // are read to resolve a sink's topics.
  connectors: {
    description: 'Connectors: create, configure, pause, resume, stop, restart, delete, offsets, plugins',
    entry: 'functions/connectors.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    tables: { connectors: 'write', subscriptions: 'write', topics: 'read' },
    bucket: 'none',
  },
  // Runs connectors; no HTTP routes. Sinks are subscriptions of another kind, driven by the
  // partitions stream like the dispatcher (their cursors in the subscriptions table); sources
  // are polled on the schedule and append through the log (dead letters too, and topics a
  // source or a dead-letter queue needs are created). The construct grants each connector's
  // own resources (platform.addConnector).
  connectorRuntime: {
    description: 'Connector runtime: sink connectors from their cursors, source connectors on a schedule',
    entry: 'functions/connectorRuntime.ts',
    memoryMb: 1024,
    timeoutSeconds: 180,
    tables: { connectors: 'write', subscriptions: 'write', topics: 'write', partitions: 'write', segments: 'write', producers: 'write' },
    bucket: 'write',
    scheduleMinutes: CONNECTOR_RUNTIME_EVERY,
    trigger: 'partitions-stream',
  },
};

/**
 * The push WebSocket API's routes (route selection `$request.body.action`), all served by
 * the push function; lib/push/handler.ts says what each does. Deployed, $connect is
 * IAM-authorized like every HTTP route; the dev server serves them on PUSH.localPath.
 */
export const PUSH_ROUTES = ['$connect', '$disconnect', 'watch', 'heartbeat', '$default'] as const;

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway path syntax: `{name}` is one path segment. */
  path: string;
  /** Operation id, the key of the handler implementing it. */
  operation: string;
  fn: FunctionName;
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/v1/health', operation: 'health', fn: 'health' },
  // Not in API.md: where push connections go (lib/core/wire.ts PushEndpoint):
  // {"url":"wss://..."} deployed, the dev server's own endpoint locally, {"url":null} without.
  { method: 'GET', path: '/v1/push', operation: 'describePush', fn: 'health' },
  // Runs one maintenance pass now and answers its report (the schedule runs it too).
  { method: 'POST', path: '/v1/maintenance', operation: 'runMaintenance', fn: 'maintenance' },
  { method: 'POST', path: '/v1/topics', operation: 'createTopic', fn: 'admin' },
  { method: 'GET', path: '/v1/topics', operation: 'listTopics', fn: 'admin' },
  { method: 'GET', path: '/v1/topics/{topic}', operation: 'describeTopic', fn: 'admin' },
  { method: 'PATCH', path: '/v1/topics/{topic}', operation: 'alterTopic', fn: 'admin' },
  { method: 'DELETE', path: '/v1/topics/{topic}', operation: 'deleteTopic', fn: 'admin' },
  { method: 'POST', path: '/v1/topics/{topic}/records', operation: 'produce', fn: 'produce' },
  { method: 'POST', path: '/v1/producers', operation: 'initProducer', fn: 'produce' },
  { method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/records', operation: 'fetch', fn: 'fetch' },
  { method: 'GET', path: '/v1/topics/{topic}/partitions/{partition}/offsets', operation: 'listOffsets', fn: 'fetch' },
  // Not in API.md: one long poll over many partitions (a consumer group member's whole
  // assignment), answered when any has data (lib/api/operations/multiFetch.ts has the
  // request and both answer forms; lib/core/fetchFrames.ts the binary layout).
  { method: 'POST', path: '/v1/fetch', operation: 'multiFetch', fn: 'fetch' },
  // Consumer groups (API.md "Consumer groups").
  { method: 'GET', path: '/v1/groups', operation: 'listGroups', fn: 'groups' },
  { method: 'GET', path: '/v1/groups/{group}', operation: 'describeGroup', fn: 'groups' },
  { method: 'DELETE', path: '/v1/groups/{group}', operation: 'deleteGroup', fn: 'groups' },
  { method: 'POST', path: '/v1/groups/{group}/members', operation: 'joinGroup', fn: 'groups' },
  { method: 'POST', path: '/v1/groups/{group}/members/{memberId}/heartbeat', operation: 'heartbeat', fn: 'groups' },
  { method: 'DELETE', path: '/v1/groups/{group}/members/{memberId}', operation: 'leaveGroup', fn: 'groups' },
  { method: 'POST', path: '/v1/groups/{group}/offsets', operation: 'commitOffsets', fn: 'groups' },
  { method: 'GET', path: '/v1/groups/{group}/offsets', operation: 'fetchOffsets', fn: 'groups' },
  // Not in API.md: the admin reset behind `sluice groups reset-offsets` (Kafka's
  // kafka-consumer-groups --reset-offsets). Only while the group has no members (409
  // NON_EMPTY_GROUP otherwise); targets are clamped into [logStartOffset, highWatermark].
  //   POST /v1/groups/{group}/offsets/reset
  //   {"topic":"orders",
  //    "to":"earliest"|"latest"|{"datetime":ms|"ISO-8601"}|{"offset":n}|{"shiftBy":n},
  //    "partitions":[0,2]}                      (optional; default every partition)
  //   → 200 {"offsets":[{"topic","partition","offset","metadata"}]}
  { method: 'POST', path: '/v1/groups/{group}/offsets/reset', operation: 'resetOffsets', fn: 'groups' },
  // Transactions (API.md "Transactions"; lib/api/operations/transactions.ts). A
  // transactional producer registers with POST /v1/producers {"transactionalId"}.
  { method: 'POST', path: '/v1/transactions', operation: 'commitTransaction', fn: 'transactions' },
  { method: 'POST', path: '/v1/transactions/{transactionalId}/batches', operation: 'stageTransaction', fn: 'transactions' },
  { method: 'POST', path: '/v1/transactions/{transactionalId}/commit', operation: 'commitStagedTransaction', fn: 'transactions' },
  { method: 'DELETE', path: '/v1/transactions/{transactionalId}', operation: 'abortTransaction', fn: 'transactions' },
  // Subscriptions (API.md "Subscriptions"; lib/api/operations/subscriptions.ts).
  { method: 'POST', path: '/v1/topics/{topic}/subscriptions', operation: 'createSubscription', fn: 'subscriptions' },
  { method: 'GET', path: '/v1/topics/{topic}/subscriptions', operation: 'listSubscriptions', fn: 'subscriptions' },
  { method: 'GET', path: '/v1/topics/{topic}/subscriptions/{subscription}', operation: 'describeSubscription', fn: 'subscriptions' },
  { method: 'DELETE', path: '/v1/topics/{topic}/subscriptions/{subscription}', operation: 'deleteSubscription', fn: 'subscriptions' },
  { method: 'GET', path: '/v1/topics/{topic}/subscriptions/{subscription}/dead-letters', operation: 'listDeadLetters', fn: 'subscriptions' },
  // Connectors (API.md "Connectors"; lib/api/operations/connectors.ts).
  { method: 'GET', path: '/v1/connectors', operation: 'listConnectors', fn: 'connectors' },
  { method: 'POST', path: '/v1/connectors', operation: 'createConnector', fn: 'connectors' },
  { method: 'GET', path: '/v1/connectors/{connector}', operation: 'describeConnector', fn: 'connectors' },
  { method: 'DELETE', path: '/v1/connectors/{connector}', operation: 'deleteConnector', fn: 'connectors' },
  { method: 'GET', path: '/v1/connectors/{connector}/config', operation: 'getConnectorConfig', fn: 'connectors' },
  { method: 'PUT', path: '/v1/connectors/{connector}/config', operation: 'putConnectorConfig', fn: 'connectors' },
  { method: 'GET', path: '/v1/connectors/{connector}/status', operation: 'connectorStatus', fn: 'connectors' },
  { method: 'PUT', path: '/v1/connectors/{connector}/pause', operation: 'pauseConnector', fn: 'connectors' },
  { method: 'PUT', path: '/v1/connectors/{connector}/resume', operation: 'resumeConnector', fn: 'connectors' },
  { method: 'PUT', path: '/v1/connectors/{connector}/stop', operation: 'stopConnector', fn: 'connectors' },
  { method: 'POST', path: '/v1/connectors/{connector}/restart', operation: 'restartConnector', fn: 'connectors' },
  { method: 'GET', path: '/v1/connectors/{connector}/offsets', operation: 'getConnectorOffsets', fn: 'connectors' },
  { method: 'PATCH', path: '/v1/connectors/{connector}/offsets', operation: 'alterConnectorOffsets', fn: 'connectors' },
  { method: 'DELETE', path: '/v1/connectors/{connector}/offsets', operation: 'resetConnectorOffsets', fn: 'connectors' },
  { method: 'GET', path: '/v1/connector-plugins', operation: 'listConnectorPlugins', fn: 'connectors' },
  { method: 'PUT', path: '/v1/connector-plugins/{plugin}/config/validate', operation: 'validateConnectorConfig', fn: 'connectors' },
  // Processors (API.md "Processors"; lib/api/operations/processors.ts).
  { method: 'GET', path: '/v1/processors', operation: 'listProcessors', fn: 'processors' },
  { method: 'GET', path: '/v1/processors/{name}', operation: 'describeProcessor', fn: 'processors' },
  { method: 'GET', path: '/v1/processors/{name}/stores/{store}/keys/{key}', operation: 'queryProcessorStore', fn: 'processors' },
  { method: 'GET', path: '/v1/processors/{name}/stores/{store}/keys/{key}/windows', operation: 'queryProcessorWindows', fn: 'processors' },
  // Not in API.md: the reset behind `sluice processors reset` (kafka-streams-application-
  // reset): a new incarnation (empty tasks and stores), the old one's items purged.
  //   POST /v1/processors/{name}/reset → 200 {"name","incarnation","deletedTasks","deletedStateItems"}
  { method: 'POST', path: '/v1/processors/{name}/reset', operation: 'resetProcessor', fn: 'processors' },
  // Not in API.md: stop and start (as connectors' PUT .../stop|resume), a flag on the
  // processor that every runtime checks before each pass, kept across restarts.
  //   PUT /v1/processors/{name}/stop|start → 200 summary (state STOPPED | RUNNING)
  { method: 'PUT', path: '/v1/processors/{name}/stop', operation: 'stopProcessor', fn: 'processors' },
  { method: 'PUT', path: '/v1/processors/{name}/start', operation: 'startProcessor', fn: 'processors' },
  // Not in API.md: `sluice processors run ./topology.ts`, the dev server only (it loads
  // the module from the directories it allows modules from and runs it); deployed, a
  // processor is deployed with the platform (CDK addProcessor): 400 INVALID_REQUEST.
  //   POST /v1/processors {"entry":"/abs/path/topology.ts"} → 201 summary
  { method: 'POST', path: '/v1/processors', operation: 'runProcessor', fn: 'processors' },
];

/** API Gateway's routeKey for a route: "GET /v1/topics/{topic}". */
export const routeKey = (r: Pick<RouteDefinition, 'method' | 'path'>): string => `${r.method} ${r.path}`;

export interface RouteMatch {
  route: RouteDefinition;
  pathParameters: Record<string, string>;
}

/**
 * Match a concrete method and path (as the dev server receives it) against the table.
 * Returns `{ allowed }` when the path exists under other methods, for a 405.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | { allowed: HttpMethod[] } | undefined {
  const segments = rawPath.split('/');
  const allowed: HttpMethod[] = [];
  for (const route of ROUTES) {
    const params = matchPath(route.path.split('/'), segments);
    if (!params) continue;
    if (route.method === method.toUpperCase()) return { route, pathParameters: params };
    allowed.push(route.method);
  }
  return allowed.length ? { allowed } : undefined;
}

function matchPath(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith('{') && p.endsWith('}')) {
      if (a === '') return undefined;
      let decoded: string;
      try {
        decoded = decodeURIComponent(a);
      } catch {
        return undefined;
      }
      params[p.slice(1, -1)] = decoded;
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}
