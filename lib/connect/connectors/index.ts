// The connectors Sluice ships: Kafka's file connectors (local dev server only) and the S3
// and HTTP sinks, under Kafka's and Confluent's class names and their short aliases, and
// the change-data-capture sources and AWS sinks (cdc.ts).
import { cdcPlugins } from './cdc.ts';
import { fileStreamSinkPlugin } from './file/sink.ts';
import { fileStreamSourcePlugin } from './file/source.ts';
import { httpSinkPlugin } from './http/sink.ts';
import type { ConnectorPlugin } from './plugin.ts';
import { s3SinkPlugin } from './s3/sink.ts';

export type { ConnectorPlugin } from './plugin.ts';

export const BUILTIN_CONNECTORS: readonly ConnectorPlugin[] = [fileStreamSourcePlugin, fileStreamSinkPlugin, s3SinkPlugin, httpSinkPlugin, ...cdcPlugins()];
