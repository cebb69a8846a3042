// Topic configuration: Kafka's names, Kafka's types, defaults and valid ranges (its
// LogConfig definitions), so any value Kafka refuses is refused here too. Values are kept
// as canonical strings, as Kafka's DescribeConfigs returns them; callers may send
// strings, numbers or (for boolean configs) booleans.
//
// Two kinds of config are accepted, nothing else (an unknown key is INVALID_CONFIG):
// - honoured: Sluice acts on them; they have a default and always appear in a topic's
//   config. Where Sluice cannot do what a Kafka value asks (codecs other than gzip,
//   batches larger than a response can carry), that value is refused.
// - compatible: defined by Kafka for things Sluice has no counterpart of (replication,
//   segment files, flushing, codec levels). Kafka tools set them, so they are validated
//   exactly as Kafka does and stored, and have no effect.
import { InvalidConfigError } from '../core/errors.ts';
import { MAX_BATCH_BYTES } from '../core/limits.ts';

type Parse = (value: string) => string | { error: string };

interface ConfigSpec {
  /** Set for honoured configs: shown whenever the topic has no override. */
  default?: string;
  doc: string;
  /** Returns the canonical string, or why the value is refused. */
  parse: Parse;
}

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Kafka's INT or LONG in [min, max]: optional sign and decimal digits, nothing else. */
const integer = (type: 'int' | 'long', min?: bigint, max?: bigint): Parse => {
  const lo = min ?? (type === 'int' ? INT_MIN : LONG_MIN);
  const hi = max ?? (type === 'int' ? INT_MAX : LONG_MAX);
  return (v) => {
    if (!/^[+-]?\d{1,30}$/.test(v)) return { error: `must be an integer (${type})` };
    const n = BigInt(v);
    return n < lo || n > hi ? { error: `must be an integer from ${lo} to ${hi}` } : n.toString();
  };
};

/** Kafka's DOUBLE within [min, max]: a plain decimal number (no NaN, no infinities, no hex). */
const double = (min: number, max: number): Parse => (v) => {
  const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) ? Number(v) : Number.NaN;
  return n >= min && n <= max ? String(n) : { error: `must be a number from ${min} to ${max}` };
};

/** Kafka's BOOLEAN: true or false, any case. */
const bool: Parse = (v) => (/^(true|false)$/i.test(v) ? v.toLowerCase() : { error: 'must be true or false' });

/** Kafka's STRING from a fixed set (case-sensitive, as ValidString is); `unsupported` are Kafka's but not Sluice's. */
const oneOf = (allowed: string[], unsupported: string[] = []): Parse => (v) => {
  if (allowed.includes(v)) return v;
  if (unsupported.includes(v)) return { error: `'${v}' is not supported by Sluice (supported: ${allowed.join(', ')})` };
  return { error: `must be one of ${[...allowed, ...unsupported].join(', ')}` };
};

/** Kafka's LIST: comma-separated items, each from `allowed`; `unsupported` as for oneOf. */
const listOf = (allowed: string[], unsupported: string[] = []): Parse => (v) => {
  const items = v.split(',').map((s) => s.trim());
  if (items.some((i) => i === '')) return { error: `must be a comma-separated list of ${[...allowed, ...unsupported].join(', ')}` };
  for (const item of items) {
    const one = oneOf(allowed, unsupported)(item);
    if (typeof one !== 'string') return one;
  }
  return [...new Set(items)].join(',');
};

/** Replicas to throttle, as Kafka's ThrottledReplicaListValidator takes them: "", "*" or partition:broker pairs. */
const throttledReplicas: Parse = (v) =>
  /^(\*|(\d+:\d+)(\s*,\s*\d+:\d+)*)?$/.test(v) ? v.replace(/\s+/g, '') : { error: "must be '*' or a list of partition:broker" };

const COMPATIBLE = 'Accepted for compatibility with Kafka; no effect in Sluice';

export const TOPIC_CONFIGS = {
  // ---- honoured -----------------------------------------------------------------------
  'retention.ms': {
    default: '604800000',
    doc: 'Delete segments whose newest record is older than this (-1: keep forever).',
    parse: integer('long', -1n),
  },
  'retention.bytes': {
    default: '-1',
    doc: 'Delete the oldest segments while a partition is larger than this (negative: no limit).',
    parse: integer('long'),
  },
  'cleanup.policy': {
    default: 'delete',
    doc: '"delete": retention removes old segments; "compact": the log keeps the latest record per key; "compact,delete": both.',
    parse: listOf(['delete', 'compact']),
  },
  'min.compaction.lag.ms': {
    default: '0',
    doc: 'A record stays uncompacted at least this long after its timestamp.',
    parse: integer('long', 0n),
  },
  'max.compaction.lag.ms': {
    default: LONG_MAX.toString(),
    doc: 'A record is compacted at most this long after its timestamp, whatever the dirty ratio.',
    parse: integer('long', 1n),
  },
  'min.cleanable.dirty.ratio': {
    default: '0.5',
    doc: 'Compact once the not yet compacted share of the log reaches this ratio.',
    parse: double(0, 1),
  },
  'delete.retention.ms': {
    default: '86400000',
    doc: 'How long a tombstone (null value) stays after compaction first kept it.',
    parse: integer('long', 0n),
  },
  'max.message.bytes': {
    default: '1048588',
    doc: `Largest record batch accepted, after compression; at most ${MAX_BATCH_BYTES}, the largest batch a fetch response can carry.`,
    parse: integer('int', 0n, BigInt(MAX_BATCH_BYTES)),
  },
  'message.timestamp.type': {
    default: 'CreateTime',
    doc: 'CreateTime keeps the producer timestamp; LogAppendTime stamps the append time.',
    parse: oneOf(['CreateTime', 'LogAppendTime']),
  },
  'compression.type': {
    default: 'producer',
    doc: 'How batches are stored: as produced, uncompressed, or gzip.',
    parse: oneOf(['producer', 'uncompressed', 'gzip'], ['snappy', 'lz4', 'zstd']),
  },
  // ---- compatible ---------------------------------------------------------------------
  'compression.gzip.level': { doc: `${COMPATIBLE} (gzip uses zlib's default level).`, parse: gzipLevel },
  'compression.lz4.level': { doc: `${COMPATIBLE} (lz4 is not supported).`, parse: integer('int', 1n, 17n) },
  'compression.zstd.level': { doc: `${COMPATIBLE} (zstd is not supported).`, parse: integer('int', -131072n, 22n) },
  'file.delete.delay.ms': { doc: `${COMPATIBLE} (objects are deleted after maintenance's grace period).`, parse: integer('long', 0n) },
  'flush.messages': { doc: `${COMPATIBLE} (every append is durable when acknowledged).`, parse: integer('long', 1n) },
  'flush.ms': { doc: `${COMPATIBLE} (every append is durable when acknowledged).`, parse: integer('long', 0n) },
  'follower.replication.throttled.replicas': { doc: `${COMPATIBLE} (no replicas).`, parse: throttledReplicas },
  'index.interval.bytes': { doc: `${COMPATIBLE} (the segment index has one entry per append).`, parse: integer('int', 0n) },
  'leader.replication.throttled.replicas': { doc: `${COMPATIBLE} (no replicas).`, parse: throttledReplicas },
  'local.retention.bytes': { doc: `${COMPATIBLE} (no tiered storage).`, parse: integer('long', -2n) },
  'local.retention.ms': { doc: `${COMPATIBLE} (no tiered storage).`, parse: integer('long', -2n) },
  'message.timestamp.after.max.ms': { doc: `${COMPATIBLE} (timestamps are not range-checked).`, parse: integer('long', 0n) },
  'message.timestamp.before.max.ms': { doc: `${COMPATIBLE} (timestamps are not range-checked).`, parse: integer('long', 0n) },
  'min.insync.replicas': { doc: `${COMPATIBLE} (storage is replicated by S3 and DynamoDB).`, parse: integer('int', 1n) },
  preallocate: { doc: `${COMPATIBLE} (no segment files).`, parse: bool },
  'remote.log.copy.disable': { doc: `${COMPATIBLE} (no tiered storage).`, parse: bool },
  'remote.log.delete.on.disable': { doc: `${COMPATIBLE} (no tiered storage).`, parse: bool },
  'remote.storage.enable': { doc: `${COMPATIBLE} (no tiered storage).`, parse: bool },
  'segment.bytes': { doc: `${COMPATIBLE} (every append is its own segment).`, parse: integer('int', 1_048_576n) },
  'segment.index.bytes': { doc: `${COMPATIBLE} (no segment files).`, parse: integer('int', 4n) },
  'segment.jitter.ms': { doc: `${COMPATIBLE} (every append is its own segment).`, parse: integer('long', 0n) },
  'segment.ms': { doc: `${COMPATIBLE} (every append is its own segment).`, parse: integer('long', 1n) },
  'unclean.leader.election.enable': { doc: `${COMPATIBLE} (no leaders to elect).`, parse: bool },
} satisfies Record<string, ConfigSpec>;

/** gzip levels as Kafka takes them: zlib's 1..9, or -1 for the default. */
function gzipLevel(v: string): string | { error: string } {
  const n = integer('int', -1n, 9n)(v);
  return n === '0' ? { error: 'must be -1 or from 1 to 9' } : n;
}

export type ConfigName = keyof typeof TOPIC_CONFIGS;
/** The configs Sluice acts on: they always have a value. */
export type TopicConfigName = { [K in ConfigName]: (typeof TOPIC_CONFIGS)[K] extends { default: string } ? K : never }[ConfigName];
export type TopicConfig = Record<TopicConfigName, string> & Partial<Record<ConfigName, string>>;

const SPECS: Record<string, ConfigSpec> = TOPIC_CONFIGS;

export const DEFAULT_CONFIG = Object.fromEntries(
  Object.entries(SPECS).flatMap(([k, spec]) => (spec.default === undefined ? [] : [[k, spec.default]])),
) as Record<TopicConfigName, string>;

/** A config name Kafka and Sluice know; plain-object lookups never see prototype members. */
export const isConfigName = (key: string): key is ConfigName => Object.hasOwn(TOPIC_CONFIGS, key);

/**
 * Validate config overrides (string, number or boolean values; null resets to the
 * default) and return the canonical overrides. Throws INVALID_CONFIG naming every bad key.
 */
export function parseConfigOverrides(input: Record<string, unknown>): Partial<Record<ConfigName, string | null>> {
  const out: Partial<Record<ConfigName, string | null>> = {};
  const problems = new Map<string, string>();
  for (const [key, raw] of Object.entries(input)) {
    if (!isConfigName(key)) {
      problems.set(key, `unknown config '${key}'`);
    } else if (raw === null) {
      out[key] = null;
    } else if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.set(key, `'${key}' must be a string, a number or a boolean`);
    } else {
      const parsed = SPECS[key]!.parse(String(raw).trim());
      if (typeof parsed === 'string') out[key] = parsed;
      else problems.set(key, `'${key}' ${parsed.error} (got '${String(raw).slice(0, 64)}')`);
    }
  }
  if (problems.size) {
    throw new InvalidConfigError(`Invalid topic config: ${[...problems.values()].join('; ')}.`, { configs: [...problems.keys()] });
  }
  return out;
}

/** INVALID_CONFIG for overrides that are valid one by one but not together (as Kafka's LogConfig.validateValues). */
export function checkConfigCombination(overrides: Record<string, string>): void {
  const config = effectiveConfig(overrides);
  const min = BigInt(config['min.compaction.lag.ms']);
  const max = BigInt(config['max.compaction.lag.ms']);
  if (min > max) {
    throw new InvalidConfigError(`Invalid topic config: min.compaction.lag.ms (${min}) is above max.compaction.lag.ms (${max}).`, {
      configs: ['min.compaction.lag.ms', 'max.compaction.lag.ms'],
    });
  }
}

/** Stored overrides merged with new ones; a null override removes the key. */
export function mergeOverrides(
  stored: Record<string, string>,
  changes: Partial<Record<ConfigName, string | null>>,
): Record<string, string> {
  const merged: Record<string, string> = { ...stored };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/** True when the topic's cleanup.policy includes compact (key compaction). */
export const isCompacted = (config: Pick<TopicConfig, 'cleanup.policy'>): boolean => config['cleanup.policy'].split(',').includes('compact');

/** True when the topic's cleanup.policy includes delete (retention). */
export const hasRetention = (config: Pick<TopicConfig, 'cleanup.policy'>): boolean => config['cleanup.policy'].split(',').includes('delete');

export function effectiveConfig(overrides: Record<string, string>): TopicConfig {
  return { ...DEFAULT_CONFIG, ...overrides } as TopicConfig;
}
