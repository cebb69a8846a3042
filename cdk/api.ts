// The API: every route of ROUTES (lib/api/routes.ts) integrated with the Lambda function
// that serves it, authorized on every route (IAM by default, or a JWT authorizer), the
// default stage throttled and access-logged. An HTTP API (payload v2) by default; a REST
// API (payload v1, IAM auth) for LocalStack Community, which has no HTTP APIs.
import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ROUTES, type FunctionName } from '../lib/api/routes.ts';
import { acknowledge, flattenForFinding } from './findings.ts';
import { pascal } from './ids.ts';
import type { ApiType, PlatformSettings } from './props.ts';

/** Content types API Gateway must pass through as binary (REST; HTTP APIs always do). */
export const BINARY_MEDIA_TYPES = ['application/vnd.kafka.recordbatch'];

/** JSON access log line for the HTTP API ($context variables of HTTP APIs). */
const HTTP_ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  userArn: '$context.identity.userArn',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
  authorizerError: '$context.authorizer.error',
};

type Functions = Record<FunctionName, lambda.IFunction>;

export class PlatformApi {
  readonly apiType: ApiType;
  /** Base URL of the API without a trailing slash: `${apiUrl}/v1/health`. */
  readonly apiUrl: string;
  readonly apiId: string;
  readonly httpApi?: apigwv2.HttpApi;
  readonly restApi?: apigw.RestApi;

  constructor(scope: Construct, settings: PlatformSettings, functions: Functions) {
    this.apiType = settings.apiType;
    const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', { retention: settings.logRetention, removalPolicy: settings.logRemoval });
    if (settings.apiType === 'http') {
      const api = httpApi(scope, settings, functions, accessLogs);
      this.httpApi = api;
      this.apiId = api.apiId;
      this.apiUrl = api.apiEndpoint;
    } else {
      const api = restApi(scope, settings, functions, accessLogs);
      this.restApi = api;
      this.apiId = api.restApiId;
      const stack = Stack.of(scope);
      this.apiUrl = `https://${api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${api.deploymentStage.stageName}`;
    }
  }
}

function httpApi(scope: Construct, settings: PlatformSettings, functions: Functions, accessLogs: logs.LogGroup): apigwv2.HttpApi {
  const api = new apigwv2.HttpApi(scope, 'HttpApi', {
    apiName: `${Stack.of(scope).stackName}-api`,
    description: 'Sluice HTTP API v1 (see API.md)',
    // The default stage is created below, with throttling and access logs.
    createDefaultStage: false,
  });
  new apigwv2.HttpStage(scope, 'HttpApiDefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    throttle: settings.throttle,
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      format: apigw.AccessLogFormat.custom(JSON.stringify(HTTP_ACCESS_LOG_FORMAT)),
    },
  });
  const auth = settings.auth;
  const authorizer = auth.type === 'jwt' ? new HttpJwtAuthorizer('JwtAuthorizer', auth.issuer, { jwtAudience: auth.audience }) : new HttpIamAuthorizer();
  // Binary bodies (application/vnd.kafka.recordbatch) need no setting: HTTP APIs hand
  // any non-text body to Lambda base64-encoded with isBase64Encoded set.
  const integrations = new Map<FunctionName, HttpLambdaIntegration>();
  for (const route of ROUTES) {
    let integration = integrations.get(route.fn);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${pascal(route.fn)}Integration`, functions[route.fn], {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      });
      integrations.set(route.fn, integration);
    }
    new apigwv2.HttpRoute(scope, `Route${pascal(route.operation)}`, {
      httpApi: api,
      routeKey: apigwv2.HttpRouteKey.with(route.path, apigwv2.HttpMethod[route.method]),
      integration,
      authorizer,
    });
  }
  return api;
}

function restApi(scope: Construct, settings: PlatformSettings, functions: Functions, accessLogs: logs.LogGroup): apigw.RestApi {
  const api = new apigw.RestApi(scope, 'RestApi', {
    restApiName: `${Stack.of(scope).stackName}-api`,
    description: 'Sluice HTTP API v1 as a REST API (see API.md)',
    endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
    binaryMediaTypes: BINARY_MEDIA_TYPES,
    cloudWatchRole: settings.restCloudWatchRole,
    defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
    failOnWarnings: true,
    deployOptions: {
      stageName: settings.restStageName,
      throttlingRateLimit: settings.throttle.rateLimit,
      throttlingBurstLimit: settings.throttle.burstLimit,
      accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      loggingLevel: apigw.MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
    },
  });
  // The stack publishes the URL as ApiUrl; drop RestApi's own (hash-named) Endpoint output.
  api.node.tryRemoveChild('Endpoint');
  const validator = api.addRequestValidator('RequestValidator', { validateRequestParameters: true });
  const integrations = new Map<FunctionName, apigw.LambdaIntegration>();
  for (const route of ROUTES) {
    let integration = integrations.get(route.fn);
    if (!integration) {
      integration = new apigw.LambdaIntegration(functions[route.fn], { proxy: true, allowTestInvoke: false });
      integrations.set(route.fn, integration);
    }
    const params = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    api.root.resourceForPath(route.path).addMethod(route.method, integration, {
      operationName: route.operation,
      authorizationType: apigw.AuthorizationType.IAM,
      requestValidator: validator,
      requestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
    });
  }
  acknowledgeRestFindings(api);
  return api;
}

/** The REST API's cdk-nag findings that its design answers, each with the reason. */
function acknowledgeRestFindings(api: apigw.RestApi): void {
  acknowledge(
    api,
    'AwsSolutions-APIG2',
    'The request validator checks path parameters on every method; bodies (JSON, and binary Kafka RecordBatches) are validated by the handlers, which must answer with Kafka error codes (INVALID_REQUEST, CORRUPT_MESSAGE, ...) that API Gateway models cannot produce.',
  );
  acknowledge(
    api,
    'AwsSolutions-APIG3',
    'Every method requires IAM (SigV4) authorization, so unsigned requests are rejected before any integration runs; the REST variant exists for LocalStack Community. Associate a WAFv2 web ACL with the stage when it faces untrusted networks.',
  );
  acknowledge(
    api,
    'AwsSolutions-COG4',
    'Callers authenticate with IAM (SigV4) credentials, not Cognito user pool tokens: every method uses AuthorizationType AWS_IAM.',
  );
  const cloudWatchRole = api.node.tryFindChild('CloudWatchRole') as iam.Role | undefined;
  if (!cloudWatchRole) return;
  const cfnRole = cloudWatchRole.node.defaultChild as iam.CfnRole;
  for (const arn of (Stack.of(api).resolve(cfnRole.managedPolicyArns) ?? []) as unknown[]) {
    acknowledge(
      cloudWatchRole,
      `AwsSolutions-IAM4[Policy::${flattenForFinding(api, arn)}]`,
      'AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS documents for API Gateway\'s account-level CloudWatch Logs role, which REST execution and access logging require; the role is assumable only by apigateway.amazonaws.com.',
    );
  }
}
