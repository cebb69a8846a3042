// The optional Kafka gateway of the StreamingPlatform: an arm64 Fargate service behind a
// TLS Network Load Balancer, its own least-privilege task role, logs, autoscaling; synth
// stays offline (the image is staged, not built) and cdk-nag finds nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../cdk/access.ts';
import { DEFAULT_GATEWAY_LISTENER_PORT, GATEWAY_CONTAINER_PORT, KafkaGateway } from '../../cdk/gateway.ts';
import { StreamingPlatform } from '../../cdk/platform.ts';
import { resolveSettings } from '../../cdk/props.ts';
import { PlatformStorage } from '../../cdk/storage.ts';
import { findingsSummary, resourcesOfType, roleStatements, type CfnTemplate } from './support.ts';

let outdir: string;
let stack: Stack;
let platform: StreamingPlatform;
let template: CfnTemplate;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'sluice-cdk-gw-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  stack = new Stack(app, 'SluiceGateway', { env: { account: '123456789012', region: 'eu-west-1' } });
  const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc');
  const iamKeysSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'IamKeys', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gateway-keys-AbCdEf');
  platform = new StreamingPlatform(stack, 'Platform', {
    kafkaGateway: { certificate, domainName: 'kafka.example.com', iamKeysSecret, minTasks: 2, maxTasks: 6 },
  });
  app.synth();
  template = Template.fromStack(stack).toJSON() as CfnTemplate;
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('kafkaGateway', () => {
  it('runs arm64 Fargate tasks of an image staged from a generated Dockerfile and the esbuild bundle', () => {
    const task = resourcesOfType(template, 'AWS::ECS::TaskDefinition')[0]![1];
    expect(task!.Properties!.RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
    const container = (task!.Properties!.ContainerDefinitions as Record<string, unknown>[])[0]!;
    expect(container.PortMappings).toEqual([expect.objectContaining({ ContainerPort: GATEWAY_CONTAINER_PORT })]);
    const env = Object.fromEntries((container.Environment as { Name: string; Value: unknown }[]).map((e) => [e.Name, e.Value]));
    expect(env).toMatchObject({ SLUICE_GATEWAY_HOST: '0.0.0.0', SLUICE_GATEWAY_ADVERTISED_HOST: 'kafka.example.com', SLUICE_GATEWAY_IAM_REGION: 'eu-west-1' });
    expect((container.Secrets as { Name: string }[]).map((s) => s.Name)).toEqual(['SLUICE_GATEWAY_IAM_KEYS']);
    expect((container.LogConfiguration as { LogDriver: string }).LogDriver).toBe('awslogs');

    const manifest = JSON.parse(readFileSync(path.join(outdir, 'SluiceGateway.assets.json'), 'utf8')) as { dockerImages: Record<string, { source: { directory: string } }> };
    const [image] = Object.values(manifest.dockerImages);
    const dir = path.join(outdir, image!.source.directory);
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toMatch(/^FROM --platform=linux\/arm64 public\.ecr\.aws\/docker\/library\/node:22/);
    expect(existsSync(path.join(dir, 'app', 'index.mjs'))).toBe(true);
  });

  it('listens with TLS on the load balancer and scales the service on CPU', () => {
    const listener = resourcesOfType(template, 'AWS::ElasticLoadBalancingV2::Listener')[0]![1];
    expect(listener!.Properties).toMatchObject({ Protocol: 'TLS', Port: DEFAULT_GATEWAY_LISTENER_PORT });
    expect(listener!.Properties!.Certificates).toEqual([{ CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc' }]);
    const target = resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalableTarget')[0]![1];
    expect(target!.Properties).toMatchObject({ MinCapacity: 2, MaxCapacity: 6 });
    expect(resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy')).toHaveLength(1);
    expect(platform.kafkaGateway!.bootstrapServers).toBe(`kafka.example.com:${DEFAULT_GATEWAY_LISTENER_PORT}`);
  });

  it('gives the tasks a role of their own: table items and segment objects, nothing else', () => {
    const statements = roleStatements(template, stack.getLogicalId(platform.kafkaGateway!.taskRole.node.defaultChild as never));
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(new Set(actions)).toEqual(new Set([...ACTIONS.dynamodbRead, ...ACTIONS.dynamodbWrite, ...ACTIONS.s3Read, ...ACTIONS.s3Write]));
    expect(actions.some((a) => /\*/.test(String(a)))).toBe(false);
    const tables = JSON.stringify(statements.flatMap((s) => [s.Resource].flat()));
    expect(tables).not.toContain(stack.getLogicalId(platform.tables.subscriptions.node.defaultChild as never));
  });

  it('refuses a gateway without authentication', () => {
    const other = new Stack(new App(), 'NoAuth');
    const certificate = acm.Certificate.fromCertificateArn(other, 'Cert', 'arn:aws:acm:eu-west-1:123456789012:certificate/abc');
    const settings = resolveSettings({ dev: true, serverAccessLogs: false });
    const storage = new PlatformStorage(other, settings);

    expect(() => new KafkaGateway(other, 'G', { certificate, domainName: 'k.example.com', settings, storage })).toThrow(/iamKeysSecret/);
  });

  it('has no unacknowledged cdk-nag findings', () => {
    expect(findingsSummary(new AwsSolutionsChecks().validateScope(stack))).toEqual([]);
  });
});
