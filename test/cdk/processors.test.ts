// `platform.addProcessor`: the user's topology module bundled into a Lambda of its own,
// rung by the dispatcher (a subscription per input topic) and by a schedule, with a role
// limited to what a processor touches. Synthesized once with real bundling; cdk-nag finds
// nothing unacknowledged.
import { App, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceStack } from '../../cdk/stack.ts';
import { asArray, findingsSummary, logicalId, refOf, refsIn, resourcesOfType, roleStatements, type CfnTemplate, type Statement } from './support.ts';

let outdir: string;
let stack: SluiceStack;
let t: CfnTemplate;
let fnId: string;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'sluice-cdk-procs-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  stack = new SluiceStack(app, 'SluiceProcessors');
  const fn = stack.platform.addProcessor('word-count', { entry: 'lib/streams/examples/wordCount.ts', inputs: ['text-lines'], tick: Duration.minutes(2) });
  fnId = logicalId(fn);
  t = Template.fromStack(stack).toJSON() as CfnTemplate;
}, 180_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const statements = (): Statement[] => roleStatements(t, refOf(t.Resources[fnId]!.Properties!.Role)!);
const actions = (ss: Statement[]) => [...new Set(ss.flatMap((s) => asArray(s.Action)))].sort();
const tableId = (id: string) => logicalId(stack.platform.tables[id as keyof typeof stack.platform.tables]);

describe('addProcessor', () => {
  it('bundles the topology module into the processor function, named by its application.id', () => {
    const env = (t.Resources[fnId]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.SLUICE_PROCESSOR_NAME).toBe('word-count');
    const bundles = readdirSync(outdir)
      .filter((d) => d.startsWith('asset.'))
      .map((d) => path.join(outdir, d, 'index.mjs'))
      .flatMap((f) => {
        try {
          return [readFileSync(f, 'utf8')];
        } catch {
          return [];
        }
      });
    expect(bundles.filter((code) => code.includes('word-counts') && code.includes('SLUICE_PROCESSOR_NAME'))).toHaveLength(1);
  });

  it('is rung by the dispatcher through a subscription on each input, from the earliest offset', () => {
    const subs = resourcesOfType(t, 'Custom::SluiceSubscription').filter(([, r]) => r.Properties!.Name === 'processor-word-count');
    expect(subs.map(([, r]) => r.Properties!.Topic)).toEqual(['text-lines']);
    expect(JSON.stringify(subs[0]![1].Properties!.Spec)).toContain('earliest');
    expect(refsIn(subs[0]![1].Properties!.Spec).has(fnId)).toBe(true);
  });

  it('is woken by a schedule (idle windows, wall-clock punctuators)', () => {
    const rules = resourcesOfType(t, 'AWS::Events::Rule').filter(([, r]) => refsIn(r.Properties!.Targets).has(fnId));
    expect(rules.map(([, r]) => r.Properties!.ScheduleExpression)).toEqual(['rate(2 minutes)']);
  });

  it('has a least-privilege role: its processor items by leading key, no other feature tables, no deletes of segments', () => {
    const ss = statements();
    const processorItems = ss.filter((s) => asArray(s.Resource).some((r) => refsIn(r).has(tableId('processors'))));
    expect(processorItems).toHaveLength(1);
    expect(processorItems[0]!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['processor', 'tasks#word-count'] } });
    expect(actions(processorItems)).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    for (const other of ['groups', 'subscriptions', 'connectors', 'push']) {
      expect(ss.filter((s) => asArray(s.Resource).some((r) => refsIn(r).has(tableId(other)))), other).toEqual([]);
    }
    expect(actions(ss)).not.toContain('s3:DeleteObject');
    expect(actions(ss).filter((a) => a.endsWith('*'))).toEqual([]);
  });

  it('has no unacknowledged cdk-nag findings', () => {
    expect(findingsSummary(new AwsSolutionsChecks().validateScope(stack))).toEqual([]);
  });
});
