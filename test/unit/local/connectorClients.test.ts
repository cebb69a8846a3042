// The dev server's connectors call the local stack, or an endpoint their user named, and
// nothing else: each client is pointed before any call is made.
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../../../lib/core/errors.ts';
import { localAwsClients, localAwsConnectors, localS3Client } from '../../../lib/local/connectorClients.ts';
import type { S3SinkSettings } from '../../../lib/connect/connectors/s3/config.ts';
import { PluginRegistry } from '../../../lib/connect/plugins/registry.ts';

const target = {
  region: 'us-east-1',
  endpoints: { dynamodb: 'http://127.0.0.1:7001', s3: 'http://127.0.0.1:7002' },
  credentials: { accessKeyId: 'SLUICEKEY0123456789', secretAccessKey: 'secret' },
};

async function endpointOf(client: { config: { endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number }> } }): Promise<string> {
  const e = await client.config.endpoint!();
  return `${e.protocol}//${e.hostname}:${e.port}`;
}

const s3Settings = (endpoint: string | null) => ({ region: 'eu-west-1', endpoint }) as S3SinkSettings;

describe('the dev server connectors AWS clients', () => {
  it("point DynamoDB and its streams at the stack's DynamoDB, with the stack's region and key pair", async () => {
    const aws = localAwsClients(target, {});
    expect(await endpointOf(aws.dynamodb())).toBe('http://127.0.0.1:7001');
    expect(await endpointOf(aws.streams())).toBe('http://127.0.0.1:7001');
    expect(await aws.dynamodb().config.region()).toBe('us-east-1');
    expect((await aws.streams().config.credentials()).accessKeyId).toBe('SLUICEKEY0123456789');
  });

  it("point the S3 sink at the stack's S3 unless its store.url names another endpoint", async () => {
    const local = localS3Client(target)(s3Settings(null));
    expect(await endpointOf(local)).toBe('http://127.0.0.1:7002');
    expect((await local.config.credentials()).accessKeyId).toBe('SLUICEKEY0123456789');
    expect(await endpointOf(localS3Client(target)(s3Settings('http://127.0.0.1:9000')))).toBe('http://127.0.0.1:9000');
  });

  it('refuse SQS, EventBridge and Lambda connectors when no endpoint is configured, rather than call AWS', () => {
    const aws = localAwsClients(target, {});
    expect(() => aws.sqs()).toThrow(InvalidConfigError);
    expect(() => aws.sqs()).toThrow(/AWS_ENDPOINT_URL_SQS/);
    expect(() => aws.events()).toThrow(/AWS_ENDPOINT_URL_EVENTBRIDGE/);
    expect(() => aws.lambda()).toThrow(/AWS_ENDPOINT_URL_LAMBDA/);
  });

  it('use the endpoint AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL names', async () => {
    const aws = localAwsClients(target, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324' });
    expect(await endpointOf(aws.sqs())).toBe('http://127.0.0.1:9324');
    expect(await endpointOf(aws.events())).toBe('http://127.0.0.1:4566');
  });

  it('make an SqsSink config without an SQS endpoint invalid, naming the variable to set', async () => {
    const registry = new PluginRegistry({ deployed: false, plugins: localAwsConnectors(target, {}) });
    const plugin = await registry.resolve('SqsSink');
    const errors = plugin.connector.validate?.({ 'connector.class': 'SqsSink', topics: 't', 'sqs.queue.url': 'http://127.0.0.1:9324/000000000000/q' });
    expect(JSON.stringify(errors)).toMatch(/AWS_ENDPOINT_URL_SQS/);
  });
});
