// The AWS clients of connectors in the dev server. Connectors that talk to AWS services
// (S3Sink, DynamoDbCdcSource, DynamoDbSink, SqsSource/SqsSink, EventBridgeSink,
// LambdaSink) are given clients pointed at the local stack — its emulators, or the stack
// AWS_ENDPOINT_URL names — with the stack's region and credentials, never the AWS
// endpoints an SDK would pick from the region: the dev server makes no call to an address
// its user did not configure.
//
//   service            endpoint, first that is set
//   S3                 the connector's store.url (its own credentials chain), the stack's S3
//   DynamoDB           the stack's DynamoDB (DynamoDB Local serves its streams too)
//   DynamoDB Streams   AWS_ENDPOINT_URL_DYNAMODB_STREAMS, the stack's DynamoDB
//   SQS, EventBridge,  AWS_ENDPOINT_URL_SQS / _EVENTBRIDGE / _LAMBDA, AWS_ENDPOINT_URL;
//   Lambda             else none: the connector is refused (INVALID_CONFIG naming the
//                      variable) rather than sent to AWS
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { InvalidConfigError } from '../core/errors.ts';
import { cdcPlugins, lazyAwsClients, type AwsClients } from '../connect/connectors/cdc.ts';
import type { ConnectorPlugin } from '../connect/connectors/index.ts';
import { createS3Sink, defaultS3Client, s3SinkPlugin, type S3ClientFactory } from '../connect/connectors/s3/sink.ts';
import type { SinkConnector } from '../connect/plugins/define.ts';
import { createS3Client } from '../storage/clients.ts';
import { commonClientConfig, createDynamoClient, type ClientTarget } from '../storage/tables.ts';

/** What a client is built with: the stack's region and key pair (as its storage clients) at one endpoint. */
const at = (target: ClientTarget, endpoint: string) => ({ ...commonClientConfig(target), endpoint });

/** An S3 client for the sink: store.url when the connector names one, else the stack's S3. */
export function localS3Client(target: ClientTarget): S3ClientFactory {
  return (settings) => {
    if (settings.endpoint) return defaultS3Client(settings);
    const endpoint = target.endpoints?.s3;
    if (!endpoint) throw new InvalidConfigError('The dev server has no S3 endpoint for S3Sink: set store.url.', { field: 'store.url' });
    return createS3Client({ ...target, endpoints: { s3: endpoint } });
  };
}

/** The clients of the CDC sources and AWS sinks, on the stack (made on first use, one of each). */
export function localAwsClients(target: ClientTarget, env: NodeJS.ProcessEnv): AwsClients {
  const dynamodb = () => {
    const endpoint = target.endpoints?.dynamodb;
    if (!endpoint) throw new InvalidConfigError('The dev server has no DynamoDB endpoint.', { field: 'connector.class' });
    return endpoint;
  };
  const named = (service: string, variable: string) => {
    const endpoint = env[variable] || env.AWS_ENDPOINT_URL;
    if (!endpoint) {
      throw new InvalidConfigError(`The dev server runs no ${service}: set ${variable} (or AWS_ENDPOINT_URL) to the ${service} endpoint this connector should use.`, { field: 'connector.class' });
    }
    return endpoint;
  };
  return lazyAwsClients({
    dynamodb: () => createDynamoClient({ ...target, endpoints: { dynamodb: dynamodb() } }),
    streams: () => new DynamoDBStreamsClient(at(target, env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS || dynamodb())),
    sqs: () => new SQSClient(at(target, named('SQS', 'AWS_ENDPOINT_URL_SQS'))),
    events: () => new EventBridgeClient(at(target, named('EventBridge', 'AWS_ENDPOINT_URL_EVENTBRIDGE'))),
    lambda: () => new LambdaClient(at(target, named('Lambda', 'AWS_ENDPOINT_URL_LAMBDA'))),
  });
}

/** The built-in connectors that call AWS, as the dev server registers them (replacing the built-ins). */
export function localAwsConnectors(target: ClientTarget, env: NodeJS.ProcessEnv): ConnectorPlugin[] {
  return [{ ...s3SinkPlugin, connector: createS3Sink(localS3Client(target)) as SinkConnector }, ...cdcPlugins(localAwsClients(target, env))];
}
