// The change-data-capture sources and AWS-service sinks of lib/connect/cdc as connectors,
// by config like any other: `connector.class` names one, its settings are the library's
// (Debezium's names for PostgreSQL). A ChangeSource's offsets are stored as the offset of
// one source partition, {"connector": NAME}, under {"offsets": ...}; its ack (confirm a
// replication slot's LSN, delete SQS messages) runs in the connector's commit hook, after
// the runtime committed the records and offsets, never before; while the connector is
// paused or stopped, PostgreSQL's keep checks the slot (how it is kept from growing);
// deleting the connector drops the slot (onDelete). A poll's transient upstream failure
// (a timeout, throttling, a 5xx) is retriable (cdc/failures.ts): the run ends and the
// next polls again from the committed offsets; only a definite refusal fails the task.
// Sinks deliver each batch as plain JSON values (Struct fields, bytes as base64) after
// the converters.
//
// AWS clients come from the environment (deployed: the function's region and role); the
// host may hand its own (cdcPlugins(clients)): the dev server hands clients on its local
// stack (lib/local/connectorClients.ts), so nothing local calls AWS unasked.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DependencyError, isSluiceError } from '../../core/errors.ts';
import { DynamoDbCdcSource } from '../cdc/dynamodb/source.ts';
import { parsePostgresCdcConfig } from '../cdc/postgres/config.ts';
import { keepSlot, releaseSlot } from '../cdc/postgres/slot.ts';
import { PostgresCdcSource } from '../cdc/postgres/source.ts';
import type { ChangeSink, DeliveryRecord } from '../cdc/sink.ts';
import { upstreamFailure } from '../cdc/failures.ts';
import type { ChangeSource, Json } from '../cdc/source.ts';
import { DynamoDbSink } from '../cdc/sqs/dynamodbSink.ts';
import { LambdaSink } from '../cdc/sqs/lambdaSink.ts';
import { EventBridgeSink, SqsSink } from '../cdc/sqs/sinks.ts';
import { SqsSource } from '../cdc/sqs/source.ts';
import { ConfigDef } from '../config/def.ts';
import { Struct } from '../data/schema.ts';
import { defineSinkConnector, defineSourceConnector, type ConnectorLogger } from '../plugins/define.ts';
import type { ConnectorPlugin } from './plugin.ts';

export interface AwsClients {
  dynamodb(): DynamoDBClient;
  streams(): DynamoDBStreamsClient;
  sqs(): SQSClient;
  events(): EventBridgeClient;
  lambda(): LambdaClient;
}

/** Clients each made by its factory on first use, then reused (a factory that throws makes none). */
export function lazyAwsClients(make: AwsClients): AwsClients {
  const made = new Map<keyof AwsClients, unknown>();
  const once = <K extends keyof AwsClients>(k: K): ReturnType<AwsClients[K]> => {
    if (!made.has(k)) made.set(k, make[k]());
    return made.get(k) as ReturnType<AwsClients[K]>;
  };
  return { dynamodb: () => once('dynamodb'), streams: () => once('streams'), sqs: () => once('sqs'), events: () => once('events'), lambda: () => once('lambda') };
}

/** Clients made on first use from the environment, one of each per process. */
export function environmentAwsClients(): AwsClients {
  return lazyAwsClients({
    dynamodb: () => new DynamoDBClient({}),
    streams: () => new DynamoDBStreamsClient({}),
    sqs: () => new SQSClient({}),
    events: () => new EventBridgeClient({}),
    lambda: () => new LambdaClient({}),
  });
}

/** A setting's error as validation reports it, from a library's InvalidConfigError. */
function configErrors(check: () => unknown): Record<string, string[]> {
  try {
    check();
    return {};
  } catch (err) {
    if (!isSluiceError(err)) throw err;
    const field = typeof err.details.field === 'string' ? err.details.field : 'connector.class';
    return { [field]: [err.message] };
  }
}

// Settings of every wrapped source: how much one poll may read.
const SOURCE_CONFIG = new ConfigDef()
  .define({ name: 'poll.max.records', type: 'INT', defaultValue: 500, importance: 'LOW', documentation: 'Records one poll returns at most.' })
  .define({ name: 'poll.max.ms', type: 'LONG', defaultValue: 5_000, importance: 'LOW', documentation: 'How long one poll may read.' });

interface SourceState {
  source: ChangeSource<unknown>;
  ack?: (() => Promise<void>) | undefined;
}

/** A source's check while paused or stopped, given its committed ChangeSource offsets. */
type Keep = (props: Readonly<Record<string, string>>, offsets: Json | undefined, logger: ConnectorLogger) => Promise<unknown>;

// PostgreSQL: the slot is checked against slot.retained.wal.* while nothing streams from
// it (postgres/slot.ts), and dropped past the maximum, failing the connector.
const keepPostgresSlot: Keep = (props, offsets, logger) =>
  keepSlot(parsePostgresCdcConfig(props), (offsets as { lsn?: string } | undefined)?.lsn, (level, message, details) => logger[level](message, details));

/** What a source releases upstream when it is deleted. */
type Release = (props: Readonly<Record<string, string>>) => Promise<void>;

// PostgreSQL: a deleted connector's slot (and the publication it made) is dropped, or it
// would pin the database's WAL for ever.
const releasePostgresSlot: Release = async (props) => {
  try {
    await releaseSlot(parsePostgresCdcConfig(props));
  } catch (err) {
    if (isSluiceError(err)) throw err;
    throw new DependencyError(`could not drop the replication slot of the connector: ${(err as Error).message}; the connector is kept, delete it again`, {});
  }
};

function changeSourceConnector(make: (props: Readonly<Record<string, string>>, aws: AwsClients) => ChangeSource<unknown>, aws: () => AwsClients, keep?: Keep, release?: Release) {
  return defineSourceConnector<SourceState>({
    ...(release ? { onDelete: async ({ props }) => release(props) } : {}),
    ...(keep ? { keep: async ({ name, props, offsets, logger }) => void (await keep(props, offsets.get({ connector: name })?.offsets as Json | undefined, logger)) } : {}),
    configDef: SOURCE_CONFIG,
    validate: (props) => configErrors(() => make(props, aws())),
    taskConfigs: (props) => [{ ...props }],
    start: ({ props }) => ({ source: make(props, aws()) }),
    poll: async ({ name, config, offsets, state }) => {
      const partition = { connector: name };
      const committed = offsets.get(partition)?.offsets;
      const res = await state.source
        .poll({ offsets: committed ?? undefined, maxRecords: config['poll.max.records'] as number, maxMs: Number(config['poll.max.ms']) })
        .catch((err: unknown) => Promise.reject(upstreamFailure(`${name} poll`, err)));
      state.ack = res.ack;
      return {
        records: res.records.map((r) => ({
          topic: r.topic,
          key: r.key,
          value: r.value,
          ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
          headers: (r.headers ?? []).map((h) => ({ key: h.key, schema: null, value: h.value })),
        })),
        sourceOffsets: [{ partition, offset: { offsets: res.offsets as Json } }],
      };
    },
    commit: async ({ state }) => {
      const ack = state.ack;
      state.ack = undefined;
      await ack?.();
    },
    stop: async ({ state }) => state.source.close(),
  });
}

/** A Connect value as plain JSON: Struct fields, bytes as base64, dates as epoch ms. */
export function jsonValue(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (v instanceof Struct) return Object.fromEntries(v.schema.fields.map((f) => [f.name, jsonValue(v.get(f.name))]));
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (v instanceof Date) return v.getTime();
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), jsonValue(x)]));
  if (Array.isArray(v)) return v.map(jsonValue);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x)]));
  if (typeof v === 'bigint') return Number(v);
  return v as Json;
}

function changeSinkConnector(make: (props: Readonly<Record<string, string>>, aws: AwsClients) => ChangeSink, aws: () => AwsClients) {
  return defineSinkConnector<ChangeSink>({
    configDef: new ConfigDef(),
    validate: (props) => configErrors(() => make(props, aws())),
    start: ({ props }) => make(props, aws()),
    put: async (records, { state }) => {
      const batch: DeliveryRecord[] = records.map((r) => ({
        topic: r.topic,
        partition: r.kafkaPartition,
        offset: r.kafkaOffset,
        key: jsonValue(r.key),
        value: jsonValue(r.value),
        headers: r.headers.map((h) => ({ key: h.key, value: typeof h.value === 'string' || h.value instanceof Uint8Array ? h.value : h.value === null ? null : JSON.stringify(jsonValue(h.value)) })),
        ...(r.timestamp !== null ? { timestamp: r.timestamp } : {}),
      }));
      await state.deliver(batch);
    },
  });
}

/** The CDC sources and AWS sinks, with these clients (default: from the environment). */
export function cdcPlugins(clients?: AwsClients): ConnectorPlugin[] {
  let env: AwsClients | undefined;
  const aws = () => clients ?? (env ??= environmentAwsClients());
  const plugin = (className: string, connector: ConnectorPlugin['connector']): ConnectorPlugin => ({ className, aliases: [`${className}Connector`], connector });
  return [
    plugin('PostgresCdcSource', changeSourceConnector((p) => new PostgresCdcSource(p), aws, keepPostgresSlot, releasePostgresSlot)),
    plugin('DynamoDbCdcSource', changeSourceConnector((p, a) => new DynamoDbCdcSource(p, { dynamodb: a.dynamodb(), streams: a.streams() }), aws)),
    plugin('SqsSource', changeSourceConnector((p, a) => new SqsSource(p, a.sqs()), aws)),
    plugin('SqsSink', changeSinkConnector((p, a) => new SqsSink(p, a.sqs()), aws)),
    plugin('EventBridgeSink', changeSinkConnector((p, a) => new EventBridgeSink(p, a.events()), aws)),
    plugin('DynamoDbSink', changeSinkConnector((p, a) => new DynamoDbSink(p, a.dynamodb()), aws)),
    plugin('LambdaSink', changeSinkConnector((p, a) => new LambdaSink(p, a.lambda()), aws)),
  ];
}
