// The push WebSocket API (lib/push): every route of PUSH_ROUTES (lib/api/routes.ts)
// integrated with the push function, $connect IAM-authorized (API Gateway authorizes a
// WebSocket connection once, at $connect), the answers of 'watch' and 'heartbeat' returned
// down the connection; one stage, throttled and access-logged like the HTTP API's.
//
// Every function that posts to connections (FUNCTIONS[fn].postsToConnections: the
// dispatcher, the groups and push functions) gets execute-api:ManageConnections on this
// API's stage only (POST @connections/*, nothing else), and the management endpoint in
// SLUICE_PUSH_ENDPOINT; the health function names the stage's wss:// URL in GET /v1/push.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { PUSH_URL_ENV_VAR } from '../lib/api/operations/health.ts';
import { FUNCTIONS, PUSH_ROUTES, type FunctionName } from '../lib/api/routes.ts';
import { PUSH_ENDPOINT_ENV_VAR } from '../lib/push/poster.ts';
import { acknowledge, flattenForFinding } from './findings.ts';
import type { PlatformFunctions } from './functions.ts';
import type { PlatformSettings } from './props.ts';

/** The stage connections are made to (wss://{apiId}.execute-api.{region}.amazonaws.com/v1). */
export const PUSH_STAGE = 'v1';

/** The answer of these routes goes back down the connection. */
const ANSWERED = new Set<string>(['watch', 'heartbeat', '$default']);

/** JSON access log line of the WebSocket API ($context variables of WebSocket APIs). */
const PUSH_ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  caller: '$context.identity.caller',
  userArn: '$context.identity.userArn',
  routeKey: '$context.routeKey',
  eventType: '$context.eventType',
  connectionId: '$context.connectionId',
  status: '$context.status',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

export class PlatformPush {
  readonly api: apigwv2.WebSocketApi;
  readonly stage: apigwv2.WebSocketStage;
  /** wss://… of the stage: where consumers connect. */
  readonly url: string;

  constructor(scope: Construct, settings: PlatformSettings, functions: PlatformFunctions) {
    const integration = new WebSocketLambdaIntegration('PushIntegration', functions.functions.push);
    this.api = new apigwv2.WebSocketApi(scope, 'PushApi', {
      apiName: `${Stack.of(scope).stackName}-push`,
      description: 'Sluice push connections: notices of moved partition heads, group sessions held by a connection',
    });
    for (const route of PUSH_ROUTES) {
      const added = this.api.addRoute(route, {
        integration,
        ...(route === '$connect' ? { authorizer: new WebSocketIamAuthorizer() } : {}),
        ...(ANSWERED.has(route) ? { returnResponse: true } : {}),
      });
      if (route !== '$connect') {
        acknowledge(
          added,
          'AwsSolutions-APIG4',
          'API Gateway authorizes a WebSocket connection once, at $connect (IAM here); its other routes accept no authorizer and are reached only over a connection that passed it.',
        );
      }
    }
    const accessLogs = new logs.LogGroup(scope, 'PushAccessLogs', { retention: settings.logRetention, removalPolicy: settings.logRemoval });
    this.stage = new apigwv2.WebSocketStage(scope, 'PushStage', {
      webSocketApi: this.api,
      stageName: PUSH_STAGE,
      autoDeploy: true,
      throttle: settings.throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify(PUSH_ACCESS_LOG_FORMAT)),
      },
    });
    this.url = this.stage.url;

    const connections = Stack.of(scope).formatArn({
      service: 'execute-api',
      resource: this.api.apiId,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      resourceName: `${PUSH_STAGE}/POST/@connections/*`,
    });
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      if (!FUNCTIONS[name].postsToConnections) continue;
      const role = functions.roles[name];
      role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'PostToPushConnections', actions: ['execute-api:ManageConnections'], resources: [connections] }));
      functions.functions[name].addEnvironment(PUSH_ENDPOINT_ENV_VAR, this.stage.callbackUrl);
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${flattenForFinding(role, connections)}]`,
        'Connection ids are assigned by API Gateway when a consumer connects, so posting is granted on the @connections of this one WebSocket API stage (POST only), as AWS documents for the management API.',
      );
    }
    functions.functions.health.addEnvironment(PUSH_URL_ENV_VAR, this.url);
  }
}
