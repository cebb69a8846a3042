// A connector plugin: a connector with the names it answers to in `connector.class`.
// Built-ins take Kafka's (and Confluent's) class names and their short aliases; a module
// loaded from a path takes its path.
import type { Connector } from '../plugins/define.ts';

export interface ConnectorPlugin {
  readonly className: string;
  readonly aliases: readonly string[];
  readonly connector: Connector;
  /** Reads or writes this machine's files: allowed only in the local dev server. */
  readonly localOnly?: boolean;
}
