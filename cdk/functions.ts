// Functions and roles: one Lambda function per entry of FUNCTIONS (lib/api/routes.ts),
// bundled from its functions/<fn>.ts entry (cdk/bundling.ts), each with its own log group
// and its own role granting exactly what the entry declares (access.ts): its log group,
// and its tables and segment access at their levels. Node 22 on arm64, JSON logs, the
// storage names and Powertools settings in the environment.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionName } from '../lib/api/routes.ts';
import { storageEnvironment } from '../lib/storage/definitions.ts';
import { ACTIONS, describeAccess, storageStatements } from './access.ts';
import { nodejsBundlingOptions } from './bundling.ts';
import { acknowledge } from './findings.ts';
import { pascal } from './ids.ts';
import type { PlatformSettings } from './props.ts';
import type { PlatformStorage } from './storage.ts';

export class PlatformFunctions {
  readonly functions: Record<FunctionName, NodejsFunction>;
  /** Each function's role, to add grants to (the dispatcher's, by subscriptions.ts). */
  readonly roles: Record<FunctionName, iam.Role>;

  constructor(scope: Construct, settings: PlatformSettings, storage: PlatformStorage) {
    const root = settings.projectRoot;
    const lockFile = ['package-lock.json', 'package.json'].map((f) => path.join(root, f)).find((f) => existsSync(f));
    const functions = {} as Record<FunctionName, NodejsFunction>;
    const roles = {} as Record<FunctionName, iam.Role>;
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const logGroup = new logs.LogGroup(scope, `${pascal(name)}LogGroup`, { retention: settings.logRetention, removalPolicy: settings.logRemoval });
      roles[name] = role(scope, name, storage, logGroup);
      functions[name] = lambdaFunction(scope, name, { settings, storage, role: roles[name], logGroup, lockFile });
    }
    this.functions = functions;
    this.roles = roles;
  }
}

/** The function's role: its own log group, and the storage FUNCTIONS grants it; nothing else. */
function role(scope: Construct, name: FunctionName, storage: PlatformStorage, logGroup: logs.LogGroup): iam.Role {
  const def = FUNCTIONS[name];
  const role = new iam.Role(scope, `${pascal(name)}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Sluice ${name} function: logs to its own log group, ${describeAccess(def)}`,
  });
  const statements = [
    new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: [...ACTIONS.logs], resources: [logGroup.logGroupArn] }),
    ...storageStatements(storage, def, role, `FUNCTIONS.${name}`),
  ];
  for (const statement of statements) role.addToPrincipalPolicy(statement);
  return role;
}

interface FunctionParts {
  settings: PlatformSettings;
  storage: PlatformStorage;
  role: iam.Role;
  logGroup: logs.LogGroup;
  lockFile: string | undefined;
}

function lambdaFunction(scope: Construct, name: FunctionName, { settings, storage, role, logGroup, lockFile }: FunctionParts): NodejsFunction {
  const def = FUNCTIONS[name];
  const fn = new NodejsFunction(scope, `${pascal(name)}Function`, {
    description: def.description,
    entry: path.join(settings.projectRoot, def.entry),
    handler: 'handler',
    projectRoot: settings.projectRoot,
    ...(lockFile ? { depsLockFilePath: lockFile } : {}),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: settings.architecture,
    memorySize: def.memoryMb,
    timeout: Duration.seconds(def.timeoutSeconds),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel[settings.logLevel],
    systemLogLevelV2: lambda.SystemLogLevel.INFO,
    environment: {
      ...storageEnvironment(storage.names),
      POWERTOOLS_SERVICE_NAME: settings.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
    },
    bundling: nodejsBundlingOptions(),
  });
  acknowledge(
    fn,
    'AwsSolutions-L1',
    'Pinned to nodejs22.x on purpose: bundles target node22 and the test suite runs Node 22 semantics; a runtime upgrade is a deliberate change with its own test run.',
  );
  return fn;
}
