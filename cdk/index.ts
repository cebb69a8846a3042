// Public surface of Sluice's CDK code (package export "sluice/cdk"): the reusable
// construct for other CDK apps (platform.ts, composed of the concerns beside it), the
// stack this repository deploys, and the bundling options shared by the construct and
// the tests.
export {
  StreamingPlatform,
  ACTIONS,
  BINARY_MEDIA_TYPES,
  DEFAULT_THROTTLE,
  type ApiAuth,
  type ApiType,
  type LogLevelName,
  type PlatformParts,
  type StorageAccess,
  type StreamingPlatformProps,
  type SubscriptionOptions,
  type ConnectorOptions,
  type ConnectorResources,
} from './platform.ts';
export { storageStatements, describeAccess } from './access.ts';
export {
  KafkaGateway,
  DEFAULT_GATEWAY_LISTENER_PORT,
  GATEWAY_ACCESS,
  type KafkaGatewayOptions,
} from './gateway.ts';
export type { PlatformSettings } from './props.ts';
export {
  SluiceStack,
  DEFAULT_STACK_NAME,
  addNagChecks,
  buildSluiceApp,
  platformPropsFromContext,
  tableOutputKey,
  type SluiceStackProps,
} from './stack.ts';
export { LAMBDA_BUNDLE, PROJECT_ROOT, esbuildBuildOptions, nodejsBundlingOptions } from './bundling.ts';
