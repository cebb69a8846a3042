// The settings every connector has, with Kafka Connect's names, defaults and groups
// (ConnectorConfig, SinkConnectorConfig), and the settings that follow from them: each
// transform's and predicate's own (`transforms.X.*`, `predicates.P.*`, from its class) and
// each converter's (`key.converter.*`, ...). This is the definition
// `PUT /v1/connector-plugins/{plugin}/config/validate` answers with, beside the
// connector's own settings.
//
//   Common          name, connector.class, tasks.max, key.converter, value.converter,
//                   header.converter, topics / topics.regex (sinks)
//   Transforms      transforms            Predicates   predicates
//   Error Handling  errors.retry.timeout (ms; 0 none, -1 forever), errors.retry.delay.max.ms,
//                   errors.tolerance (none|all), errors.log.enable, errors.log.include.messages,
//                   errors.deadletterqueue.topic.name, errors.deadletterqueue.context.headers.enable (sinks)
//
// Converter defaults are those of Kafka's shipped worker settings (JsonConverter with
// schemas, SimpleHeaderConverter); Sluice has no worker configuration to take them from.
import { DEFAULT_HEADER_CONVERTER, DEFAULT_KEY_CONVERTER, DEFAULT_VALUE_CONVERTER, findConverter, findHeaderConverter } from '../converters/index.ts';
import { ConfigException } from '../data/exceptions.ts';
import { compileJavaRegex } from '../data/regex.ts';
import { findPredicate } from '../predicates/index.ts';
import { aliasesOf } from '../transforms/chain.ts';
import { findTransformation } from '../transforms/index.ts';
import { ConfigDef, parseType, type Validator } from './def.ts';
import { LambdaValidator, NonEmptyStringWithoutControlChars, Range, RegexValidator, ValidString } from './validators.ts';

const COMMON = 'Common';
const TRANSFORMS = 'Transforms';
const PREDICATES = 'Predicates';
const ERRORS = 'Error Handling';

const uniqueAliases = (kind: string): Validator =>
  LambdaValidator.with(
    (name, value) => {
      const aliases = value as string[];
      if (new Set(aliases).size < aliases.length) throw new ConfigException(name, aliases.join(','), 'Duplicate alias provided.');
    },
    () => `unique ${kind} aliases`,
  );

const converterValidator = (find: (n: string) => unknown, what: string): Validator =>
  LambdaValidator.with(
    (name, value) => {
      if (value !== null && value !== undefined && !find(String(value))) throw new ConfigException(name, value, `Class ${String(value)} could not be found.`);
    },
    () => `a ${what}`,
  );

/** Kafka's ConnectorConfig.configDef(). */
export function connectorConfigDef(): ConfigDef {
  let order = 0;
  let errorOrder = 0;
  const common = (input: Parameters<ConfigDef['define']>[0]) => ({ group: COMMON, ...input, orderInGroup: ++order });
  const errors = (input: Parameters<ConfigDef['define']>[0]) => ({ ...input, group: ERRORS, orderInGroup: ++errorOrder });
  return new ConfigDef()
    .define(common({ name: 'name', type: 'STRING', validator: NonEmptyStringWithoutControlChars, importance: 'HIGH', width: 'MEDIUM', displayName: 'Connector name', documentation: 'Globally unique name to use for this connector.' }))
    .define(
      common({
        name: 'connector.class',
        type: 'STRING',
        importance: 'HIGH',
        width: 'LONG',
        displayName: 'Connector class',
        documentation:
          'Name or alias of the class for this connector. If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name, or use "FileStreamSink" or "FileStreamSinkConnector" to make the configuration a bit shorter. Locally, the path of a module exporting a connector defined with defineSinkConnector or defineSourceConnector.',
      }),
    )
    .define(common({ name: 'tasks.max', type: 'INT', defaultValue: 1, validator: Range.atLeast(1), importance: 'HIGH', width: 'SHORT', displayName: 'Tasks max', documentation: 'Maximum number of tasks to use for this connector.' }))
    .define(common({ name: 'key.converter', type: 'CLASS', defaultValue: DEFAULT_KEY_CONVERTER, validator: converterValidator(findConverter, 'converter'), importance: 'LOW', width: 'SHORT', displayName: 'Key converter class', documentation: 'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the keys in messages written to or read from Kafka.' }))
    .define(common({ name: 'value.converter', type: 'CLASS', defaultValue: DEFAULT_VALUE_CONVERTER, validator: converterValidator(findConverter, 'converter'), importance: 'LOW', width: 'SHORT', displayName: 'Value converter class', documentation: 'Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the values in messages written to or read from Kafka.' }))
    .define(common({ name: 'header.converter', type: 'CLASS', defaultValue: DEFAULT_HEADER_CONVERTER, validator: converterValidator(findHeaderConverter, 'header converter'), importance: 'LOW', width: 'SHORT', displayName: 'Header converter class', documentation: 'HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the header values in messages written to or read from Kafka.' }))
    .define(common({ name: 'transforms', type: 'LIST', defaultValue: [], validator: uniqueAliases('transformation'), importance: 'LOW', width: 'LONG', displayName: 'Transforms', documentation: 'Aliases for the transformations to be applied to records.', group: TRANSFORMS }))
    .define(common({ name: 'predicates', type: 'LIST', defaultValue: [], validator: uniqueAliases('predicate'), importance: 'LOW', width: 'LONG', displayName: 'Predicates', documentation: 'Aliases for the predicates used by transformations.', group: PREDICATES }))
    .define(errors({ name: 'errors.retry.timeout', type: 'LONG', defaultValue: 0, importance: 'MEDIUM', width: 'MEDIUM', displayName: 'Retry Timeout for Errors', documentation: 'The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.' }))
    .define(errors({ name: 'errors.retry.delay.max.ms', type: 'LONG', defaultValue: 60000, importance: 'MEDIUM', width: 'MEDIUM', displayName: 'Maximum Delay Between Retries for Errors', documentation: 'The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.' }))
    .define(errors({ name: 'errors.tolerance', type: 'STRING', defaultValue: 'none', validator: ValidString.in('none', 'all'), importance: 'MEDIUM', width: 'SHORT', displayName: 'Error Tolerance', documentation: "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records." }))
    .define(errors({ name: 'errors.log.enable', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', width: 'SHORT', displayName: 'Log Errors', documentation: "If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported." }))
    .define(errors({ name: 'errors.log.include.messages', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', width: 'SHORT', displayName: 'Log Error Details', documentation: "Whether to include in the log the Connect record that resulted in a failure. For sink records, the topic, partition, offset, and timestamp will be logged. For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files." }));
}

/** Kafka's SinkConnectorConfig.configDef(): the common settings and the sink's own. */
export function sinkConnectorConfigDef(): ConfigDef {
  return connectorConfigDef()
    .define({ name: 'topics', type: 'LIST', defaultValue: [], importance: 'HIGH', group: COMMON, orderInGroup: 4, width: 'LONG', displayName: 'Topics', documentation: 'List of topics to consume, separated by commas' })
    .define({ name: 'topics.regex', type: 'STRING', defaultValue: '', validator: RegexValidator, importance: 'HIGH', group: COMMON, orderInGroup: 4, width: 'LONG', displayName: 'Topics regex', documentation: 'Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.' })
    .define({ name: 'errors.deadletterqueue.topic.name', type: 'STRING', defaultValue: '', importance: 'MEDIUM', group: ERRORS, orderInGroup: 6, width: 'MEDIUM', displayName: 'Dead Letter Queue Topic Name', documentation: 'The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.' })
    .define({ name: 'errors.deadletterqueue.context.headers.enable', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', group: ERRORS, orderInGroup: 8, width: 'MEDIUM', displayName: 'Enable Error Context Headers', documentation: 'If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with <code>__connect.errors.</code>' });
}

/**
 * The definition enriched by the settings' values (Kafka's ConnectorConfig.enrich): for
 * each transform alias `transforms.X.type` (and, when that names a known class, its
 * settings, `predicate` and `negate`); for each predicate alias `predicates.P.type` and
 * its settings; and each converter's settings under its prefix.
 */
export function enrich(base: ConfigDef, props: Readonly<Record<string, string>>): ConfigDef {
  const def = new ConfigDef(base);
  const aliases = (key: string) => {
    try {
      return [...new Set(aliasesOf(props, key))];
    } catch {
      return [];
    }
  };
  for (const alias of aliases('transforms')) {
    const prefix = `transforms.${alias}.`;
    const group = `${TRANSFORMS}: ${alias}`;
    def.define(pluginType(`${prefix}type`, group, `Transformation type for ${alias}`, `Class for the '${alias}' transformation.`, (n) => findTransformation(n)));
    const plugin = findTransformation((props[`${prefix}type`] ?? '').trim());
    if (!plugin) continue;
    const own = new ConfigDef()
      .define({ name: 'predicate', type: 'STRING', defaultValue: null, importance: 'MEDIUM', documentation: 'The alias of a predicate used to determine whether to apply this transformation.' })
      .define({ name: 'negate', type: 'BOOLEAN', defaultValue: false, importance: 'MEDIUM', documentation: 'Whether the configured predicate should be negated.' });
    for (const k of plugin.config().configKeys()) if (k.name !== 'predicate' && k.name !== 'negate') own.define({ ...k, defaultValue: k.defaultValue });
    def.embed(prefix, group, 1, own);
  }
  for (const alias of aliases('predicates')) {
    const prefix = `predicates.${alias}.`;
    const group = `${PREDICATES}: ${alias}`;
    def.define(pluginType(`${prefix}type`, group, `Predicate type for ${alias}`, `Class for the '${alias}' predicate.`, (n) => findPredicate(n)));
    const plugin = findPredicate((props[`${prefix}type`] ?? '').trim());
    if (plugin) def.embed(prefix, group, 1, plugin.config());
  }
  for (const [setting, fallback, find] of [
    ['key.converter', DEFAULT_KEY_CONVERTER, findConverter],
    ['value.converter', DEFAULT_VALUE_CONVERTER, findConverter],
    ['header.converter', DEFAULT_HEADER_CONVERTER, findHeaderConverter],
  ] as const) {
    const plugin = find((props[setting] ?? fallback).trim());
    if (!plugin) continue;
    const own = new ConfigDef();
    for (const k of plugin.config().configKeys()) if (k.name !== 'converter.type') own.define(k);
    def.embed(`${setting}.`, `${setting}: ${plugin.className}`, 0, own);
  }
  return def;
}

function pluginType(name: string, group: string, displayName: string, documentation: string, find: (n: string) => unknown): Parameters<ConfigDef['define']>[0] {
  return {
    name,
    type: 'CLASS',
    validator: LambdaValidator.with(
      (n, value) => {
        if (value !== null && value !== undefined && !find(String(value))) throw new ConfigException(n, value, `Class ${String(value)} could not be found.`);
      },
      () => 'a known class',
    ),
    importance: 'HIGH',
    group,
    orderInGroup: 0,
    width: 'LONG',
    displayName,
    documentation,
  };
}

/** Kafka's SinkConnectorConfig.validate: topics xor topics.regex, and the DLQ topic not among them. */
export function sinkTopicErrors(props: Readonly<Record<string, string>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (k: string, m: string) => (out[k] ??= []).push(m);
  const topics = (props.topics ?? '').trim();
  const regex = (props['topics.regex'] ?? '').trim();
  const dlq = (props['errors.deadletterqueue.topic.name'] ?? '').trim();
  if (topics && regex) {
    const m = 'topics and topics.regex are mutually exclusive options, but both are set.';
    add('topics', m);
    add('topics.regex', m);
  }
  if (!topics && !regex) {
    const m = 'Must configure one of topics or topics.regex';
    add('topics', m);
    add('topics.regex', m);
  }
  if (dlq && topics) {
    const list = [...new Set((parseType('topics', topics, 'LIST') as string[]).filter(Boolean))];
    if (list.includes(dlq)) add('topics', `The DLQ topic '${dlq}' may not be included in the list of topics ('topics=[${list.join(', ')}]') consumed by the connector`);
  }
  if (dlq && regex) {
    let matches = false;
    try {
      matches = compileJavaRegex(regex).matches(dlq);
    } catch {
      // topics.regex reports its own error
    }
    if (matches) add('topics.regex', `The DLQ topic '${dlq}' may not be matched by the regex for the topics ('topics.regex=${regex}') consumed by the connector`);
  }
  return out;
}
