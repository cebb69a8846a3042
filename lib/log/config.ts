// Topic configuration: Kafka's names, Kafka's defaults, Kafka's value rules. Values are
// kept as strings, as Kafka's DescribeConfigs returns them; callers may send numbers.
import { InvalidConfigError } from '../core/errors.ts';

interface ConfigSpec {
  default: string;
  doc: string;
  /** Returns the canonical string, or an error message. */
  parse(value: string): string | { error: string };
}

const long = (min: number) => (v: string) =>
  /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) && Number(v) >= min
    ? String(Number(v))
    : { error: `must be an integer >= ${min}` };

const oneOf = (...allowed: string[]) => (v: string) =>
  allowed.includes(v) ? v : { error: `must be one of ${allowed.join(', ')}` };

export const TOPIC_CONFIGS = {
  'retention.ms': {
    default: '604800000',
    doc: 'Delete segments whose newest record is older than this (-1: keep forever).',
    parse: long(-1),
  },
  'retention.bytes': {
    default: '-1',
    doc: 'Delete the oldest segments while a partition is larger than this (-1: no limit).',
    parse: long(-1),
  },
  'cleanup.policy': {
    default: 'delete',
    doc: 'Only "delete" (retention) is supported; key-based compaction is not.',
    parse: oneOf('delete'),
  },
  'max.message.bytes': {
    default: '1048588',
    doc: 'Largest record batch accepted, after compression.',
    parse: long(1),
  },
  'message.timestamp.type': {
    default: 'CreateTime',
    doc: 'CreateTime keeps the producer timestamp; LogAppendTime stamps the append time.',
    parse: oneOf('CreateTime', 'LogAppendTime'),
  },
  'compression.type': {
    default: 'producer',
    doc: 'How batches are stored: as produced, uncompressed, or gzip.',
    parse: oneOf('producer', 'uncompressed', 'gzip'),
  },
} satisfies Record<string, ConfigSpec>;

export type TopicConfigName = keyof typeof TOPIC_CONFIGS;
export type TopicConfig = Record<TopicConfigName, string>;

export const DEFAULT_CONFIG: TopicConfig = Object.fromEntries(
  Object.entries(TOPIC_CONFIGS).map(([k, spec]) => [k, spec.default]),
) as TopicConfig;

/**
 * Validate config overrides (string or number values; null resets to the default) and
 * return the canonical overrides. Throws INVALID_CONFIG naming every bad key.
 */
export function parseConfigOverrides(
  input: Record<string, unknown>,
): Partial<Record<TopicConfigName, string | null>> {
  const out: Partial<Record<TopicConfigName, string | null>> = {};
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(input)) {
    const spec = Object.hasOwn(TOPIC_CONFIGS, key) ? (TOPIC_CONFIGS as Record<string, ConfigSpec>)[key] : undefined;
    if (!spec) {
      problems.push(`unknown config '${key}' (supported: ${Object.keys(TOPIC_CONFIGS).join(', ')})`);
      continue;
    }
    if (raw === null) {
      out[key as TopicConfigName] = null;
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      problems.push(`'${key}' must be a string or a number`);
      continue;
    }
    const parsed = spec.parse(String(raw).trim());
    if (typeof parsed === 'string') out[key as TopicConfigName] = parsed;
    else problems.push(`'${key}' ${parsed.error} (got '${String(raw)}')`);
  }
  if (problems.length) throw new InvalidConfigError(`Invalid topic config: ${problems.join('; ')}.`);
  return out;
}

/** Stored overrides merged with new ones; a null override removes the key. */
export function mergeOverrides(
  stored: Record<string, string>,
  changes: Partial<Record<TopicConfigName, string | null>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...stored };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

export function effectiveConfig(overrides: Record<string, string>): TopicConfig {
  return { ...DEFAULT_CONFIG, ...overrides } as TopicConfig;
}
