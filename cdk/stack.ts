// The Sluice stack: one StreamingPlatform plus the outputs the CLI reads from
// `cdk deploy --outputs-file cdk-outputs.json` (key `ApiUrl` under the stack name).
// Environment-agnostic on purpose: nothing is looked up in an account, so
// `cdk synth` works offline without credentials.
import { App, CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { TABLE_IDS } from '../lib/storage/definitions.ts';
import { DEFAULT_THROTTLE, StreamingPlatform, type ApiAuth, type StreamingPlatformProps } from './platform.ts';

export const DEFAULT_STACK_NAME = 'Sluice';

export interface SluiceStackProps extends StackProps {
  /**
   * Props of the stack's StreamingPlatform.
   * @default {} (every default of StreamingPlatformProps, cdk/props.ts)
   */
  readonly platform?: StreamingPlatformProps;
}

/** Output key of a table's name: TopicsTableName, PartitionsTableName, ... */
export const tableOutputKey = (tableId: string): string =>
  `${tableId.charAt(0).toUpperCase()}${tableId.slice(1)}TableName`;

export class SluiceStack extends Stack {
  readonly platform: StreamingPlatform;

  constructor(scope: Construct, id: string, props: SluiceStackProps = {}) {
    super(scope, id, {
      description: 'Sluice: serverless Kafka-style event streaming on S3, DynamoDB and Lambda',
      ...props,
    });
    this.platform = new StreamingPlatform(this, 'Platform', props.platform);

    // Plain outputs, no exports: nothing else may pin these values, and the outputs file
    // keys them by these ids.
    new CfnOutput(this, 'ApiUrl', {
      value: this.platform.apiUrl,
      description: `Base URL of the Sluice API (${this.platform.apiType}); requests go to {ApiUrl}/v1/...`,
    });
    new CfnOutput(this, 'ApiId', { value: this.platform.apiId, description: 'API Gateway API id' });
    new CfnOutput(this, 'PushUrl', { value: this.platform.pushUrl, description: 'Push WebSocket API (IAM-authorized $connect); GET {ApiUrl}/v1/push names it too' });
    new CfnOutput(this, 'ApiType', { value: this.platform.apiType, description: 'http (HTTP API) or rest (REST API)' });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Region to sign API requests for (SigV4)' });
    new CfnOutput(this, 'BucketName', { value: this.platform.bucket.bucketName, description: 'Segment data bucket' });
    for (const tableId of TABLE_IDS) {
      new CfnOutput(this, tableOutputKey(tableId), {
        value: this.platform.tables[tableId].tableName,
        description: `DynamoDB table "${tableId}"`,
      });
    }
  }
}

/**
 * Platform props from CDK context (`-c key=value` or cdk.json):
 *   dev=true, apiType=http|rest, auth=iam|jwt with jwtIssuer=URL and jwtAudience=a,b,
 *   throttleRate=N, throttleBurst=N, architecture=arm64|x86_64.
 */
export function platformPropsFromContext(scope: Construct): StreamingPlatformProps {
  const ctx = (key: string): unknown => scope.node.tryGetContext(key);
  const flag = (key: string): boolean => {
    const v = ctx(key);
    return v === true || v === 'true' || v === '1';
  };
  const num = (key: string, dflt: number): number => {
    const v = ctx(key);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`context ${key} must be a non-negative number, got ${String(v)}`);
    return n;
  };
  const apiType = (ctx('apiType') ?? 'http') as string;
  if (apiType !== 'http' && apiType !== 'rest') throw new Error(`context apiType must be http or rest, got ${apiType}`);
  let auth: ApiAuth = { type: 'iam' };
  const authType = (ctx('auth') ?? 'iam') as string;
  if (authType === 'jwt') {
    const issuer = ctx('jwtIssuer');
    const audience = ctx('jwtAudience');
    if (typeof issuer !== 'string' || audience === undefined) {
      throw new Error('context auth=jwt needs jwtIssuer and jwtAudience');
    }
    const list = Array.isArray(audience) ? audience.map(String) : String(audience).split(',').map((s) => s.trim());
    auth = { type: 'jwt', issuer, audience: list.filter(Boolean) };
  } else if (authType !== 'iam') {
    throw new Error(`context auth must be iam or jwt, got ${authType}`);
  }
  const architecture = (ctx('architecture') ?? 'arm64') as string;
  if (architecture !== 'arm64' && architecture !== 'x86_64') {
    throw new Error(`context architecture must be arm64 or x86_64, got ${architecture}`);
  }
  return {
    dev: flag('dev'),
    architecture: architecture === 'x86_64' ? Architecture.X86_64 : Architecture.ARM_64,
    apiType,
    auth,
    throttle: {
      rateLimit: num('throttleRate', DEFAULT_THROTTLE.rateLimit),
      burstLimit: num('throttleBurst', DEFAULT_THROTTLE.burstLimit),
    },
  };
}

/** Runs the AwsSolutions cdk-nag pack on everything in the app at synth time. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * The app as `cdk synth` builds it: the stack (name from context `stackName`, default
 * Sluice) with props from context, checked by cdk-nag. Tests build the same thing.
 */
export function buildSluiceApp(app: App): SluiceStack {
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  const stack = new SluiceStack(app, stackName, { stackName, platform: platformPropsFromContext(app) });
  addNagChecks(app);
  return stack;
}
