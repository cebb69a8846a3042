// The push WebSocket API in the template (cdk/push.ts): every route of PUSH_ROUTES on the
// push function, $connect IAM-authorized, a throttled and logged stage, and posting to
// connections granted only to the functions that post, only on that API's stage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceStack } from '../../cdk/stack.ts';
import { FUNCTIONS, PUSH_ROUTES, type FunctionName } from '../../lib/api/routes.ts';
import { PUSH_ENDPOINT_ENV_VAR } from '../../lib/push/poster.ts';
import { asArray, logicalId, refOf, refsIn, resourcesOfType, roleStatements, type CfnTemplate } from './support.ts';

let outdir: string;
let stack: SluiceStack;
let t: CfnTemplate;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'sluice-cdk-push-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  stack = new SluiceStack(app, 'SluicePush');
  t = Template.fromStack(stack).toJSON() as CfnTemplate;
});

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const apiId = () => logicalId(stack.platform.parts.push.api);
const ofPushApi = (type: string) => resourcesOfType(t, type).filter(([, r]) => refOf(r.Properties?.ApiId) === apiId());
const fnId = (fn: FunctionName) => logicalId(stack.platform.functions[fn]);

describe('the push WebSocket API', () => {
  it('routes every push route to the push function, authorizing $connect with IAM', () => {
    const routes = ofPushApi('AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => r.Properties!.RouteKey).sort()).toEqual([...PUSH_ROUTES].sort());
    const integrations = Object.fromEntries(ofPushApi('AWS::ApiGatewayV2::Integration'));
    for (const [, r] of routes) {
      const p = r.Properties!;
      expect(p.AuthorizationType ?? 'NONE').toBe(p.RouteKey === '$connect' ? 'AWS_IAM' : 'NONE');
      const integration = integrations[[...refsIn(p.Target)].find((id) => integrations[id])!]!.Properties!;
      expect(refsIn(integration.IntegrationUri)).toContain(fnId('push'));
    }
    const api = t.Resources[apiId()]!.Properties!;
    expect(api).toMatchObject({ ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
  });

  it('has one auto-deployed stage, throttled and access-logged', () => {
    const stages = ofPushApi('AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const p = stages[0]![1].Properties!;
    expect(p).toMatchObject({ StageName: 'v1', AutoDeploy: true });
    expect(p.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) });
    expect(t.Resources[refOf(p.AccessLogSettings.DestinationArn)!]!.Type).toBe('AWS::Logs::LogGroup');
  });

  it('lets only the functions that post manage connections, on that stage\'s @connections only', () => {
    for (const fn of Object.keys(FUNCTIONS) as FunctionName[]) {
      const role = refOf(t.Resources[fnId(fn)]!.Properties!.Role)!;
      const grants = roleStatements(t, role).filter((s) => asArray(s.Action).some((a) => a.startsWith('execute-api:')));
      const env = t.Resources[fnId(fn)]!.Properties!.Environment?.Variables ?? {};
      if (!FUNCTIONS[fn].postsToConnections) {
        expect(grants, fn).toEqual([]);
        expect(env[PUSH_ENDPOINT_ENV_VAR], fn).toBeUndefined();
        continue;
      }
      expect(grants, fn).toHaveLength(1);
      expect(asArray(grants[0]!.Action)).toEqual(['execute-api:ManageConnections']);
      const resource = JSON.stringify(grants[0]!.Resource);
      expect(resource).toContain(apiId());
      expect(resource).toContain('/v1/POST/@connections/*');
      expect(JSON.stringify(env[PUSH_ENDPOINT_ENV_VAR])).toContain(apiId());
    }
  });
});
