// A connector's framework settings parsed for running it: tasks, topics, converters with
// their own settings, the transformation chain, and the error policy. Parsing assumes the
// settings were validated (validate.ts) and throws ConfigException otherwise.
import {
  createConverter,
  createHeaderConverter,
  DEFAULT_HEADER_CONVERTER,
  DEFAULT_KEY_CONVERTER,
  DEFAULT_VALUE_CONVERTER,
  findConverter,
  findHeaderConverter,
  type Converter,
  type HeaderConverter,
} from '../converters/index.ts';
import { transformationStages, withPrefix, type TransformationStage } from '../transforms/chain.ts';
import { connectorConfigDef, sinkConnectorConfigDef } from './connector.ts';
import type { ConnectorType } from '../../core/connectors.ts';

/** errors.* (Kafka's RetryWithToleranceOperator and DeadLetterQueueReporter settings). */
export interface ErrorPolicy {
  tolerance: 'none' | 'all';
  /** ms to keep retrying a RetriableException; 0 none, -1 forever. */
  retryTimeoutMs: number;
  retryDelayMaxMs: number;
  logEnable: boolean;
  logIncludeMessages: boolean;
  /** '' when there is no dead-letter topic (sinks only). */
  deadLetterTopic: string;
  deadLetterContextHeaders: boolean;
}

export interface ConnectorSettings {
  name: string;
  className: string;
  tasksMax: number;
  /** Sinks: the topics, or the regex naming them. */
  topics: string[];
  topicsRegex: string;
  keyConverter: Converter;
  valueConverter: Converter;
  headerConverter: HeaderConverter;
  /** The class names, for error reports. */
  converterClasses: { key: string; value: string; header: string };
  transforms: TransformationStage[];
  errors: ErrorPolicy;
}

export function connectorSettings(type: ConnectorType, props: Readonly<Record<string, string>>): ConnectorSettings {
  const c = (type === 'sink' ? sinkConnectorConfigDef() : connectorConfigDef()).parse(props);
  const key = (c['key.converter'] as string | null) ?? DEFAULT_KEY_CONVERTER;
  const value = (c['value.converter'] as string | null) ?? DEFAULT_VALUE_CONVERTER;
  const header = (c['header.converter'] as string | null) ?? DEFAULT_HEADER_CONVERTER;
  return {
    name: c.name as string,
    className: c['connector.class'] as string,
    tasksMax: c['tasks.max'] as number,
    topics: type === 'sink' ? [...new Set((c.topics as string[]).filter(Boolean))] : [],
    topicsRegex: type === 'sink' ? (c['topics.regex'] as string) : '',
    keyConverter: createConverter(key, withPrefix(props, 'key.converter.'), true),
    valueConverter: createConverter(value, withPrefix(props, 'value.converter.'), false),
    headerConverter: createHeaderConverter(header, withPrefix(props, 'header.converter.')),
    converterClasses: { key: findConverter(key)?.className ?? key, value: findConverter(value)?.className ?? value, header: findHeaderConverter(header)?.className ?? header },
    transforms: transformationStages(props),
    errors: {
      tolerance: c['errors.tolerance'] as 'none' | 'all',
      retryTimeoutMs: c['errors.retry.timeout'] as number,
      retryDelayMaxMs: c['errors.retry.delay.max.ms'] as number,
      logEnable: c['errors.log.enable'] as boolean,
      logIncludeMessages: c['errors.log.include.messages'] as boolean,
      deadLetterTopic: type === 'sink' ? (c['errors.deadletterqueue.topic.name'] as string).trim() : '',
      deadLetterContextHeaders: type === 'sink' ? (c['errors.deadletterqueue.context.headers.enable'] as boolean) : false,
    },
  };
}
