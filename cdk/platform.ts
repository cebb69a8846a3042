/**
 * StreamingPlatform: all of Sluice (storage, functions, API, subscriptions, schedules) as
 * one reusable construct, composed of one concern per file:
 *
 *   storage.ts        the tables of lib/storage/definitions.ts (TABLES), the bucket (BUCKET)
 *   functions.ts      one function and least-privilege role per FUNCTIONS entry (access.ts)
 *   schedules.ts      the EventBridge rules of the scheduled functions
 *   subscriptions.ts  the dispatcher's stream trigger, dead-letter queue, addSubscription
 *   connectors.ts     addConnector and the connector runtime's grants to the user's resources
 *   processors.ts     addProcessor: a topology bundled into its own Lambda, rung by the
 *                     dispatcher and a schedule, with a least-privilege role
 *   api.ts            every route of ROUTES: HTTP API, or REST API, authorized per route
 *   push.ts           the push WebSocket API (PUSH_ROUTES), and who may post to it
 *
 * Everything is derived from the single sources (lib/storage/definitions.ts,
 * lib/api/routes.ts); nothing is spelled twice. Every concern builds into this construct's
 * own scope, so construct paths and logical ids stay what they were. Props and their
 * defaults: props.ts.
 *
 * Exposes `tables`, `bucket`, `functions`, `storageNames`, `apiUrl` (no trailing slash;
 * append `/v1/...`), `apiId`, `pushUrl`, `deadLetterQueue`, and `httpApi` or `restApi`.
 *
 * Optional features, each built only when its prop is set:
 *
 *   gateway.ts        `kafkaGateway`: the Kafka protocol gateway as a Fargate service
 *                     behind a TLS Network Load Balancer, exposed as `kafkaGateway`
 */
import type { CustomResource } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import type { FunctionName } from '../lib/api/routes.ts';
import type { StorageNames, TableId } from '../lib/storage/definitions.ts';
import { PlatformApi } from './api.ts';
import { PlatformConnectors, type ConnectorOptions } from './connectors.ts';
import { PlatformFunctions } from './functions.ts';
import { KafkaGateway } from './gateway.ts';
import { resolveSettings, type ApiType, type PlatformSettings, type StreamingPlatformProps } from './props.ts';
import { PlatformProcessors, type ProcessorOptions } from './processors.ts';
import { PlatformPush } from './push.ts';
import { addSchedules } from './schedules.ts';
import { PlatformStorage } from './storage.ts';
import { PlatformSubscriptions, type SubscriptionOptions } from './subscriptions.ts';

export { ACTIONS, type StorageAccess } from './access.ts';
export { BINARY_MEDIA_TYPES } from './api.ts';
export { DEFAULT_THROTTLE, type ApiAuth, type ApiType, type LogLevelName, type StreamingPlatformProps } from './props.ts';
export type { SubscriptionOptions } from './subscriptions.ts';
export type { ConnectorOptions, ConnectorResources } from './connectors.ts';
export type { ProcessorOptions } from './processors.ts';

/**
 * The concerns of a platform, in the order they are built: each may use those before it.
 * Optional features (the Kafka gateway of DESIGN.md, ...) come after the core, each built
 * from these parts into the platform's scope when its prop is set.
 */
export interface PlatformParts {
  readonly settings: PlatformSettings;
  readonly storage: PlatformStorage;
  readonly functions: PlatformFunctions;
  readonly subscriptions: PlatformSubscriptions;
  readonly connectors: PlatformConnectors;
  readonly processors: PlatformProcessors;
  readonly api: PlatformApi;
  readonly push: PlatformPush;
}

export class StreamingPlatform extends Construct {
  readonly tables: Record<TableId, dynamodb.Table>;
  readonly bucket: s3.Bucket;
  readonly accessLogsBucket?: s3.Bucket;
  readonly functions: Record<FunctionName, NodejsFunction>;
  readonly storageNames: StorageNames;
  readonly apiType: ApiType;
  /** Base URL of the API without a trailing slash: `${apiUrl}/v1/health`. */
  readonly apiUrl: string;
  readonly apiId: string;
  /** wss:// URL of the push WebSocket API (what GET /v1/push answers). */
  readonly pushUrl: string;
  readonly httpApi?: apigwv2.HttpApi;
  readonly restApi?: apigw.RestApi;
  /**
   * Dead letters of subscriptions without their own queue (batches that failed
   * maxRetries + 1 times): SQS-managed encryption, TLS-only, 14 days retention.
   */
  readonly deadLetterQueue: sqs.Queue;
  /** The concerns this platform is made of. */
  readonly parts: PlatformParts;
  /** The Kafka gateway, when `kafkaGateway` was given. */
  readonly kafkaGateway?: KafkaGateway;

  constructor(scope: Construct, id: string, props: StreamingPlatformProps = {}) {
    super(scope, id);
    // Log delivery to the access-logs bucket by bucket policy (not the legacy ACL), for
    // this construct's buckets whatever the host app's feature flags say. Context must be
    // set before any child exists.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    const settings = resolveSettings(props);
    const storage = new PlatformStorage(this, settings);
    const functions = new PlatformFunctions(this, settings, storage);
    addSchedules(this, functions.functions);
    const subscriptions = new PlatformSubscriptions(this, settings, storage, functions);
    const api = new PlatformApi(this, settings, functions.functions);
    const push = new PlatformPush(this, settings, functions);
    const connectors = new PlatformConnectors(this, functions);
    const processors = new PlatformProcessors(this, functions, settings, storage, subscriptions);
    this.parts = { settings, storage, functions, subscriptions, connectors, processors, api, push };
    // Optional features are built here, after the core, from `this.parts`, each only when
    // its prop is set (and exposed as an optional field of its own).
    if (props.kafkaGateway) this.kafkaGateway = new KafkaGateway(this, 'KafkaGateway', { ...props.kafkaGateway, settings, storage });

    this.tables = storage.tables;
    this.bucket = storage.bucket;
    if (storage.accessLogsBucket) this.accessLogsBucket = storage.accessLogsBucket;
    this.storageNames = storage.names;
    this.functions = functions.functions;
    this.deadLetterQueue = subscriptions.deadLetterQueue;
    this.apiType = api.apiType;
    this.apiUrl = api.apiUrl;
    this.apiId = api.apiId;
    this.pushUrl = push.url;
    if (api.httpApi) this.httpApi = api.httpApi;
    if (api.restApi) this.restApi = api.restApi;
  }

  /**
   * Subscribes a Lambda function to a topic at deploy time. The subscription is created
   * by a custom resource (served by the subscriptions function, same code as the API);
   * the topic need not exist yet: the subscription waits and starts at the topic's first
   * record once it is created. Grants the dispatcher lambda:InvokeFunction on exactly this
   * function, and sqs:SendMessage on the dead-letter queue when one is given.
   */
  addSubscription(topic: string, fn: lambda.IFunction, opts: SubscriptionOptions = {}): CustomResource {
    return this.parts.subscriptions.addSubscription(topic, fn, opts);
  }

  /**
   * Lets the dispatcher invoke this function (for subscriptions created through the API
   * with a Lambda target): lambda:InvokeFunction on exactly its ARN.
   */
  allowDispatchTo(fn: lambda.IFunction): void {
    this.parts.subscriptions.allowDispatchTo(fn);
  }

  /** Lets the dispatcher send dead letters to this queue (and use its KMS key, if any). */
  allowDeadLettersTo(queue: sqs.IQueue): void {
    this.parts.subscriptions.allowDeadLettersTo(queue);
  }

  /**
   * Creates a connector at deploy time (a custom resource served by the connectors
   * function, validated as the API validates it) and grants the connector runtime exactly
   * the resources it reads or writes (cdk/connectors.ts lists what each class gets). With
   * `entry`, a custom connector's module is bundled into a function of its own that
   * validates and runs it.
   */
  addConnector(name: string, config: Record<string, string>, options: ConnectorOptions = {}): CustomResource {
    return this.parts.connectors.addConnector(name, config, options);
  }

  /**
   * Deploys a stream processor: the topology module `entry` (exporting `config`, whose
   * application.id must be `name`, and its topology) bundled into its own Lambda, rung by
   * the dispatcher when its `inputs` move and by a schedule, with a role limited to what a
   * processor touches (cdk/processors.ts). Returns the function.
   */
  addProcessor(name: string, opts: ProcessorOptions): NodejsFunction {
    return this.parts.processors.addProcessor(name, opts);
  }
}
