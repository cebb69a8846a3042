// `platform.addConnector`: a custom resource served by the connectors function, and grants
// to the connector runtime on exactly the resources each connector names, nothing for a
// connector that names none. Synthesized once with real bundling.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceStack } from '../../cdk/stack.ts';
import type { FunctionName } from '../../lib/api/routes.ts';
import { asArray, logicalId, refOf, refsIn, resourcesOfType, roleStatements, type CfnTemplate, type Statement } from './support.ts';

let outdir: string;
let stack: SluiceStack;
let t: CfnTemplate;
let archive: s3.Bucket;
let other: s3.Bucket;
let users: dynamodb.Table;
let inbox: sqs.Queue;

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
  t = Template.fromStack(stack).toJSON() as CfnTemplate;
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const fnId = (fn: FunctionName) => logicalId(stack.platform.functions[fn]);
const roleOf = (fn: FunctionName) => refOf(t.Resources[fnId(fn)]!.Properties!.Role)!;
const touching = (statements: Statement[], id: string) => statements.filter((s) => asArray(s.Resource).some((r) => refsIn(r).has(id)));
const actions = (statements: Statement[]) => [...new Set(statements.flatMap((s) => asArray(s.Action)))].sort();

describe('addConnector', () => {
  it('creates each connector through a custom resource served by the connectors function', () => {
    const resources = resourcesOfType(t, 'Custom::SluiceConnector');
    expect(resources.map(([, r]) => r.Properties!.Name).sort()).toEqual(['inbox', 'orders-archive', 'users-cdc']);
    for (const [, r] of resources) expect(refsIn(r.Properties!.ServiceToken).has(fnId('connectors'))).toBe(true);
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

  it('refuses an invalid connector name or a config without connector.class at synth time', () => {
    expect(() => stack.platform.addConnector('bad name', { 'connector.class': 'S3Sink' })).toThrow(/invalid connector name/);
    expect(() => stack.platform.addConnector('noclass', {})).toThrow(/connector.class/);
  });
});
