// The connector shapes of the API (API.md "Connectors"): Kafka Connect's REST bodies,
// snake_case as Kafka writes them, shared by the server, the SDK and the CDK. Kept apart
// from wire.ts because they are many and used only by connector code.

export type ConnectorType = 'sink' | 'source';
/** What a connector is asked to do: run, pause (keep its tasks, deliver nothing), or stop (no tasks). */
export type TargetState = 'RUNNING' | 'PAUSED' | 'STOPPED';
/** A connector's or task's state in GET .../status. */
export type ConnectorRunState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

/** POST /v1/connectors. */
export interface CreateConnectorRequest {
  name: string;
  config: Record<string, string>;
  /** Kafka's KIP-980: start paused or stopped (default RUNNING). */
  initial_state?: TargetState;
}

export interface ConnectorTaskId {
  connector: string;
  task: number;
}

/** GET /v1/connectors/{name} (Kafka's ConnectorInfo). */
export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskId[];
  type: ConnectorType;
}

export interface ConnectorTaskState {
  id: number;
  state: ConnectorRunState;
  worker_id: string;
  /** The error that failed the task (stack trace), when FAILED. */
  trace?: string;
}

/** GET /v1/connectors/{name}/status (Kafka's ConnectorStateInfo). */
export interface ConnectorStatus {
  name: string;
  connector: { state: ConnectorRunState; worker_id: string; trace?: string };
  tasks: ConnectorTaskState[];
  type: ConnectorType;
}

/** GET /v1/connectors?expand=status&expand=info: name to the expansions asked for. */
export type ExpandedConnectors = Record<string, { status?: ConnectorStatus; info?: ConnectorInfo }>;

/** One source partition's offset, or a sink's topic-partition position (KIP-875). */
export interface ConnectorOffset {
  partition: Record<string, unknown>;
  /** null in a PATCH removes the offset. */
  offset: Record<string, unknown> | null;
}

/** GET|PATCH /v1/connectors/{name}/offsets. */
export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

/** GET /v1/connector-plugins (Kafka's PluginInfo). */
export interface ConnectorPluginInfo {
  class: string;
  type: ConnectorType | 'transformation' | 'predicate' | 'converter' | 'header_converter';
  version: string;
}

/** One setting's definition in a validation answer (Kafka's ConfigKeyInfo). */
export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: string;
  documentation: string;
  group: string | null;
  order: number;
  width: string;
  display_name: string;
  dependents: string[];
}

/** One setting's value and errors in a validation answer (Kafka's ConfigValueInfo). */
export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

/** PUT /v1/connector-plugins/{plugin}/config/validate (Kafka's ConfigInfos). */
export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: { definition: ConfigKeyInfo; value: ConfigValueInfo }[];
}
