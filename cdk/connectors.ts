// Connectors at deploy time: `addConnector(name, config, resources)` creates the connector
// with a custom resource served by the connectors function (the API's own code, so the
// config is validated exactly as the API would) and grants the connector runtime exactly
// what the connector reaches, and nothing when it names nothing:
//
//   S3Sink              buckets     s3:PutObject (and the bucket's KMS key) on each bucket
//   HttpSink            -           none (HTTPS egress)
//   DynamoDbCdcSource   tables      the table's stream (read) and dynamodb:DescribeTable
//   DynamoDbSink        tables      dynamodb:PutItem, DeleteItem (conditional writes) on the table
//   SqsSource           queues      sqs:ReceiveMessage, DeleteMessage, GetQueueAttributes
//   SqsSink             queues      sqs:SendMessage
//   EventBridgeSink     eventBuses  events:PutEvents on each bus
//   LambdaSink          functions   lambda:InvokeFunction on each function
//   PostgresCdcSource   -           none in IAM: the runtime must reach the database on the
//                                   network (run the platform's functions in its VPC) and
//                                   the config carries the credentials of a user with the
//                                   REPLICATION attribute and SELECT on the captured tables
//
// Source connectors run on the connector runtime's one-minute schedule; sinks from the
// partitions stream, like subscriptions.
//
// A custom connector (`addConnector(name, config, { entry: 'connectors/mine.ts' })`, a
// module whose default export is defineSinkConnector(...) or defineSourceConnector(...))
// gets a function of its own: functions/customConnector.ts bundled with the module as
// 'sluice-custom-connector', its role the connector runtime's storage access, serving the
// connector's custom resource (validated by its own configDef) and running it alone on
// the same schedule. It has no stream mapping of its own (a DynamoDB stream serves few
// readers per shard): the shared runtime, which cannot resolve its class and so leaves
// its work alone, wakes a custom sink's function for each stream batch that moves its
// topics (SLUICE_CUSTOM_CONNECTOR_FUNCTIONS names the functions; the runtime may invoke
// exactly those). Named resources are granted to that function for reading and writing:
// the module's needs are its own.
import * as path from 'node:path';
import { CustomResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as eventsRule from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FUNCTIONS } from '../lib/api/routes.ts';
import { CUSTOM_SINK_FUNCTIONS_ENV } from '../lib/connect/runtime/customSinks.ts';
import { validateConnectorName } from '../lib/connect/service.ts';
import { acknowledge, flattenForFinding } from './findings.ts';
import type { PlatformFunctions } from './functions.ts';

/** The user's resources a connector reads or writes; the runtime is granted exactly these. */
export interface ConnectorResources {
  readonly buckets?: readonly s3.IBucket[];
  readonly tables?: readonly dynamodb.ITable[];
  readonly queues?: readonly sqs.IQueue[];
  readonly eventBuses?: readonly events.IEventBus[];
  readonly functions?: readonly lambda.IFunction[];
}

/** addConnector's options: the resources, and a custom connector's module. */
export interface ConnectorOptions extends ConnectorResources {
  /** A custom connector's module (path, absolute or relative to the working directory), bundled into a function of its own. */
  readonly entry?: string;
}

/** The class a connector.class names, without package and Connector suffix. */
const kindOf = (className: string): string => className.split('.').at(-1)!.replace(/Connector$/, '');

export class PlatformConnectors {
  /** Custom connectors' functions by connector name, for the shared runtime to wake. */
  private readonly customFunctions: Record<string, string> = {};

  constructor(
    private readonly scope: Construct,
    private readonly functions: PlatformFunctions,
  ) {}

  private get runtime(): lambda.Function {
    return this.functions.functions.connectorRuntime;
  }

  /** See StreamingPlatform.addConnector. */
  addConnector(name: string, config: Record<string, string>, options: ConnectorOptions = {}): CustomResource {
    try {
      validateConnectorName(name);
    } catch (err) {
      throw new Error(`StreamingPlatform.addConnector: invalid connector name '${name}': ${(err as Error).message}`);
    }
    const className = config['connector.class'];
    if (!className) throw new Error(`StreamingPlatform.addConnector(${name}): the config must name 'connector.class'.`);
    const { entry, ...resources } = options;
    let runner: lambda.Function = this.runtime;
    let serviceToken = this.functions.functions.connectors.functionArn;
    if (entry) {
      runner = this.customFunction(name, className, entry);
      serviceToken = runner.functionArn;
      this.grantCustom(runner, resources);
    } else {
      this.grant(kindOf(className), resources);
    }
    const resource = new CustomResource(this.scope, `Connector-${name}`, {
      serviceToken,
      resourceType: 'Custom::SluiceConnector',
      properties: { Name: name, Config: Stack.of(this.scope).toJsonString(config) },
    });
    resource.node.addDependency(runner);
    return resource;
  }

  /** The custom connector's own function and its schedule. */
  private customFunction(name: string, className: string, entry: string): lambda.Function {
    const id = `CustomConnector${name.replace(/[^A-Za-z0-9]/g, '')}`;
    const def = { ...FUNCTIONS.connectorRuntime, description: `Custom connector ${name}: its management and its runs`, entry: 'functions/customConnector.ts' };
    const { trigger: _stream, ...scheduled } = def;
    const fn = this.functions.addFunction(id, `custom connector ${name}`, scheduled, {
      aliases: { 'sluice-custom-connector': path.resolve(entry) },
      environment: { SLUICE_CONNECTOR_NAME: name, SLUICE_CONNECTOR_CLASS: className },
    });
    new eventsRule.Rule(this.scope, `${id}Schedule`, {
      description: `Runs the Sluice custom connector ${name} every ${def.scheduleMinutes} minutes`,
      schedule: eventsRule.Schedule.rate(Duration.minutes(def.scheduleMinutes ?? 1)),
      targets: [new eventsTargets.LambdaFunction(fn, { retryAttempts: 0 })],
    });
    this.wakeable(name, fn);
    return fn;
  }

  /** Lets the shared runtime wake the function (customSinks.ts): its name in the runtime's environment, and invoke on it alone. */
  private wakeable(name: string, fn: lambda.Function): void {
    if (Object.keys(this.customFunctions).length === 0) {
      this.runtime.addEnvironment(CUSTOM_SINK_FUNCTIONS_ENV, Lazy.string({ produce: () => Stack.of(this.scope).toJsonString(this.customFunctions) }));
    }
    this.customFunctions[name] = fn.functionName;
    // The unqualified function only (grantInvoke would add its versions and aliases).
    this.runtime.addToRolePolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
  }

  /** A custom connector's resources: read and write on each, nothing beyond them. */
  private grantCustom(fn: lambda.Function, r: ConnectorResources): void {
    for (const b of r.buckets ?? []) {
      b.grantReadWrite(fn);
      acknowledgeObjects(fn, b, ['s3:Abort*', 's3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*']);
    }
    for (const t of r.tables ?? []) t.grantReadWriteData(fn);
    for (const q of r.queues ?? []) {
      q.grantConsumeMessages(fn);
      q.grantSendMessages(fn);
    }
    for (const b of r.eventBuses ?? []) b.grantPutEventsTo(fn);
    for (const f of r.functions ?? []) f.grantInvoke(fn);
  }

  private grant(kind: string, r: ConnectorResources): void {
    const fn = this.runtime;
    const statement = (actions: string[], resources: string[]) => fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    switch (kind) {
      case 'S3Sink':
        for (const b of r.buckets ?? []) {
          b.grantPut(fn);
          acknowledgeObjects(fn, b, ['s3:Abort*']);
        }
        return;
      case 'DynamoDbCdcSource':
        for (const t of r.tables ?? []) {
          t.grantStreamRead(fn);
          statement(['dynamodb:DescribeTable'], [t.tableArn]);
        }
        if (r.tables?.length) acknowledge(fn.role!, 'AwsSolutions-IAM5[Resource::*]', 'dynamodb:ListStreams (finding the table\'s stream) has no resource-level permissions; the stream reads themselves are granted on the named tables\' streams only.');
        return;
      case 'DynamoDbSink':
        for (const t of r.tables ?? []) {
          statement(['dynamodb:PutItem', 'dynamodb:DeleteItem'], [t.tableArn]);
          t.encryptionKey?.grantEncryptDecrypt(fn);
        }
        return;
      case 'SqsSource':
        for (const q of r.queues ?? []) q.grantConsumeMessages(fn);
        return;
      case 'SqsSink':
        for (const q of r.queues ?? []) q.grantSendMessages(fn);
        return;
      case 'EventBridgeSink':
        for (const b of r.eventBuses ?? []) b.grantPutEventsTo(fn);
        return;
      case 'LambdaSink':
        for (const f of r.functions ?? []) f.grantInvoke(fn);
        return;
      default:
        return;
    }
  }
}

/**
 * The wildcards of a grant on a user's bucket: its objects (a connector names its own
 * keys) and the action groups CDK's grants use, on that one bucket only.
 */
function acknowledgeObjects(fn: lambda.Function, bucket: s3.IBucket, actions: string[]): void {
  const role = fn.role!;
  acknowledge(role, `AwsSolutions-IAM5[Resource::${flattenForFinding(role, bucket.arnForObjects('*'))}]`, 'The connector writes objects under names it derives (topic, partition, offsets, time): the grant covers the objects of this one bucket the user named for it.');
  for (const action of actions) acknowledge(role, `AwsSolutions-IAM5[Action::${action}]`, `CDK's bucket grant (${action}) on the one bucket the user named for this connector, nothing else.`);
}
