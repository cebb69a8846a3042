// `platform.addConnector`: a custom resource served by the connectors function, and grants
// to the connector runtime on exactly the resources each connector names, nothing for a
// connector that names none; a custom connector's module bundled into a function of its
// own, which serves its resource and runs it on a schedule. Synthesized once with real
// bundling; cdk-nag finds nothing unacknowledged.
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceStack } from '../../cdk/stack.ts';
import type { FunctionName } from '../../lib/api/routes.ts';
import { asArray, findingsSummary, logicalId, refOf, refsIn, resourcesOfType, roleStatements, type CfnTemplate, type Statement } from './support.ts';

let outdir: string;
let stack: SluiceStack;
let t: CfnTemplate;
let archive: s3.Bucket;
let other: s3.Bucket;
let users: dynamodb.Table;
let inbox: sqs.Queue;
let scratch: s3.Bucket;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'sluice-cdk-conn-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  stack = new SluiceStack(app, 'SluiceConnectors');
  archive = new s3.Bucket(stack, 'Archive');
  other = new s3.Bucket(stack, 'Other');
  users = new dynamodb.Table(stack, 'Users', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES });
  inbox = new sqs.Queue(stack, 'Inbox');
  stack.platform.addConnector('orders-archive', { 'connector.class': 'S3Sink', topics: 'orders', 's3.bucket.name': archive.bucketName }, { buckets: [archive] });
  stack.platform.addConnector('users-cdc', { 'connector.class': 'DynamoDbCdcSource', 'table.name': users.tableName, 'topic.prefix': 'ddb' }, { tables: [users] });
  stack.platform.addConnector('inbox', { 'connector.class': 'SqsSource', 'sqs.queue.url': inbox.queueUrl, topic: 'inbox' }, { queues: [inbox] });
  scratch = new s3.Bucket(stack, 'Scratch');
  stack.platform.addConnector('echo', { 'connector.class': 'EchoSource', topic: 'echoes' }, { entry: 'test/unit/connect/fixtures/echo-source.ts', buckets: [scratch] });
  app.synth();
  t = Template.fromStack(stack).toJSON() as CfnTemplate;
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const fnId = (fn: FunctionName) => logicalId(stack.platform.functions[fn]);
const roleOf = (fn: FunctionName) => refOf(t.Resources[fnId(fn)]!.Properties!.Role)!;
const touching = (statements: Statement[], id: string) => statements.filter((s) => asArray(s.Resource).some((r) => refsIn(r).has(id)));
const actions = (statements: Statement[]) => [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();

const customFunction = () => {
  const [found] = resourcesOfType(t, 'AWS::Lambda::Function').filter(([, f]) => (f.Properties!.Environment as { Variables?: Record<string, unknown> })?.Variables?.SLUICE_CONNECTOR_NAME === 'echo');
  return found!;
};

describe('addConnector', () => {
  it('creates each connector through a custom resource served by the connectors function', () => {
    const resources = resourcesOfType(t, 'Custom::SluiceConnector');
    expect(resources.map(([, r]) => r.Properties!.Name).sort()).toEqual(['echo', 'inbox', 'orders-archive', 'users-cdc']);
    for (const [, r] of resources.filter(([, x]) => x.Properties!.Name !== 'echo')) expect(refsIn(r.Properties!.ServiceToken).has(fnId('connectors'))).toBe(true);
  });

  it('grants the connector runtime exactly the named resources, each for what its connector does', () => {
    const runtime = roleStatements(t, roleOf('connectorRuntime'));
    expect(actions(touching(runtime, logicalId(archive)))).toEqual(expect.arrayContaining(['s3:PutObject']));
    expect(actions(touching(runtime, logicalId(archive))).filter((a) => /Get|Delete|List/.test(a) && a.startsWith('s3:'))).toEqual([]);
    expect(touching(runtime, logicalId(other))).toEqual([]);
    expect(actions(touching(runtime, logicalId(users)))).toEqual(expect.arrayContaining(['dynamodb:DescribeTable', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator']));
    expect(actions(touching(runtime, logicalId(users)))).not.toContain('dynamodb:PutItem');
    expect(actions(touching(runtime, logicalId(inbox)))).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(actions(touching(runtime, logicalId(inbox)))).not.toContain('sqs:SendMessage');
    // Management never touches the user's resources.
    const management = roleStatements(t, roleOf('connectors'));
    for (const id of [archive, users, inbox].map(logicalId)) expect(touching(management, id)).toEqual([]);
  });

  it('runs the connector runtime from the partitions stream and on a one-minute schedule; it reads no other stream than those and the named table\'s', () => {
    const streamReads = roleStatements(t, roleOf('connectorRuntime')).filter((s) => asArray(s.Action).includes('dynamodb:GetRecords'));
    const tables = new Set(streamReads.flatMap((s) => asArray(s.Resource).flatMap((r) => [...refsIn(r)])));
    expect([...tables].sort()).toEqual([logicalId(stack.platform.tables.partitions), logicalId(users)].sort());
    const mappings = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => refOf(m.Properties!.FunctionName) === fnId('connectorRuntime'));
    expect(mappings).toHaveLength(1);
    const rules = resourcesOfType(t, 'AWS::Events::Rule').filter(([, r]) => asArray(r.Properties!.Targets as { Arn: unknown }[]).some((x) => refsIn(x.Arn).has(fnId('connectorRuntime'))));
    expect(rules.map(([, r]) => r.Properties!.ScheduleExpression)).toEqual(['rate(1 minute)']);
  });

  it('bundles a custom connector\'s module into a function of its own, which serves its resource and runs on a one-minute schedule', () => {
    const [id, fn] = customFunction();
    expect((fn.Properties!.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({ SLUICE_CONNECTOR_NAME: 'echo', SLUICE_CONNECTOR_CLASS: 'EchoSource' });
    const [resource] = resourcesOfType(t, 'Custom::SluiceConnector').filter(([, r]) => r.Properties!.Name === 'echo');
    expect(refsIn(resource![1].Properties!.ServiceToken).has(id)).toBe(true);
    const rules = resourcesOfType(t, 'AWS::Events::Rule').filter(([, r]) => asArray(r.Properties!.Targets as { Arn: unknown }[]).some((x) => refsIn(x.Arn).has(id)));
    expect(rules.map(([, r]) => r.Properties!.ScheduleExpression)).toEqual(['rate(1 minute)']);
    expect(resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => refOf(m.Properties!.FunctionName) === id)).toEqual([]);
    // The bundle holds the user's module (its documentation string survives minifying).
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.')).map((d) => readFileSync(path.join(outdir, d, 'index.mjs'), 'utf8'));
    const bundle = assets.filter((code) => code.includes('SLUICE_CONNECTOR_CLASS'));
    expect(bundle).toHaveLength(1);
    expect(bundle[0]).toContain('Where to write');
  });

  it('grants a custom connector\'s function its named resources and the runtime\'s storage, the shared runtime none of them', () => {
    const [id, fn] = customFunction();
    const own = roleStatements(t, refOf(fn.Properties!.Role)!);
    expect(actions(touching(own, logicalId(scratch)))).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject*']));
    expect(actions(touching(own, logicalId(stack.platform.tables.connectors)))).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']));
    expect(touching(roleStatements(t, roleOf('connectorRuntime')), logicalId(scratch))).toEqual([]);
    expect(touching(own, logicalId(archive))).toEqual([]);
    expect(id).not.toBe(fnId('connectorRuntime'));
  });

  it('lets the shared runtime wake a custom connector\'s function: named in its environment, invoke granted on it alone', () => {
    const [id] = customFunction();
    const runtime = t.Resources[fnId('connectorRuntime')]!;
    const env = (runtime.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    const invokes = roleStatements(t, roleOf('connectorRuntime')).filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));

    expect(refsIn(env.SLUICE_CUSTOM_CONNECTOR_FUNCTIONS).has(id)).toBe(true);
    expect(JSON.stringify(env.SLUICE_CUSTOM_CONNECTOR_FUNCTIONS)).toContain('\\"echo\\":');
    expect(invokes.length).toBeGreaterThan(0);
    for (const s of invokes) for (const r of asArray(s.Resource)) expect(refsIn(r).has(id)).toBe(true);
  });

  it('has no unacknowledged cdk-nag findings', () => {
    expect(findingsSummary(new AwsSolutionsChecks().validateScope(stack.platform))).toEqual([]);
  });

  it('refuses an invalid connector name or a config without connector.class at synth time', () => {
    expect(() => stack.platform.addConnector('bad name', { 'connector.class': 'S3Sink' })).toThrow(/invalid connector name/);
    expect(() => stack.platform.addConnector('noclass', {})).toThrow(/connector.class/);
  });
});
