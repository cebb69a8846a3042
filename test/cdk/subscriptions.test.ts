// The subscription parts of the StreamingPlatform construct: the dispatcher's event source
// mapping on the partitions stream, its dead-letter queue, `addSubscription` (custom
// resource + an invoke grant on exactly the subscribed function) and the dispatcher's
// least privilege. Synthesized once with real bundling, checked by cdk-nag.
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceStack } from '../../cdk/stack.ts';
import { FUNCTIONS, type FunctionName } from '../../lib/api/routes.ts';
import { TABLE_IDS, type TableId } from '../../lib/storage/definitions.ts';
import { DEAD_LETTER_QUEUE_ENV_VAR } from '../../lib/subscriptions/model.ts';
import {
  allStatements,
  asArray,
  findingsSummary,
  logicalId,
  refOf,
  refsIn,
  resourcesOfType,
  roleStatements,
  type CfnTemplate,
  type Statement,
} from './support.ts';

let outdir: string;
let stack: SluiceStack;
let billing: lambda.Function;
let audit: lambda.Function;
let ownQueue: sqs.Queue;
let t: CfnTemplate;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'sluice-cdk-subs-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  stack = new SluiceStack(app, 'SluiceSubscriptions');
  const code = lambda.Code.fromInline('exports.handler = async () => {};');
  billing = new lambda.Function(stack, 'Billing', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  audit = new lambda.Function(stack, 'Audit', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
  ownQueue = new sqs.Queue(stack, 'AuditDlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true });
  stack.platform.addSubscription('orders', billing, { name: 'billing', batchSize: 50, maxBatchingWindow: Duration.seconds(2), maxRetries: 5 });
  stack.platform.addSubscription('orders', audit, { name: 'audit', startingPosition: 'earliest', deadLetterQueue: ownQueue });
  // The same function twice: one grant.
  stack.platform.addSubscription('payments', billing, { name: 'billing' });
  t = Template.fromStack(stack).toJSON() as CfnTemplate;
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const fnId = (fn: FunctionName) => logicalId(stack.platform.functions[fn]);
const roleOf = (fn: FunctionName) => refOf(t.Resources[fnId(fn)]!.Properties!.Role)!;
const actionsOf = (s: Statement) => asArray(s.Action);

describe('event source mapping', () => {
  it('feeds the partitions table stream to the dispatcher, from LATEST, in order, with partial batch failures', () => {
    // The connector runtime has its own (test/cdk/connectors.test.ts).
    const mappings = resourcesOfType(t, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => refOf(m.Properties!.FunctionName) === fnId('dispatcher'));
    expect(mappings).toHaveLength(1);
    const p = mappings[0]![1].Properties!;
    expect(refOf(p.FunctionName)).toBe(fnId('dispatcher'));
    expect(p.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.platform.tables.partitions), 'StreamArn'] });
    expect(p).toMatchObject({
      StartingPosition: 'LATEST',
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const filter = JSON.parse(p.FilterCriteria.Filters[0].Pattern as string);
    expect(filter).toEqual({ eventName: ['INSERT', 'MODIFY'] });
    // Created after the dispatcher may read the stream.
    const policy = mappings[0]![1].DependsOn ?? [];
    expect(policy.some((d) => d.startsWith(roleOf('dispatcher').replace(/[0-9A-F]{8}$/, '')))).toBe(true);
  });

  it('only the dispatcher and the connector runtime (sinks are subscriptions of another kind) have a trigger; the dispatcher also runs every minute for the sweep', () => {
    expect(Object.entries(FUNCTIONS).filter(([, d]) => d.trigger).map(([n]) => n)).toEqual(['dispatcher', 'connectorRuntime']);
    const rules = resourcesOfType(t, 'AWS::Events::Rule').filter(([, r]) =>
      asArray(r.Properties!.Targets as { Arn: unknown }[]).some((x) => refsIn(x.Arn).has(fnId('dispatcher'))),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties!.ScheduleExpression).toBe('rate(1 minute)');
  });
});

describe('dead-letter queue', () => {
  it('is encrypted (SQS-managed SSE), TLS-only, keeps messages 14 days, and the dispatcher knows its URL', () => {
    const id = logicalId(stack.platform.deadLetterQueue);
    const q = t.Resources[id]!;
    expect(q.Type).toBe('AWS::SQS::Queue');
    expect(q.Properties!.SqsManagedSseEnabled).toBe(true);
    expect(q.Properties!.MessageRetentionPeriod).toBe(14 * 86_400);
    const policies = resourcesOfType(t, 'AWS::SQS::QueuePolicy').filter(([, p]) => asArray(p.Properties!.Queues).some((x) => refOf(x) === id));
    expect(policies).toHaveLength(1);
    const deny = asArray(policies[0]![1].Properties!.PolicyDocument.Statement as Statement[]).find((s) => s.Effect === 'Deny');
    expect(deny).toMatchObject({ Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' } });
    expect(actionsOf(deny!)).toEqual(['sqs:*']);
    const env = t.Resources[fnId('dispatcher')]!.Properties!.Environment.Variables as Record<string, unknown>;
    expect(refOf(env[DEAD_LETTER_QUEUE_ENV_VAR])).toBe(id);
  });
});

describe('addSubscription', () => {
  it('creates each subscription through a custom resource served by the subscriptions function', () => {
    const resources = resourcesOfType(t, 'Custom::SluiceSubscription');
    expect(resources).toHaveLength(3);
    for (const [, r] of resources) {
      expect(r.Properties!.ServiceToken).toEqual({ 'Fn::GetAtt': [fnId('subscriptions'), 'Arn'] });
    }
    const byName = (topic: string, name: string) => resources.find(([, r]) => r.Properties!.Topic === topic && r.Properties!.Name === name)![1];
    const billingSpec = JSON.stringify(byName('orders', 'billing').Properties!.Spec);
    expect(billingSpec).toContain('\\"batchSize\\":50');
    expect(billingSpec).toContain('\\"maxBatchingWindowMs\\":2000');
    expect(billingSpec).toContain('\\"maxRetries\\":5');
    expect(billingSpec).toContain('\\"startingPosition\\":\\"latest\\"');
    expect([...refsIn(byName('orders', 'billing').Properties!.Spec)]).toContain(logicalId(billing));
    const auditSpec = byName('orders', 'audit').Properties!.Spec;
    expect(JSON.stringify(auditSpec)).toContain('\\"startingPosition\\":\\"earliest\\"');
    expect([...refsIn(auditSpec)]).toEqual(expect.arrayContaining([logicalId(audit), logicalId(ownQueue)]));
  });

  it('grants lambda:InvokeFunction to the dispatcher on exactly the subscribed functions, and to nobody else', () => {
    const invoke = roleStatements(t, roleOf('dispatcher')).filter((s) => actionsOf(s).includes('lambda:InvokeFunction'));
    expect(invoke.map((s) => actionsOf(s))).toEqual([['lambda:InvokeFunction'], ['lambda:InvokeFunction']]);
    const resources = invoke.flatMap((s) => asArray(s.Resource));
    expect(resources).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [logicalId(billing), 'Arn'] },
        { 'Fn::GetAtt': [logicalId(audit), 'Arn'] },
      ]),
    );
    expect(resources).toHaveLength(2);
    for (const { source, statement } of allStatements(t)) {
      if (!actionsOf(statement).some((a) => a.startsWith('lambda:Invoke'))) continue;
      expect(asArray(statement.Resource)).not.toContain('*');
      expect(JSON.stringify(statement.Resource)).not.toContain(':*');
      // Only the dispatcher's role may invoke.
      const role = resourcesOfType(t, 'AWS::IAM::Policy').find(([id]) => id === source)?.[1].Properties!.Roles;
      expect(asArray(role).map(refOf)).toEqual([roleOf('dispatcher')]);
    }
  });

  it('rejects invalid topics, names and settings at synth time', () => {
    const p = stack.platform;
    expect(() => p.addSubscription('bad topic', billing, { name: 'x' })).toThrow(/invalid topic/);
    expect(() => p.addSubscription('orders', billing, { name: 'a/b' })).toThrow(/invalid subscription name/);
    expect(() => p.addSubscription('orders', billing, { name: 'x', batchSize: 0 })).toThrow(/batchSize/);
    expect(() => p.addSubscription('orders', billing, { name: 'x', maxBatchingWindow: Duration.minutes(6) })).toThrow(/maxBatchingWindow/);
    expect(() => p.addSubscription('orders', billing, { name: 'x', maxRetries: 10_001 })).toThrow(/maxRetries/);
  });
});

describe('the dispatcher: least privilege', () => {
  it('reads what it delivers, writes only the subscriptions and push tables, reads the partitions stream, sends only to its queues, invokes only subscribers, posts only to push connections', () => {
    const tableIds = new Map(TABLE_IDS.map((id) => [logicalId(stack.platform.tables[id]), id]));
    const written = new Set<TableId>();
    const read = new Set<TableId>();
    const sqsTargets = new Set<string>();
    for (const s of roleStatements(t, roleOf('dispatcher'))) {
      expect(s.Effect).toBe('Allow');
      const actions = actionsOf(s);
      const service = actions[0]!.split(':')[0];
      for (const r of asArray(s.Resource)) {
        const refs = [...refsIn(r)];
        if (service === 'dynamodb') {
          const table = tableIds.get(refs[0]!)!;
          expect(table).toBeDefined();
          if (actions.includes('dynamodb:GetRecords')) {
            expect(table).toBe('partitions');
            expect(actions).toEqual(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams']);
            expect(JSON.stringify(r)).toContain('/stream/*');
            continue;
          }
          if (actions.some((a) => /Put|Update|Delete|BatchWrite/.test(a))) written.add(table);
          else read.add(table);
        } else if (service === 's3') {
          expect(actions).toEqual(['s3:GetObject']);
        } else if (service === 'sqs') {
          expect(actions).toEqual(['sqs:SendMessage']);
          sqsTargets.add(refs[0]!);
        } else if (service === 'lambda') {
          expect(actions).toEqual(['lambda:InvokeFunction']);
        } else if (service === 'execute-api') {
          // Push notices: posting to the push WebSocket API's connections, that stage only.
          expect(actions).toEqual(['execute-api:ManageConnections']);
          expect(refs).toContain(logicalId(stack.platform.parts.push.api));
          expect(JSON.stringify(r)).toContain('/v1/POST/@connections/*');
        } else {
          expect(service).toBe('logs');
        }
      }
    }
    expect([...written].sort()).toEqual(['push', 'subscriptions']);
    expect([...read].sort()).toEqual(['partitions', 'push', 'segments', 'subscriptions', 'topics']);
    expect([...sqsTargets].sort()).toEqual([logicalId(stack.platform.deadLetterQueue), logicalId(ownQueue)].sort());
  });

  it('no other function reads streams, sends to SQS or invokes functions (the connector runtime only by its connectors: test/cdk/connectors.test.ts)', () => {
    for (const fn of Object.keys(FUNCTIONS) as FunctionName[]) {
      if (fn === 'dispatcher' || fn === 'connectorRuntime') continue;
      const actions = roleStatements(t, roleOf(fn)).flatMap(actionsOf);
      expect(actions.filter((a) => /^(sqs|lambda):|dynamodb:(GetRecords|GetShardIterator)/.test(a)), fn).toEqual([]);
    }
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  it('the platform with subscriptions has no unacknowledged findings', () => {
    const report = new AwsSolutionsChecks().validateScope(stack.platform);
    expect(findingsSummary(report)).toEqual([]);
  });
});
