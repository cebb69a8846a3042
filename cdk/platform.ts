/**
 * StreamingPlatform: all of Sluice (storage, functions, API) as one reusable construct.
 *
 * Everything is derived from the two single sources: the tables and bucket from
 * lib/storage/definitions.ts (TABLES, BUCKET), the functions and routes from
 * lib/api/routes.ts (FUNCTIONS, ROUTES). Nothing is spelled twice here.
 *
 * Props (all optional; the defaults are the production posture):
 * - `dev` (false): a throw-away deployment. Tables, bucket and log groups are destroyed
 *   with the stack (the bucket is emptied first), tables get no deletion protection.
 * - `removalPolicy` (RETAIN, DESTROY when `dev`): for the tables and the buckets
 *   (DESTROY empties the buckets first, with CDK's autoDeleteObjects).
 * - `deletionProtection` (on unless the removal policy is DESTROY): DynamoDB deletion
 *   protection on every table.
 * - `encryption` ('aws-owned'): encryption at rest. 'aws-owned' = DynamoDB's default
 *   AWS owned key and SSE-S3; 'aws-managed' = the aws/dynamodb and aws/s3 KMS keys
 *   (auditable in CloudTrail; their key policies need no IAM grants).
 * - `serverAccessLogs` (true): S3 server access logs of the data bucket go to a
 *   separate logs bucket (expiring after `accessLogsExpirationDays`, 365).
 * - `apiType` ('http'): 'http' = API Gateway HTTP API (payload v2); 'rest' = REST API
 *   (payload v1) for LocalStack Community, which has no HTTP APIs.
 * - `auth` ({ type: 'iam' }): SigV4 (IAM) authorization on every route, or
 *   { type: 'jwt', issuer, audience } for a JWT authorizer (HTTP API only).
 * - `throttle` ({ rateLimit: 1000, burstLimit: 2000 }): default-stage throttling.
 * - `logRetention` (ONE_MONTH): Lambda and API access log groups.
 * - `logLevel` ('INFO'): Lambda application log level and POWERTOOLS_LOG_LEVEL.
 * - `serviceName` ('sluice') / `metricsNamespace` ('Sluice'): Powertools settings.
 * - `restStageName` ('prod'): the REST API's stage (part of its URL).
 * - `restCloudWatchRole` (true): create API Gateway's account-level CloudWatch role,
 *   which REST execution logging needs; set false if the account already has one.
 * - `architecture` (ARM_64): Lambda architecture; x86_64 helps LocalStack on x86 hosts.
 * - `projectRoot` (this repository): where functions/ and the lock file are.
 *
 * Exposes `tables`, `bucket`, `functions`, `storageNames`, `apiUrl` (no trailing slash;
 * append `/v1/...`), `apiId`, `deadLetterQueue`, and `httpApi` or `restApi`.
 *
 * `kafkaGateway` ({ certificate, domainName, iamKeysSecret | usersSecret, ... }): the Kafka
 * protocol gateway as a Fargate service behind a TLS Network Load Balancer (cdk/gateway.ts).
 *
 * Subscriptions: the dispatcher function reads the partitions table's stream through an
 * event source mapping, and `addSubscription(topic, fn, opts)` subscribes a Lambda
 * function to a topic at deploy time (a custom resource served by the subscriptions
 * function), granting the dispatcher lambda:InvokeFunction on exactly that function.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { FUNCTIONS, ROUTES, type FunctionName } from '../lib/api/routes.ts';
import {
  BUCKET,
  SEGMENT_PREFIX,
  TABLE_IDS,
  TABLES,
  storageEnvironment,
  type AttributeType,
  type StorageNames,
  type TableId,
} from '../lib/storage/definitions.ts';
import { DEAD_LETTER_QUEUE_ENV_VAR, validateSubscriptionName, type SubscriptionSpec } from '../lib/subscriptions/model.ts';
import { PROJECT_ROOT, nodejsBundlingOptions } from './bundling.ts';
import { KafkaGateway, type KafkaGatewayOptions } from './gateway.ts';
import { acknowledge, flattenForFinding } from './findings.ts';

export type ApiType = 'http' | 'rest';
export type ApiAuth = { type: 'iam' } | { type: 'jwt'; issuer: string; audience: string[] };
export type LogLevelName = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface StreamingPlatformProps {
  readonly dev?: boolean;
  readonly removalPolicy?: RemovalPolicy;
  readonly deletionProtection?: boolean;
  readonly encryption?: 'aws-owned' | 'aws-managed';
  readonly serverAccessLogs?: boolean;
  readonly accessLogsExpirationDays?: number;
  readonly apiType?: ApiType;
  readonly auth?: ApiAuth;
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention?: logs.RetentionDays;
  readonly logLevel?: LogLevelName;
  readonly serviceName?: string;
  readonly metricsNamespace?: string;
  readonly restStageName?: string;
  readonly restCloudWatchRole?: boolean;
  readonly architecture?: lambda.Architecture;
  readonly projectRoot?: string;
  /** The Kafka-protocol gateway (cdk/gateway.ts); none unless given. */
  readonly kafkaGateway?: KafkaGatewayOptions;
}

export const DEFAULT_THROTTLE = { rateLimit: 1000, burstLimit: 2000 } as const;

/** Content types API Gateway must pass through as binary (REST; HTTP APIs always do). */
export const BINARY_MEDIA_TYPES = ['application/vnd.kafka.recordbatch'];

/**
 * IAM actions per access level. Transactions (TransactWriteItems) have no IAM action of
 * their own: each item is authorized as the PutItem/UpdateItem/DeleteItem it performs,
 * and ConditionCheck items as dynamodb:ConditionCheckItem.
 */
export const ACTIONS = {
  dynamodbRead: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:BatchGetItem',
    'dynamodb:ConditionCheckItem',
  ],
  dynamodbWrite: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
  s3Read: ['s3:GetObject'],
  s3Write: ['s3:PutObject'],
  s3Delete: ['s3:DeleteObject'],
  s3List: ['s3:ListBucket'],
  logs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  /** What an event source mapping needs to read a table's stream. */
  dynamodbStream: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
  sqsSend: ['sqs:SendMessage'],
  lambdaInvoke: ['lambda:InvokeFunction'],
} as const;

/** `platform.addSubscription` options; the defaults are the API's. */
export interface SubscriptionOptions {
  /** Subscription name (topic-name rules); default: the function's construct id. */
  readonly name?: string;
  /** Records per invocation at most, 1..10000 (default 100). */
  readonly batchSize?: number;
  /** How long a short batch may wait for more records, up to 5 minutes (default 0). */
  readonly maxBatchingWindow?: Duration;
  /** Where a new subscription starts on an existing topic (default 'latest'). */
  readonly startingPosition?: 'latest' | 'earliest';
  /** Retries of a failed batch before it is dead-lettered, 0..10000 (default 3). */
  readonly maxRetries?: number;
  /** Dead-letter queue; default: the platform's `deadLetterQueue`. */
  readonly deadLetterQueue?: sqs.IQueue;
}

const ATTRIBUTE_TYPES: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
};

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** JSON access log line for the HTTP API ($context variables of HTTP APIs). */
const HTTP_ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  userArn: '$context.identity.userArn',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  authorizerError: '$context.authorizer.error',
};

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
  readonly httpApi?: apigwv2.HttpApi;
  readonly restApi?: apigw.RestApi;
  /**
   * Dead letters of subscriptions without their own queue (batches that failed
   * maxRetries + 1 times): SQS-managed encryption, TLS-only, 14 days retention.
   */
  readonly deadLetterQueue: sqs.Queue;
  readonly kafkaGateway?: KafkaGateway;
  private readonly dispatchTargets = new Set<string>();
  private readonly dispatchQueues = new Set<string>();

  constructor(scope: Construct, id: string, props: StreamingPlatformProps = {}) {
    super(scope, id);
    // Log delivery to the access-logs bucket by bucket policy (not the legacy ACL), for
    // this construct's buckets whatever the host app's feature flags say. Context must be
    // set before any child exists.
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    const dev = props.dev ?? false;
    const removalPolicy = props.removalPolicy ?? (dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
    const destroy = removalPolicy === RemovalPolicy.DESTROY;
    const logRemoval = dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const encryption = props.encryption ?? 'aws-owned';
    this.apiType = props.apiType ?? 'http';
    const auth = props.auth ?? { type: 'iam' };
    if (auth.type === 'jwt' && this.apiType !== 'http') {
      throw new Error("StreamingPlatform: a JWT authorizer needs apiType 'http' (REST APIs here use IAM auth)");
    }

    // ---- Storage: one table per definition, one bucket --------------------------------
    const tables = {} as Record<TableId, dynamodb.Table>;
    for (const tableId of TABLE_IDS) {
      const def = TABLES[tableId];
      const table = new dynamodb.Table(this, `${pascal(tableId)}Table`, {
        partitionKey: { name: def.partitionKey.name, type: ATTRIBUTE_TYPES[def.partitionKey.type] },
        ...(def.sortKey ? { sortKey: { name: def.sortKey.name, type: ATTRIBUTE_TYPES[def.sortKey.type] } } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: props.deletionProtection ?? !destroy,
        encryption:
          encryption === 'aws-managed' ? dynamodb.TableEncryption.AWS_MANAGED : dynamodb.TableEncryption.DEFAULT,
        ...(def.stream ? { stream: dynamodb.StreamViewType[def.stream] } : {}),
        ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
        removalPolicy,
      });
      for (const index of def.localIndexes ?? []) {
        table.addLocalSecondaryIndex({
          indexName: index.name,
          sortKey: { name: index.sortKey.name, type: ATTRIBUTE_TYPES[index.sortKey.type] },
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      tables[tableId] = table;
    }
    this.tables = tables;

    if (props.serverAccessLogs ?? true) {
      this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        // S3 server access logging can only deliver to SSE-S3 buckets.
        encryption: s3.BucketEncryption.S3_MANAGED,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned: false,
        lifecycleRules: [
          {
            id: 'expire-access-logs',
            expiration: Duration.days(props.accessLogsExpirationDays ?? 365),
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
        removalPolicy,
        autoDeleteObjects: destroy,
      });
    }

    this.bucket = new s3.Bucket(this, 'DataBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: encryption === 'aws-managed' ? s3.BucketEncryption.KMS_MANAGED : s3.BucketEncryption.S3_MANAGED,
      bucketKeyEnabled: encryption === 'aws-managed' ? true : undefined,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Segments are immutable and deleted by maintenance (retention, compaction):
      // versions would only keep deleted data around.
      versioned: false,
      lifecycleRules: [
        {
          id: 'abort-incomplete-multipart-uploads',
          abortIncompleteMultipartUploadAfter: Duration.days(BUCKET.abortIncompleteUploadsAfterDays),
        },
      ],
      ...(this.accessLogsBucket
        ? { serverAccessLogsBucket: this.accessLogsBucket, serverAccessLogsPrefix: 'data-bucket/' }
        : {}),
      removalPolicy,
      autoDeleteObjects: destroy,
    });
    if (!this.accessLogsBucket) {
      acknowledge(
        this.bucket,
        'AwsSolutions-S1',
        'Server access logs were turned off with serverAccessLogs: false; S3 data events can be audited with CloudTrail instead.',
      );
    }

    this.storageNames = {
      tables: Object.fromEntries(TABLE_IDS.map((t) => [t, tables[t].tableName])) as Record<TableId, string>,
      bucket: this.bucket.bucketName,
    };

    // ---- Functions: one per FUNCTIONS entry, each with its own least-privilege role ----
    const root = props.projectRoot ?? PROJECT_ROOT;
    const lockFile = ['package-lock.json', 'package.json'].map((f) => path.join(root, f)).find((f) => existsSync(f));
    const logLevel = props.logLevel ?? 'INFO';
    const functions = {} as Record<FunctionName, NodejsFunction>;
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const def = FUNCTIONS[name];
      const Name = pascal(name);
      const logGroup = new logs.LogGroup(this, `${Name}LogGroup`, { retention: logRetention, removalPolicy: logRemoval });
      const role = new iam.Role(this, `${Name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Sluice ${name} function: logs to its own log group, ${describeAccess(def)}`,
      });
      for (const statement of this.statementsFor(name, logGroup)) role.addToPrincipalPolicy(statement);

      const fn = new NodejsFunction(this, `${Name}Function`, {
        description: def.description,
        entry: path.join(root, def.entry),
        handler: 'handler',
        projectRoot: root,
        ...(lockFile ? { depsLockFilePath: lockFile } : {}),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: props.architecture ?? lambda.Architecture.ARM_64,
        memorySize: def.memoryMb,
        timeout: Duration.seconds(def.timeoutSeconds),
        role,
        logGroup,
        loggingFormat: lambda.LoggingFormat.JSON,
        applicationLogLevelV2: lambda.ApplicationLogLevel[logLevel],
        systemLogLevelV2: lambda.SystemLogLevel.INFO,
        environment: {
          ...storageEnvironment(this.storageNames),
          POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'sluice',
          POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'Sluice',
          POWERTOOLS_LOG_LEVEL: logLevel,
          NODE_OPTIONS: '--enable-source-maps',
        },
        bundling: nodejsBundlingOptions(),
      });
      acknowledge(
        fn,
        'AwsSolutions-L1',
        'Pinned to nodejs22.x on purpose: bundles target node22 and the test suite runs Node 22 semantics; a runtime upgrade is a deliberate change with its own test run.',
      );
      functions[name] = fn;
      if (def.scheduleMinutes) {
        new events.Rule(this, `${Name}Schedule`, {
          description: `Runs the Sluice ${name} function every ${def.scheduleMinutes} minutes`,
          schedule: events.Schedule.rate(Duration.minutes(def.scheduleMinutes)),
          targets: [new eventsTargets.LambdaFunction(fn, { retryAttempts: 0 })],
        });
      }
    }
    this.functions = functions;

    // ---- Subscriptions: the stream-triggered dispatcher and its dead-letter queue ----------
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter destination of subscriptions (batches the dispatcher gave up on after maxRetries); a dead-letter queue behind it would only receive the same messages again.',
    );
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      if (FUNCTIONS[name].trigger === 'partitions-stream') this.wirePartitionsStream(name);
    }

    // ---- API: every route of ROUTES -----------------------------------------------------
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy: logRemoval });
    if (this.apiType === 'http') {
      const api = this.buildHttpApi(auth, throttle, accessLogs);
      this.httpApi = api;
      this.apiId = api.apiId;
      this.apiUrl = api.apiEndpoint;
    } else {
      const api = this.buildRestApi(props, throttle, accessLogs);
      this.restApi = api;
      this.apiId = api.restApiId;
      const stack = Stack.of(this);
      this.apiUrl = `https://${api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${api.deploymentStage.stageName}`;
    }

    if (props.kafkaGateway) {
      this.kafkaGateway = new KafkaGateway(this, 'KafkaGateway', {
        ...props.kafkaGateway,
        tables,
        bucket: this.bucket,
        storageNames: this.storageNames,
        ...(this.accessLogsBucket ? { accessLogsBucket: this.accessLogsBucket } : {}),
        logRetention,
        removalPolicy: logRemoval,
        projectRoot: root,
      });
    }
  }

  /**
   * Subscribes a Lambda function to a topic at deploy time. The subscription is created
   * by a custom resource (served by the subscriptions function, same code as the API);
   * the topic need not exist yet: the subscription waits and starts at the topic's first
   * record once it is created. Grants the dispatcher lambda:InvokeFunction on exactly this
   * function, and sqs:SendMessage on the dead-letter queue when one is given.
   */
  addSubscription(topic: string, fn: lambda.IFunction, opts: SubscriptionOptions = {}): CustomResource {
    const name = opts.name ?? fn.node.id.replace(/[^a-zA-Z0-9._-]/g, '-');
    for (const [what, value] of [['topic', topic], ['subscription name', name]] as const) {
      try {
        validateSubscriptionName(value);
      } catch (err) {
        throw new Error(`StreamingPlatform.addSubscription: invalid ${what} '${value}': ${(err as Error).message}`);
      }
    }
    const windowMs = opts.maxBatchingWindow?.toMilliseconds() ?? 0;
    const spec: Omit<SubscriptionSpec, 'startingPosition'> & { startingPosition: string } = {
      target: { type: 'lambda', functionArn: fn.functionArn },
      batchSize: opts.batchSize ?? 100,
      maxBatchingWindowMs: windowMs,
      startingPosition: opts.startingPosition ?? 'latest',
      maxRetries: opts.maxRetries ?? 3,
      ...(opts.deadLetterQueue ? { deadLetter: { type: 'sqs', queueUrl: opts.deadLetterQueue.queueUrl } } : {}),
    };
    const checks: [string, number, number, number][] = [
      ['batchSize', spec.batchSize, 1, 10_000],
      ['maxBatchingWindow (ms)', windowMs, 0, 300_000],
      ['maxRetries', spec.maxRetries, 0, 10_000],
    ];
    for (const [what, v, min, max] of checks) {
      if (!Number.isInteger(v) || v < min || v > max) {
        throw new Error(`StreamingPlatform.addSubscription: ${what} must be an integer from ${min} to ${max}, got ${v}`);
      }
    }
    this.allowDispatchTo(fn);
    if (opts.deadLetterQueue) this.allowDeadLettersTo(opts.deadLetterQueue);
    const resource = new CustomResource(this, `Subscription-${topic}-${name}`, {
      serviceToken: this.functions.subscriptions.functionArn,
      resourceType: 'Custom::SluiceSubscription',
      properties: { Topic: topic, Name: name, Spec: Stack.of(this).toJsonString(spec) },
    });
    // The dispatcher may invoke the function before anyone produces.
    resource.node.addDependency(this.functions.dispatcher);
    return resource;
  }

  /**
   * Lets the dispatcher invoke this function (for subscriptions created through the API
   * with a Lambda target): lambda:InvokeFunction on exactly its ARN.
   */
  allowDispatchTo(fn: lambda.IFunction): void {
    const key = Stack.of(this).resolve(fn.functionArn) as unknown;
    const id = JSON.stringify(key);
    if (this.dispatchTargets.has(id)) return;
    this.dispatchTargets.add(id);
    this.functions.dispatcher.addToRolePolicy(
      new iam.PolicyStatement({ actions: [...ACTIONS.lambdaInvoke], resources: [fn.functionArn] }),
    );
  }

  /** Lets the dispatcher send dead letters to this queue (and use its KMS key, if any). */
  allowDeadLettersTo(queue: sqs.IQueue): void {
    const id = JSON.stringify(Stack.of(this).resolve(queue.queueArn));
    if (this.dispatchQueues.has(id)) return;
    this.dispatchQueues.add(id);
    this.functions.dispatcher.addToRolePolicy(new iam.PolicyStatement({ actions: [...ACTIONS.sqsSend], resources: [queue.queueArn] }));
    queue.encryptionMasterKey?.grant(this.functions.dispatcher, 'kms:GenerateDataKey', 'kms:Decrypt');
  }

  /**
   * The event source mapping from the partitions table's stream to a function, the
   * permissions it needs to read that stream, and the platform's dead-letter queue.
   * Parallelization 1: one batch per shard at a time. Per-partition order does not rely
   * on it (the dispatcher's lease serializes each partition), but it keeps the stream
   * reader simple; a failed record is retried (split in halves) a few times and then left
   * to the dispatcher's one-minute sweep, which catches up every lagging partition.
   */
  private wirePartitionsStream(name: FunctionName): void {
    const fn = this.functions[name];
    const table = this.tables.partitions;
    const streams = `${table.tableArn}/stream/*`;
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadPartitionsStream', actions: [...ACTIONS.dynamodbStream], resources: [streams] }));
    acknowledge(
      this.node.findChild(`${pascal(name)}Role`),
      `AwsSolutions-IAM5[Resource::${flattenForFinding(this, streams)}]`,
      'The stream ARN of the partitions table ends in a label DynamoDB assigns at deploy time, so reading the stream is granted on this one table\'s streams (table/NAME/stream/*), as AWS documents for Lambda stream triggers; the actions are the four read actions only.',
    );
    const mapping = new lambda.EventSourceMapping(this, `${pascal(name)}PartitionsStream`, {
      target: fn,
      eventSourceArn: table.tableStreamArn!,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 100,
      parallelizationFactor: 1,
      bisectBatchOnError: true,
      retryAttempts: 3,
      maxRecordAge: Duration.hours(1),
      reportBatchItemFailures: true,
      // Only head changes that can move nextOffset; removals (topic purges) never do.
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or('INSERT', 'MODIFY') })],
    });
    const policy = this.node.findChild(`${pascal(name)}Role`).node.tryFindChild('DefaultPolicy');
    if (policy) mapping.node.addDependency(policy);
    fn.addEnvironment(DEAD_LETTER_QUEUE_ENV_VAR, this.deadLetterQueue.queueUrl);
    this.allowDeadLettersTo(this.deadLetterQueue);
  }

  /** The explicit policy statements of one function: no wildcard actions, no managed policies. */
  private statementsFor(name: FunctionName, logGroup: logs.LogGroup): iam.PolicyStatement[] {
    const def = FUNCTIONS[name];
    const statements = [
      new iam.PolicyStatement({
        sid: 'OwnLogGroup',
        actions: [...ACTIONS.logs],
        resources: [logGroup.logGroupArn],
      }),
    ];
    for (const [tableId, access] of Object.entries(def.tables) as [TableId, string][]) {
      if (access !== 'read' && access !== 'write') continue;
      const table = this.tables[tableId];
      if (!table) throw new Error(`FUNCTIONS.${name} grants table '${tableId}', which TABLES does not define`);
      const indexArns = (TABLES[tableId].localIndexes ?? []).map((i) => `${table.tableArn}/index/${i.name}`);
      statements.push(
        new iam.PolicyStatement({
          sid: `Read${pascal(tableId)}Table`,
          actions: [...ACTIONS.dynamodbRead],
          resources: [table.tableArn, ...indexArns],
        }),
      );
      if (access === 'write') {
        statements.push(
          new iam.PolicyStatement({
            sid: `Write${pascal(tableId)}Table`,
            actions: [...ACTIONS.dynamodbWrite],
            resources: [table.tableArn],
          }),
        );
      }
    }
    if (def.bucket !== 'none') {
      const segments = this.bucket.arnForObjects(`${SEGMENT_PREFIX}*`);
      const actions = [
        ...ACTIONS.s3Read,
        ...(def.bucket === 'read' ? [] : ACTIONS.s3Write),
        ...(def.bucket === 'manage' ? ACTIONS.s3Delete : []),
      ];
      statements.push(
        new iam.PolicyStatement({
          sid: { read: 'ReadSegmentObjects', write: 'ReadWriteSegmentObjects', manage: 'ManageSegmentObjects' }[def.bucket],
          actions,
          resources: [segments],
        }),
      );
      if (def.bucket === 'manage') {
        // Maintenance lists the segment prefix to find orphans; listing is limited to it.
        statements.push(
          new iam.PolicyStatement({
            sid: 'ListSegmentObjects',
            actions: [...ACTIONS.s3List],
            resources: [this.bucket.bucketArn],
            conditions: { StringLike: { 's3:prefix': [`${SEGMENT_PREFIX}*`] } },
          }),
        );
      }
      acknowledge(
        this.node.findChild(`${pascal(name)}Role`),
        `AwsSolutions-IAM5[Resource::${flattenForFinding(this, segments)}]`,
        `Segment object keys are generated per append (${SEGMENT_PREFIX}{topicId}/{partition}/{uuid}), so the grant must cover the ${SEGMENT_PREFIX} prefix; it is limited to that prefix of this one bucket and to ${actions.map((a) => a.replace('s3:', '')).join('/')}.`,
      );
    }
    return statements;
  }

  private buildHttpApi(
    auth: ApiAuth,
    throttle: { rateLimit: number; burstLimit: number },
    accessLogs: logs.LogGroup,
  ): apigwv2.HttpApi {
    const api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-api`,
      description: 'Sluice HTTP API v1 (see API.md)',
      // The default stage is created below, with throttling and access logs.
      createDefaultStage: false,
    });
    new apigwv2.HttpStage(this, 'HttpApiDefaultStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify(HTTP_ACCESS_LOG_FORMAT)),
      },
    });
    const authorizer =
      auth.type === 'jwt'
        ? new HttpJwtAuthorizer('JwtAuthorizer', auth.issuer, { jwtAudience: auth.audience })
        : new HttpIamAuthorizer();
    // Binary bodies (application/vnd.kafka.recordbatch) need no setting: HTTP APIs hand
    // any non-text body to Lambda base64-encoded with isBase64Encoded set.
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(route.fn)}Integration`, this.functions[route.fn], {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(route.fn, integration);
      }
      new apigwv2.HttpRoute(this, `Route${pascal(route.operation)}`, {
        httpApi: api,
        routeKey: apigwv2.HttpRouteKey.with(route.path, apigwv2.HttpMethod[route.method]),
        integration,
        authorizer,
      });
    }
    return api;
  }

  private buildRestApi(
    props: StreamingPlatformProps,
    throttle: { rateLimit: number; burstLimit: number },
    accessLogs: logs.LogGroup,
  ): apigw.RestApi {
    const api = new apigw.RestApi(this, 'RestApi', {
      restApiName: `${Stack.of(this).stackName}-api`,
      description: 'Sluice HTTP API v1 as a REST API (see API.md)',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      binaryMediaTypes: BINARY_MEDIA_TYPES,
      cloudWatchRole: props.restCloudWatchRole ?? true,
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      failOnWarnings: true,
      deployOptions: {
        stageName: props.restStageName ?? 'prod',
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
    });
    // The stack publishes the URL as ApiUrl; drop RestApi's own (hash-named) Endpoint output.
    api.node.tryRemoveChild('Endpoint');
    const validator = api.addRequestValidator('RequestValidator', { validateRequestParameters: true });
    const integrations = new Map<FunctionName, apigw.LambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new apigw.LambdaIntegration(this.functions[route.fn], { proxy: true, allowTestInvoke: false });
        integrations.set(route.fn, integration);
      }
      const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      api.root.resourceForPath(route.path).addMethod(route.method, integration, {
        operationName: route.operation,
        authorizationType: apigw.AuthorizationType.IAM,
        requestValidator: validator,
        requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
      });
    }
    acknowledge(
      api,
      'AwsSolutions-APIG2',
      'The request validator checks path parameters on every method; bodies (JSON, and binary Kafka RecordBatches) are validated by the handlers, which must answer with Kafka error codes (INVALID_REQUEST, CORRUPT_MESSAGE, ...) that API Gateway models cannot produce.',
    );
    acknowledge(
      api,
      'AwsSolutions-APIG3',
      'Every method requires IAM (SigV4) authorization, so unsigned requests are rejected before any integration runs; the REST variant exists for LocalStack Community. Associate a WAFv2 web ACL with the stage when it faces untrusted networks.',
    );
    acknowledge(
      api,
      'AwsSolutions-COG4',
      'Callers authenticate with IAM (SigV4) credentials, not Cognito user pool tokens: every method uses AuthorizationType AWS_IAM.',
    );
    const cloudWatchRole = api.node.tryFindChild('CloudWatchRole') as iam.Role | undefined;
    if (cloudWatchRole) {
      const cfnRole = cloudWatchRole.node.defaultChild as iam.CfnRole;
      for (const arn of (Stack.of(this).resolve(cfnRole.managedPolicyArns) ?? []) as unknown[]) {
        acknowledge(
          cloudWatchRole,
          `AwsSolutions-IAM4[Policy::${flattenForFinding(this, arn)}]`,
          'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for API Gateway\'s account-level CloudWatch Logs role, which REST execution and access logging require; the role is assumable only by apigateway.amazonaws.com.',
        );
      }
    }
    return api;
  }
}

function describeAccess(def: (typeof FUNCTIONS)[FunctionName]): string {
  const tables = Object.entries(def.tables)
    .filter(([, a]) => a === 'read' || a === 'write')
    .map(([t, a]) => `${t} ${a}`);
  const parts = [...tables, ...(def.bucket !== 'none' ? [`segments ${def.bucket}`] : [])];
  return parts.length ? parts.join(', ') : 'no storage access';
}
