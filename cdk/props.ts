// The StreamingPlatform construct's props, every one optional with its default (the
// defaults are the production posture), and the settings the concerns build from: the
// props with those defaults applied, once, here.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { PROJECT_ROOT } from './bundling.ts';
import type { KafkaGatewayOptions } from './gateway.ts';

export type ApiType = 'http' | 'rest';
export type ApiAuth = { type: 'iam' } | { type: 'jwt'; issuer: string; audience: string[] };
export type LogLevelName = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export const DEFAULT_THROTTLE = { rateLimit: 1000, burstLimit: 2000 } as const;

export interface StreamingPlatformProps {
  /**
   * A throw-away deployment: tables, buckets and log groups are destroyed with the stack
   * (the buckets are emptied first), and tables get no deletion protection.
   * @default false
   */
  readonly dev?: boolean;
  /**
   * For the tables, the buckets and the dead-letter queue. DESTROY empties the buckets
   * first (CDK's autoDeleteObjects).
   * @default RemovalPolicy.RETAIN, or RemovalPolicy.DESTROY when `dev`
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on every table.
   * @default true, unless the removal policy is DESTROY
   */
  readonly deletionProtection?: boolean;
  /**
   * Encryption at rest. 'aws-owned': DynamoDB's default AWS owned key and SSE-S3;
   * 'aws-managed': the aws/dynamodb and aws/s3 KMS keys (auditable in CloudTrail; their
   * key policies need no IAM grants).
   * @default 'aws-owned'
   */
  readonly encryption?: 'aws-owned' | 'aws-managed';
  /**
   * S3 server access logs of the data bucket, into a separate logs bucket.
   * @default true
   */
  readonly serverAccessLogs?: boolean;
  /**
   * Days the access logs bucket keeps a log object.
   * @default 365
   */
  readonly accessLogsExpirationDays?: number;
  /**
   * 'http': API Gateway HTTP API (payload v2); 'rest': REST API (payload v1), for
   * LocalStack Community, which has no HTTP APIs.
   * @default 'http'
   */
  readonly apiType?: ApiType;
  /**
   * SigV4 (IAM) authorization on every route, or { type: 'jwt', issuer, audience } for a
   * JWT authorizer (HTTP API only).
   * @default { type: 'iam' }
   */
  readonly auth?: ApiAuth;
  /**
   * Throttling of the API's default stage.
   * @default { rateLimit: 1000, burstLimit: 2000 } (DEFAULT_THROTTLE)
   */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Retention of the Lambda and API access log groups.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Lambda application log level, and POWERTOOLS_LOG_LEVEL.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevelName;
  /**
   * Powertools service name (POWERTOOLS_SERVICE_NAME).
   * @default 'sluice'
   */
  readonly serviceName?: string;
  /**
   * Powertools metrics namespace (POWERTOOLS_METRICS_NAMESPACE).
   * @default 'Sluice'
   */
  readonly metricsNamespace?: string;
  /**
   * The REST API's stage, part of its URL (apiType 'rest' only).
   * @default 'prod'
   */
  readonly restStageName?: string;
  /**
   * Create API Gateway's account-level CloudWatch role, which REST execution logging
   * needs; false when the account already has one (apiType 'rest' only).
   * @default true
   */
  readonly restCloudWatchRole?: boolean;
  /**
   * Lambda architecture; x86_64 helps LocalStack on x86 hosts.
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * Where functions/ and the lock file are.
   * @default this repository (PROJECT_ROOT)
   */
  readonly projectRoot?: string;
  /**
   * The Kafka protocol gateway (cdk/gateway.ts): Fargate tasks behind a TLS Network Load
   * Balancer, for Kafka clients.
   * @default none
   */
  readonly kafkaGateway?: KafkaGatewayOptions;
}

/** The props with every default applied: what the concerns build from. */
export interface PlatformSettings {
  readonly dev: boolean;
  readonly removalPolicy: RemovalPolicy;
  /** The removal policy is DESTROY: buckets are emptied on deletion. */
  readonly destroy: boolean;
  readonly deletionProtection: boolean;
  readonly encryption: 'aws-owned' | 'aws-managed';
  readonly serverAccessLogs: boolean;
  readonly accessLogsExpirationDays: number;
  readonly apiType: ApiType;
  readonly auth: ApiAuth;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  readonly logRetention: logs.RetentionDays;
  /** Log groups: destroyed with a dev stack, retained otherwise. */
  readonly logRemoval: RemovalPolicy;
  readonly logLevel: LogLevelName;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly restStageName: string;
  readonly restCloudWatchRole: boolean;
  readonly architecture: lambda.Architecture;
  readonly projectRoot: string;
}

export function resolveSettings(props: StreamingPlatformProps): PlatformSettings {
  const dev = props.dev ?? false;
  const removalPolicy = props.removalPolicy ?? (dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
  const destroy = removalPolicy === RemovalPolicy.DESTROY;
  const apiType = props.apiType ?? 'http';
  const auth = props.auth ?? { type: 'iam' };
  if (auth.type === 'jwt' && apiType !== 'http') {
    throw new Error("StreamingPlatform: a JWT authorizer needs apiType 'http' (REST APIs here use IAM auth)");
  }
  return {
    dev,
    removalPolicy,
    destroy,
    deletionProtection: props.deletionProtection ?? !destroy,
    encryption: props.encryption ?? 'aws-owned',
    serverAccessLogs: props.serverAccessLogs ?? true,
    accessLogsExpirationDays: props.accessLogsExpirationDays ?? 365,
    apiType,
    auth,
    throttle: props.throttle ?? DEFAULT_THROTTLE,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    logRemoval: dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    logLevel: props.logLevel ?? 'INFO',
    serviceName: props.serviceName ?? 'sluice',
    metricsNamespace: props.metricsNamespace ?? 'Sluice',
    restStageName: props.restStageName ?? 'prod',
    restCloudWatchRole: props.restCloudWatchRole ?? true,
    architecture: props.architecture ?? lambda.Architecture.ARM_64,
    projectRoot: props.projectRoot ?? PROJECT_ROOT,
  };
}
