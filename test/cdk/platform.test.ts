// The CDK app, synthesized once (with real esbuild bundling) and checked against the
// single sources it is built from: TABLES/BUCKET (lib/storage/definitions.ts) and
// ROUTES/FUNCTIONS (lib/api/routes.ts). Expectations are derived from those, never copied.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Token, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE, PROJECT_ROOT, esbuildBuildOptions } from '../../cdk/bundling.ts';
import { BINARY_MEDIA_TYPES, DEFAULT_THROTTLE } from '../../cdk/platform.ts';
import { SluiceStack, buildSluiceApp, platformPropsFromContext, tableOutputKey } from '../../cdk/stack.ts';
import { FUNCTIONS, ROUTES, routeKey, type FunctionName } from '../../lib/api/routes.ts';
import {
  BUCKET,
  SEGMENT_PREFIX,
  TABLE_IDS,
  TABLES,
  createTableInput,
  storageEnvironment,
  type TableId,
} from '../../lib/storage/definitions.ts';
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

const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const WRITE_ACTION = /^(dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|DeleteTable|CreateTable|UpdateTable)|s3:(PutObject|DeleteObject|DeleteObjects|PutObjectAcl|AbortMultipartUpload|RestoreObject))/i;

let outdir: string;
let compareDir: string;
let app: App;
let assembly: CloudAssembly;
const stacks = {} as Record<'http' | 'rest' | 'dev' | 'jwt', SluiceStack>;
const templates = {} as Record<keyof typeof stacks, CfnTemplate>;

beforeAll(async () => {
  outdir = mkdtempSync(path.join(tmpdir(), 'sluice-cdk-'));
  // One app, one synth, four variants; the built-in CloudFormation validation is slow
  // (it is exercised by `cdk synth`), cdk-nag runs here as in the real app.
  app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    // As under the CLI: resources name their asset directory (aws:asset:path).
    context: { 'aws:cdk:enable-asset-metadata': true },
  });
  stacks.http = buildSluiceApp(app); // stack "Sluice", defaults, cdk-nag registered
  stacks.rest = new SluiceStack(app, 'SluiceRest', { platform: { apiType: 'rest' } });
  stacks.dev = new SluiceStack(app, 'SluiceDev', { platform: { dev: true, serverAccessLogs: false } });
  stacks.jwt = new SluiceStack(app, 'SluiceJwt', {
    platform: {
      auth: { type: 'jwt', issuer: 'https://issuer.example.com/', audience: ['sluice'] },
      throttle: { rateLimit: 7, burstLimit: 11 },
      encryption: 'aws-managed',
    },
  });
  // The same functions through esbuild's JS API with the shared options, right after
  // NodejsFunction bundled them (compared byte for byte below).
  compareDir = mkdtempSync(path.join(tmpdir(), 'sluice-bundle-cmp-'));
  await Promise.all(
    FUNCTION_NAMES.map((fn) => esbuild.build(esbuildBuildOptions(path.join(PROJECT_ROOT, FUNCTIONS[fn].entry), path.join(compareDir, fn)))),
  );
  assembly = app.synth();
  for (const [k, s] of Object.entries(stacks)) templates[k as keyof typeof stacks] = Template.fromStack(s).toJSON() as CfnTemplate;
}, 300_000); // four stacks bundled and synthesized: slow on a busy 2-core machine

afterAll(() => {
  for (const d of [outdir, compareDir]) if (d) rmSync(d, { recursive: true, force: true });
});

/** FUNCTIONS[fn].tables[t] for any table id of the definitions. */
const tableAccess = (fn: FunctionName, t: TableId): string | undefined =>
  (FUNCTIONS[fn].tables as Partial<Record<TableId, string>>)[t];
const fnId = (stack: SluiceStack, fn: FunctionName): string => logicalId(stack.platform.functions[fn]);
const tableId = (stack: SluiceStack, t: TableId): string => logicalId(stack.platform.tables[t]);

describe('app', () => {
  it('uses the stack name Sluice, is environment-agnostic and needs no lookups', () => {
    expect(stacks.http.stackName).toBe('Sluice');
    expect(Token.isUnresolved(stacks.http.account)).toBe(true);
    expect(Token.isUnresolved(stacks.http.region)).toBe(true);
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });

  it('reads platform props from context', () => {
    const a = new App({
      context: { dev: 'true', apiType: 'rest', throttleRate: '5', throttleBurst: 9 },
    });
    expect(platformPropsFromContext(a)).toMatchObject({
      dev: true,
      apiType: 'rest',
      auth: { type: 'iam' },
      throttle: { rateLimit: 5, burstLimit: 9 },
    });
    const j = new App({ context: { auth: 'jwt', jwtIssuer: 'https://i/', jwtAudience: 'a, b' } });
    expect(platformPropsFromContext(j).auth).toEqual({ type: 'jwt', issuer: 'https://i/', audience: ['a', 'b'] });
    expect(platformPropsFromContext(new App())).toMatchObject({ dev: false, apiType: 'http', throttle: DEFAULT_THROTTLE });
    expect(platformPropsFromContext(new App()).architecture?.name).toBe('arm64');
    expect(platformPropsFromContext(new App({ context: { architecture: 'x86_64' } })).architecture?.name).toBe('x86_64');
    expect(() => platformPropsFromContext(new App({ context: { apiType: 'grpc' } }))).toThrow(/apiType/);
    expect(() => platformPropsFromContext(new App({ context: { auth: 'jwt' } }))).toThrow(/jwtIssuer/);
  });

  it('rejects a JWT authorizer on the REST API', () => {
    const a = new App();
    expect(
      () => new SluiceStack(a, 'X', { platform: { apiType: 'rest', auth: { type: 'jwt', issuer: 'https://i/', audience: ['a'] } } }),
    ).toThrow(/JWT/);
  });

  it('outputs ApiUrl, BucketName and every table name, without exports', () => {
    const outputs = templates.http.Outputs ?? {};
    const keys = ['ApiUrl', 'ApiId', 'Region', 'BucketName', ...TABLE_IDS.map(tableOutputKey)];
    for (const k of keys) {
      expect(outputs[k], k).toBeDefined();
      expect(outputs[k]!.Export, k).toBeUndefined();
    }
    for (const t of TABLE_IDS) expect(refOf(outputs[tableOutputKey(t)]!.Value)).toBe(tableId(stacks.http, t));
    expect(refOf(outputs.BucketName!.Value)).toBe(logicalId(stacks.http.platform.bucket));
    expect(JSON.stringify(outputs.ApiUrl!.Value)).toContain(logicalId(stacks.http.platform.httpApi!));
    // REST: https://{api}.execute-api.{region}.{suffix}/{stage}, the stage by reference.
    const restUrlRefs = refsIn(templates.rest.Outputs!.ApiUrl!.Value);
    expect(restUrlRefs).toContain(logicalId(stacks.rest.platform.restApi!));
    expect(restUrlRefs).toContain(logicalId(stacks.rest.platform.restApi!.deploymentStage));
  });
});

describe('storage from lib/storage/definitions.ts', () => {
  for (const t of TABLE_IDS) {
    it(`table ${t}: keys, indexes, stream and TTL as defined`, () => {
      const def = TABLES[t];
      const expected = createTableInput(def, 'ignored');
      const table = templates.http.Resources[tableId(stacks.http, t)]!;
      expect(table.Type).toBe('AWS::DynamoDB::Table');
      const p = table.Properties!;
      expect(p.KeySchema).toEqual(expected.KeySchema);
      const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) => a.AttributeName!.localeCompare(b.AttributeName!);
      expect([...p.AttributeDefinitions].sort(byName)).toEqual([...expected.AttributeDefinitions!].sort(byName));
      if (expected.LocalSecondaryIndexes) {
        expect(p.LocalSecondaryIndexes).toEqual(expected.LocalSecondaryIndexes);
      } else {
        expect(p.LocalSecondaryIndexes).toBeUndefined();
      }
      expect(p.GlobalSecondaryIndexes).toBeUndefined();
      if (def.stream) expect(p.StreamSpecification).toEqual({ StreamViewType: def.stream });
      else expect(p.StreamSpecification).toBeUndefined();
      if (def.timeToLiveAttribute) {
        expect(p.TimeToLiveSpecification).toEqual({ AttributeName: def.timeToLiveAttribute, Enabled: true });
      } else {
        expect(p.TimeToLiveSpecification).toBeUndefined();
      }
      expect(p.BillingMode).toBe('PAY_PER_REQUEST');
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.DeletionProtectionEnabled).toBe(true);
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    });
  }

  it('creates exactly one table per definition', () => {
    expect(resourcesOfType(templates.http, 'AWS::DynamoDB::Table')).toHaveLength(TABLE_IDS.length);
  });

  it('dev: tables and buckets are destroyed with the stack, no deletion protection', () => {
    for (const t of TABLE_IDS) {
      const table = templates.dev.Resources[tableId(stacks.dev, t)]!;
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties!.DeletionProtectionEnabled).toBe(false);
      expect(table.Properties!.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    }
    const bucket = templates.dev.Resources[logicalId(stacks.dev.platform.bucket)]!;
    expect(bucket.DeletionPolicy).toBe('Delete');
    expect(resourcesOfType(templates.dev, 'Custom::S3AutoDeleteObjects')).toHaveLength(1);
  });

  it('bucket: private, encrypted, TLS only, no versioning, aborts stale uploads, logs access, retained', () => {
    const id = logicalId(stacks.http.platform.bucket);
    const bucket = templates.http.Resources[id]!;
    const p = bucket.Properties!;
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
    expect(p.VersioningConfiguration?.Status).not.toBe('Enabled');
    expect(p.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: BUCKET.abortIncompleteUploadsAfterDays },
      }),
    );
    expect(refOf(p.LoggingConfiguration.DestinationBucketName)).toBe(logicalId(stacks.http.platform.accessLogsBucket!));
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it("encryption 'aws-managed': KMS (aws/dynamodb, aws/s3 with a bucket key); default: AWS owned / SSE-S3", () => {
    for (const t of TABLE_IDS) {
      expect(templates.jwt.Resources[tableId(stacks.jwt, t)]!.Properties!.SSESpecification).toEqual({ SSEEnabled: true });
      // SSEEnabled false = DynamoDB's AWS owned key: every table is encrypted at rest.
      expect(templates.http.Resources[tableId(stacks.http, t)]!.Properties!.SSESpecification).toEqual({ SSEEnabled: false });
    }
    const sse = templates.jwt.Resources[logicalId(stacks.jwt.platform.bucket)]!.Properties!.BucketEncryption
      .ServerSideEncryptionConfiguration[0];
    expect(sse).toMatchObject({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true });
    expect(resourcesOfType(templates.jwt, 'AWS::KMS::Key')).toEqual([]);
  });

  it('every bucket policy denies requests without TLS', () => {
    for (const template of Object.values(templates)) {
      const buckets = resourcesOfType(template, 'AWS::S3::Bucket').map(([id]) => id);
      const policies = resourcesOfType(template, 'AWS::S3::BucketPolicy');
      for (const b of buckets) {
        const policy = policies.find(([, r]) => refOf(r.Properties!.Bucket) === b);
        expect(policy, `bucket ${b} has a policy`).toBeDefined();
        const statements = asArray(policy![1].Properties!.PolicyDocument.Statement as Statement[]);
        expect(statements).toContainEqual(
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        );
      }
    }
  });
});

describe('functions from FUNCTIONS', () => {
  for (const fn of FUNCTION_NAMES) {
    it(`${fn}: nodejs22.x on arm64 with its memory, timeout, JSON logs and storage environment`, () => {
      const def = FUNCTIONS[fn];
      const f = templates.http.Resources[fnId(stacks.http, fn)]!;
      const p = f.Properties!;
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.MemorySize).toBe(def.memoryMb);
      expect(p.Timeout).toBe(def.timeoutSeconds);
      expect(p.Handler).toBe('index.handler');
      expect(p.LoggingConfig.LogFormat).toBe('JSON');
      const logGroup = templates.http.Resources[refOf(p.LoggingConfig.LogGroup)!]!;
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties!.RetentionInDays).toBe(30);

      const env = p.Environment.Variables as Record<string, unknown>;
      const names = {
        tables: Object.fromEntries(TABLE_IDS.map((t) => [t, `table:${t}`])) as Record<TableId, string>,
        bucket: 'bucket',
      };
      for (const [key, placeholder] of Object.entries(storageEnvironment(names))) {
        const expectedRef =
          placeholder === 'bucket'
            ? logicalId(stacks.http.platform.bucket)
            : tableId(stacks.http, placeholder.slice('table:'.length) as TableId);
        expect(refOf(env[key]), key).toBe(expectedRef);
      }
      expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(env.POWERTOOLS_SERVICE_NAME).toBeTruthy();

      // Its own role, with no managed policies.
      const role = templates.http.Resources[refOf(p.Role)!]!;
      expect(role.Type).toBe('AWS::IAM::Role');
      expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
    });
  }

  it('one Lambda function per FUNCTIONS entry (nothing else in the default stack)', () => {
    expect(resourcesOfType(templates.http, 'AWS::Lambda::Function')).toHaveLength(FUNCTION_NAMES.length);
  });
});

describe('least privilege', () => {
  const actionsOf = (s: Statement) => asArray(s.Action);

  /** CDK's own auto-delete-objects grant (dev only): a bucket-policy statement for its provider role. */
  const isCdkAutoDeleteGrant = (s: Statement): boolean => {
    const principal = refOf((s.Principal as { AWS?: unknown } | undefined)?.AWS);
    return principal !== undefined && principal.startsWith('CustomS3AutoDeleteObjectsCustomResourceProviderRole');
  };

  it('no wildcard actions in any policy of the template (any variant)', () => {
    for (const [variant, template] of Object.entries(templates)) {
      for (const { source, statement } of allStatements(template)) {
        if (statement.Effect !== 'Allow') continue; // the TLS-only Deny uses s3:* on purpose
        if (variant === 'dev' && isCdkAutoDeleteGrant(statement)) continue; // see below
        for (const a of actionsOf(statement)) expect(a, `${variant}/${source}`).not.toContain('*');
        expect(statement.NotAction, `${variant}/${source}`).toBeUndefined();
      }
    }
  });

  it('dev: the only wildcard grant is CDK\'s auto-delete-objects provider on its bucket', () => {
    const t = templates.dev;
    const wild = allStatements(t).filter(
      ({ statement }) => statement.Effect === 'Allow' && actionsOf(statement).some((a) => a.includes('*')),
    );
    expect(wild.length).toBeGreaterThan(0);
    for (const { source, statement } of wild) {
      expect(t.Resources[source]!.Type).toBe('AWS::S3::BucketPolicy');
      expect(isCdkAutoDeleteGrant(statement)).toBe(true);
    }
    // Production never gets it.
    expect(resourcesOfType(templates.http, 'Custom::S3AutoDeleteObjects')).toEqual([]);
  });

  it('the fetch function cannot write anything', () => {
    const role = refOf(templates.http.Resources[fnId(stacks.http, 'fetch')]!.Properties!.Role)!;
    const actions = roleStatements(templates.http, role).flatMap(actionsOf);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => WRITE_ACTION.test(a))).toEqual([]);
    expect(actions.filter((a) => /^(dynamodb|s3):/.test(a)).every((a) => /:(Get|Query|Scan|BatchGet|ConditionCheck)/.test(a))).toBe(true);
  });

  for (const fn of FUNCTION_NAMES) {
    it(`${fn}: storage actions only on the tables and prefix FUNCTIONS grants, at the granted level`, () => {
      const def = FUNCTIONS[fn];
      const stack = stacks.http;
      const role = refOf(templates.http.Resources[fnId(stack, fn)]!.Properties!.Role)!;
      const statements = roleStatements(templates.http, role);
      const tableIds = new Map(TABLE_IDS.map((t) => [tableId(stack, t), t]));
      const bucketId = logicalId(stack.platform.bucket);
      const granted = { read: new Set<string>(), write: new Set<string>() };
      for (const s of statements) {
        expect(s.Effect).toBe('Allow');
        const actions = actionsOf(s);
        const resources = asArray(s.Resource);
        for (const r of resources) {
          const refs = [...refsIn(r)];
          const service = actions[0]!.split(':')[0];
          expect(actions.every((a) => a.startsWith(`${service}:`)), JSON.stringify(actions)).toBe(true);
          if (service === 'logs') {
            expect(refs).toEqual([refOf(templates.http.Resources[fnId(stack, fn)]!.Properties!.LoggingConfig.LogGroup)]);
          } else if (service === 'dynamodb') {
            expect(refs).toHaveLength(1);
            const t = tableIds.get(refs[0]!);
            expect(t, `dynamodb resource ${JSON.stringify(r)}`).toBeDefined();
            const access = tableAccess(fn, t!);
            expect(access === 'read' || access === 'write', `${fn} may not touch ${t}`).toBe(true);
            const writes = actions.filter((a) => WRITE_ACTION.test(a));
            if (writes.length) expect(access, `${fn} writes ${t}`).toBe('write');
            (writes.length ? granted.write : granted.read).add(t!);
          } else if (service === 's3') {
            expect(refs).toEqual([bucketId]);
            expect(def.bucket, `${fn} may not touch the bucket`).not.toBe('none');
            if (actions.includes('s3:ListBucket')) {
              // Listing is the bucket itself, narrowed to the segment prefix by condition.
              expect(def.bucket).toBe('manage');
              expect(actions).toEqual(['s3:ListBucket']);
              expect(s.Condition).toEqual({ StringLike: { 's3:prefix': [`${SEGMENT_PREFIX}*`] } });
              continue;
            }
            expect(JSON.stringify(r)).toContain(`/${SEGMENT_PREFIX}*`);
            const allowed = {
              read: ['s3:GetObject'],
              write: ['s3:GetObject', 's3:PutObject'],
              manage: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
            }[def.bucket as 'read' | 'write' | 'manage'];
            expect(actions).toEqual(allowed);
          } else if (service === 'sqs') {
            // The stream-triggered dispatcher sends dead letters to the platform's queue
            // (platform.addSubscription may add others; see test/cdk/subscriptions.test.ts).
            expect(def.trigger, `${fn} may not use SQS`).toBe('partitions-stream');
            expect(actions).toEqual(['sqs:SendMessage']);
            expect(refs).toEqual([logicalId(stack.platform.deadLetterQueue)]);
          } else if (service === 'execute-api') {
            // Posting to push connections: the push WebSocket API's stage only (test/cdk/push.test.ts).
            expect(def.postsToConnections, `${fn} may not post to push connections`).toBe(true);
            expect(actions).toEqual(['execute-api:ManageConnections']);
            expect(refs).toContain(logicalId(stack.platform.parts.push.api));
          } else {
            throw new Error(`unexpected service ${service} in ${fn}'s policy`);
          }
        }
      }
      // Everything FUNCTIONS grants is there.
      for (const [t, access] of Object.entries(def.tables)) {
        if (access === 'read' || access === 'write') expect(granted.read.has(t), `${fn} reads ${t}`).toBe(true);
        if (access === 'write') expect(granted.write.has(t), `${fn} writes ${t}`).toBe(true);
      }
    });
  }

  it('only the maintenance function can delete or list segment objects', () => {
    const deleters = FUNCTION_NAMES.filter((fn) => {
      const role = refOf(templates.http.Resources[fnId(stacks.http, fn)]!.Properties!.Role)!;
      return roleStatements(templates.http, role).flatMap(actionsOf).some((a) => a === 's3:DeleteObject' || a === 's3:ListBucket');
    });

    expect(deleters).toEqual(['maintenance']);
  });

  it('runs every scheduled function on its EventBridge schedule', () => {
    const rules = resourcesOfType(templates.http, 'AWS::Events::Rule').map(([, r]) => r);
    const scheduled = FUNCTION_NAMES.filter((fn) => FUNCTIONS[fn].scheduleMinutes);

    expect(scheduled).toContain('maintenance');
    for (const fn of scheduled) {
      const rule = rules.find((r) => JSON.stringify(r.Properties?.Targets).includes(fnId(stacks.http, fn)));
      expect(rule, `${fn} has a schedule`).toBeDefined();
      const minutes = FUNCTIONS[fn].scheduleMinutes!;
      expect(rule!.Properties!.ScheduleExpression).toBe(`rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`);
    }
  });

  it('read access covers the local indexes by name, not by wildcard', () => {
    const role = refOf(templates.http.Resources[fnId(stacks.http, 'fetch')]!.Properties!.Role)!;
    const resources = JSON.stringify(roleStatements(templates.http, role).map((s) => s.Resource));
    for (const t of TABLE_IDS) {
      for (const idx of TABLES[t].localIndexes ?? []) {
        if (tableAccess('fetch', t)) expect(resources).toContain(`/index/${idx.name}`);
      }
    }
    expect(resources).not.toContain('/index/*');
  });
});

describe('HTTP API from ROUTES', () => {
  const t = () => templates.http;
  /** Resources of the HTTP API (the push WebSocket API has routes and a stage too). */
  const ofHttpApi = (template: CfnTemplate, stack: SluiceStack, type: string) =>
    resourcesOfType(template, type).filter(([, r]) => refOf(r.Properties?.ApiId) === logicalId(stack.platform.httpApi!));

  it('every route exists once, IAM-authorized, integrated with its function (payload 2.0)', () => {
    const routes = ofHttpApi(t(), stacks.http, 'AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(ROUTES.length);
    const integrations = Object.fromEntries(resourcesOfType(t(), 'AWS::ApiGatewayV2::Integration'));
    for (const route of ROUTES) {
      const found = routes.filter(([, r]) => r.Properties!.RouteKey === routeKey(route));
      expect(found, routeKey(route)).toHaveLength(1);
      const p = found[0]![1].Properties!;
      expect(p.AuthorizationType).toBe('AWS_IAM');
      const integrationId = [...refsIn(p.Target)].find((id) => integrations[id]);
      expect(integrationId, `${routeKey(route)} target`).toBeDefined();
      const integration = integrations[integrationId!]!.Properties!;
      expect(integration.IntegrationType).toBe('AWS_PROXY');
      expect(integration.PayloadFormatVersion).toBe('2.0');
      expect(refsIn(integration.IntegrationUri)).toContain(fnId(stacks.http, route.fn));
    }
  });

  it('default stage: auto-deployed, throttled, JSON access logs', () => {
    const stages = ofHttpApi(t(), stacks.http, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const p = stages[0]![1].Properties!;
    expect(p.StageName).toBe('$default');
    expect(p.AutoDeploy).toBe(true);
    expect(p.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit,
      ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit,
    });
    const format = JSON.parse(p.AccessLogSettings.Format as string);
    expect(format.requestId).toBe('$context.requestId');
    expect(t().Resources[refOf(p.AccessLogSettings.DestinationArn)!]!.Type).toBe('AWS::Logs::LogGroup');
  });

  it('JWT option: every route uses the JWT authorizer; throttling from props', () => {
    const tj = templates.jwt;
    const authorizers = resourcesOfType(tj, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]![1].Properties).toMatchObject({
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://issuer.example.com/', Audience: ['sluice'] },
    });
    const routes = ofHttpApi(tj, stacks.jwt, 'AWS::ApiGatewayV2::Route');
    expect(routes).toHaveLength(ROUTES.length);
    for (const [, r] of routes) {
      expect(r.Properties!.AuthorizationType).toBe('JWT');
      expect(refOf(r.Properties!.AuthorizerId)).toBe(authorizers[0]![0]);
    }
    const stage = resourcesOfType(tj, 'AWS::ApiGatewayV2::Stage')[0]![1].Properties!;
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 7, ThrottlingBurstLimit: 11 });
  });
});

describe('REST API option (LocalStack Community)', () => {
  const t = () => templates.rest;

  /** Full path of an AWS::ApiGateway::Resource, from its PathPart and parents. */
  const resourcePath = (id: string | undefined): string => {
    if (!id) return '';
    const r = t().Resources[id];
    if (!r || r.Type !== 'AWS::ApiGateway::Resource') return '';
    return `${resourcePath(refOf(r.Properties!.ParentId))}/${r.Properties!.PathPart}`;
  };

  it('every route is a method with AWS_IAM auth and a Lambda proxy integration to its function', () => {
    const methods = resourcesOfType(t(), 'AWS::ApiGateway::Method');
    expect(methods).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const found = methods.filter(
        ([, m]) => m.Properties!.HttpMethod === route.method && resourcePath(refOf(m.Properties!.ResourceId)) === route.path,
      );
      expect(found, routeKey(route)).toHaveLength(1);
      const p = found[0]![1].Properties!;
      expect(p.AuthorizationType).toBe('AWS_IAM');
      expect(p.Integration.Type).toBe('AWS_PROXY');
      expect(refsIn(p.Integration.Uri)).toContain(fnId(stacks.rest, route.fn));
      for (const param of route.path.matchAll(/\{([^}]+)\}/g)) {
        expect(p.RequestParameters[`method.request.path.${param[1]}`]).toBe(true);
      }
      expect(refOf(p.RequestValidatorId)).toBeDefined();
    }
  });

  it('binary media types, stage throttling, execution and JSON access logging', () => {
    const api = resourcesOfType(t(), 'AWS::ApiGateway::RestApi')[0]![1].Properties!;
    for (const type of BINARY_MEDIA_TYPES) expect(api.BinaryMediaTypes).toContain(type);
    expect(api.BinaryMediaTypes).toContain('application/vnd.kafka.recordbatch');
    const stage = resourcesOfType(t(), 'AWS::ApiGateway::Stage')[0]![1].Properties!;
    expect(stage.MethodSettings).toContainEqual(
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit,
        ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      }),
    );
    expect(JSON.parse(stage.AccessLogSetting.Format as string)).toHaveProperty('requestId');
  });
});

describe('cdk-nag (AwsSolutions)', () => {
  for (const variant of ['http', 'rest', 'dev', 'jwt'] as const) {
    it(`${variant}: no unacknowledged findings`, () => {
      const report = new AwsSolutionsChecks().validateScope(stacks[variant]);
      expect(findingsSummary(report)).toEqual([]);
    });
  }

  it('runs on the app itself (registered by buildSluiceApp) and every acknowledgement gives a reason', () => {
    expect((app as unknown as { _validationPlugins: unknown[] })._validationPlugins.some((p) => p instanceof AwsSolutionsChecks)).toBe(true);
    let count = 0;
    for (const stack of Object.values(stacks)) {
      for (const c of stack.node.findAll()) {
        for (const entry of c.node.metadata) {
          if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
            count++;
            expect(id).toMatch(/AwsSolutions-/);
            expect(String(reason).length, `${c.node.path} ${id}`).toBeGreaterThan(60);
          }
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });
});

describe('synth-time validation, as `cdk synth` runs it', () => {
  it('the built-in CloudFormation validation and cdk-nag report nothing for the default app', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-cdk-validate-'));
    try {
      // Same App setup as cdk/app.ts (builtin validation on); bundles come from the cache.
      const a = new App({ outdir: dir, context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
      buildSluiceApp(a);
      a.synth();
      const reportFile = path.join(dir, 'validation-report.json');
      const reports = existsSync(reportFile)
        ? (JSON.parse(readFileSync(reportFile, 'utf8')) as { pluginReports: { pluginName: string; violations: { ruleName: string; description: string }[] }[] }).pluginReports
        : [];
      const violations = reports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName} ${v.description}`));
      expect(violations).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('bundles', () => {
  it('the deployed assets are byte-identical to esbuildBuildOptions() output (no drift)', () => {
    for (const fn of FUNCTION_NAMES) {
      const resource = templates.http.Resources[fnId(stacks.http, fn)]!;
      const assetDir = path.join(assembly.directory, resource.Metadata!['aws:asset:path'] as string);
      const deployed = readFileSync(path.join(assetDir, LAMBDA_BUNDLE.outFile));
      const built = readFileSync(path.join(compareDir, fn, LAMBDA_BUNDLE.outFile));
      expect(deployed.equals(built), `${fn}: asset differs from the shared esbuild options`).toBe(true);
      expect(readFileSync(path.join(assetDir, `${LAMBDA_BUNDLE.outFile}.map`)).length).toBeGreaterThan(0);
    }
  });
});
