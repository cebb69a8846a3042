// `sluice/connect`: what a custom connector module imports. A module exports (default)
// one defineSinkConnector(...) or defineSourceConnector(...); the dev server loads it by
// path (`connector.class`), CDK bundles it (`platform.addConnector(name, config, { entry })`).
// The runtime, stores and built-in connectors stay internal: a connector needs only the
// definition helpers, its settings' ConfigDef, the record shapes and the exceptions that
// tell the runtime to retry (RetriableException) or to fail the task.
export {
  defineSinkConnector,
  defineSourceConnector,
  type ConfigDefInput,
  type ConnectorLogger,
  type PollResult,
  type SinkConnector,
  type SinkConnectorDefinition,
  type SinkTaskContext,
  type SourceConnector,
  type SourceConnectorDefinition,
  type SourceKeepContext,
  type SourceOffset,
  type SourceRecordInput,
  type SourceTaskContext,
  type TaskContext,
  type TaskStartContext,
} from './plugins/define.ts';
export { ConfigDef, Password, type ConfigType, type Importance, type Width } from './config/def.ts';
export type { ConnectHeader, ConnectRecord, SinkRecord, SourceMap, SourceRecord } from './data/record.ts';
export { ConfigException, ConnectException, DataException, RetriableException } from './data/exceptions.ts';
