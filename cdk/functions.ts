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
import { FUNCTIONS, type FunctionDefinition, type FunctionName } from '../lib/api/routes.ts';
import { storageEnvironment } from '../lib/storage/definitions.ts';
import { ACTIONS, describeAccess, storageStatements } from './access.ts';
import { nodejsBundlingOptions } from './bundling.ts';
import { acknowledge } from './findings.ts';
import { pascal } from './ids.ts';
import type { PlatformSettings } from './props.ts';
import type { PlatformStorage } from './storage.ts';

/** A function's additions: import names bundled as other files (esbuild alias), environment. */
export interface ExtraOptions {
  aliases?: Record<string, string>;
  environment?: Record<string, string>;
}

export class PlatformFunctions {
  readonly functions: Record<FunctionName, NodejsFunction>;
  /** Each function's role, to add grants to (the dispatcher's, by subscriptions.ts). */
  readonly roles: Record<FunctionName, iam.Role>;

  private readonly lockFile: string | undefined;

  constructor(
    private readonly scope: Construct,
    private readonly settings: PlatformSettings,
    private readonly storage: PlatformStorage,
  ) {
    const root = settings.projectRoot;
    this.lockFile = ['package-lock.json', 'package.json'].map((f) => path.join(root, f)).find((f) => existsSync(f));
    const functions = {} as Record<FunctionName, NodejsFunction>;
    const roles = {} as Record<FunctionName, iam.Role>;
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const built = this.build(pascal(name), name, FUNCTIONS[name], `FUNCTIONS.${name}`);
      functions[name] = built.fn;
      roles[name] = built.role;
    }
    this.functions = functions;
    this.roles = roles;
  }

  /**
   * A function beyond FUNCTIONS, built the same way from `def` (a custom connector's
   * runtime): `aliases` map import names of the entry to files bundled in their place.
   */
  addFunction(id: string, title: string, def: FunctionDefinition, opts: ExtraOptions = {}): NodejsFunction {
    return this.build(id, title, def, id, opts).fn;
  }

  private build(id: string, title: string, def: FunctionDefinition, label: string, opts: ExtraOptions = {}) {
    const logGroup = new logs.LogGroup(this.scope, `${id}LogGroup`, { retention: this.settings.logRetention, removalPolicy: this.settings.logRemoval });
    const fnRole = role(this.scope, id, title, def, label, this.storage, logGroup);
    const fn = lambdaFunction(this.scope, id, def, { settings: this.settings, storage: this.storage, role: fnRole, logGroup, lockFile: this.lockFile }, opts);
    return { fn, role: fnRole };
  }
}

/** The function's role: its own log group, and the storage FUNCTIONS grants it; nothing else. */
function role(scope: Construct, id: string, title: string, def: FunctionDefinition, label: string, storage: PlatformStorage, logGroup: logs.LogGroup): iam.Role {
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Sluice ${title} function: logs to its own log group, ${describeAccess(def)}`,
  });
  const statements = [
    new iam.PolicyStatement({ sid: 'OwnLogGroup', actions: [...ACTIONS.logs], resources: [logGroup.logGroupArn] }),
    ...storageStatements(storage, def, role, label),
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

function lambdaFunction(
  scope: Construct,
  id: string,
  def: FunctionDefinition,
  { settings, storage, role, logGroup, lockFile }: FunctionParts,
  opts: ExtraOptions,
): NodejsFunction {
  const bundling = nodejsBundlingOptions();
  const aliases = Object.entries(opts.aliases ?? {});
  const fn = new NodejsFunction(scope, `${id}Function`, {
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
      ...opts.environment,
    },
    bundling: aliases.length ? { ...bundling, esbuildArgs: Object.fromEntries(aliases.map(([name, file]) => [`--alias:${name}`, file])) } : bundling,
  });
  acknowledge(
    fn,
    'AwsSolutions-L1',
    'Pinned to nodejs22.x on purpose: bundles target node22 and the test suite runs Node 22 semantics; a runtime upgrade is a deliberate change with its own test run.',
  );
  return fn;
}
