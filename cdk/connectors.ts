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
import { CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { validateConnectorName } from '../lib/connect/service.ts';
import type { PlatformFunctions } from './functions.ts';

/** The user's resources a connector reads or writes; the runtime is granted exactly these. */
export interface ConnectorResources {
  readonly buckets?: readonly s3.IBucket[];
  readonly tables?: readonly dynamodb.ITable[];
  readonly queues?: readonly sqs.IQueue[];
  readonly eventBuses?: readonly events.IEventBus[];
  readonly functions?: readonly lambda.IFunction[];
}

/** The class a connector.class names, without package and Connector suffix. */
const kindOf = (className: string): string => className.split('.').at(-1)!.replace(/Connector$/, '');

export class PlatformConnectors {
  constructor(
    private readonly scope: Construct,
    private readonly functions: PlatformFunctions,
  ) {}

  private get runtime(): lambda.Function {
    return this.functions.functions.connectorRuntime;
  }

  /** See StreamingPlatform.addConnector. */
  addConnector(name: string, config: Record<string, string>, resources: ConnectorResources = {}): CustomResource {
    try {
      validateConnectorName(name);
    } catch (err) {
      throw new Error(`StreamingPlatform.addConnector: invalid connector name '${name}': ${(err as Error).message}`);
    }
    const className = config['connector.class'];
    if (!className) throw new Error(`StreamingPlatform.addConnector(${name}): the config must name 'connector.class'.`);
    this.grant(kindOf(className), resources);
    const resource = new CustomResource(this.scope, `Connector-${name}`, {
      serviceToken: this.functions.functions.connectors.functionArn,
      resourceType: 'Custom::SluiceConnector',
      properties: { Name: name, Config: Stack.of(this.scope).toJsonString(config) },
    });
    resource.node.addDependency(this.runtime);
    return resource;
  }

  private grant(kind: string, r: ConnectorResources): void {
    const fn = this.runtime;
    const statement = (actions: string[], resources: string[]) => fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    switch (kind) {
      case 'S3Sink':
        for (const b of r.buckets ?? []) b.grantPut(fn);
        return;
      case 'DynamoDbCdcSource':
        for (const t of r.tables ?? []) {
          t.grantStreamRead(fn);
          statement(['dynamodb:DescribeTable'], [t.tableArn]);
        }
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
