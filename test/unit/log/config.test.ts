// Topic configs are checked against Kafka's own types and ranges (LogConfig): a value
// Kafka refuses is refused, values are stored in canonical form, and an unknown key is
// INVALID_CONFIG naming it.
import { describe, expect, it } from 'vitest';
import { MAX_BATCH_BYTES } from '../../../lib/core/limits.ts';
import { checkConfigCombination, DEFAULT_CONFIG, parseConfigOverrides } from '../../../lib/log/config.ts';

const refused = (config: Record<string, unknown>) => {
  try {
    parseConfigOverrides(config);
  } catch (err) {
    return err as { code: string; message: string; details: { configs: string[] } };
  }
  throw new Error(`${JSON.stringify(config)} was accepted`);
};

describe('parseConfigOverrides', () => {
  it.each([
    ['max.message.bytes', 99_999_999_999],
    ['max.message.bytes', -1],
    ['max.message.bytes', MAX_BATCH_BYTES + 1],
    ['max.message.bytes', '1.5'],
    ['max.message.bytes', true],
    ['retention.ms', -2],
    ['retention.ms', '9223372036854775808'],
    ['retention.ms', '1e3'],
    ['retention.bytes', 'lots'],
    ['segment.bytes', 1_048_575],
    ['segment.bytes', 2 ** 31],
    ['segment.ms', 0],
    ['min.insync.replicas', 0],
    ['min.cleanable.dirty.ratio', 1.01],
    ['min.cleanable.dirty.ratio', 'NaN'],
    ['cleanup.policy', 'delete,'],
    ['cleanup.policy', 'remove'],
    ['message.timestamp.type', 'createtime'],
    ['compression.type', 'brotli'],
    ['compression.gzip.level', 0],
    ['compression.gzip.level', 10],
    ['preallocate', 'yes'],
    ['unclean.leader.election.enable', 1],
  ])('refuses %s = %j as Kafka does', (key, value) => {
    const err = refused({ [key]: value });

    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.details.configs).toEqual([key]);
    expect(err.message).toContain(key);
  });

  it.each([
    ['cleanup.policy', 'compact'],
    ['cleanup.policy', 'delete,compact'],
    ['compression.type', 'zstd'],
    ['compression.type', 'lz4'],
  ])('refuses %s = %j, a Kafka value Sluice cannot honour, saying so', (key, value) => {
    expect(refused({ [key]: value }).message).toMatch(/not supported by Sluice/);
  });

  it.each([
    ['max.message.bytes', 0, '0'],
    ['max.message.bytes', MAX_BATCH_BYTES, String(MAX_BATCH_BYTES)],
    ['retention.ms', ' -1 ', '-1'],
    ['retention.ms', '+0086400000', '86400000'],
    ['retention.ms', '9223372036854775807', '9223372036854775807'],
    ['retention.bytes', -5, '-5'],
    ['cleanup.policy', ' delete , delete', 'delete'],
    ['compression.type', 'gzip', 'gzip'],
    ['min.cleanable.dirty.ratio', '0.25', '0.25'],
    ['min.cleanable.dirty.ratio', 1, '1'],
    ['compression.gzip.level', -1, '-1'],
    ['preallocate', 'TRUE', 'true'],
    ['unclean.leader.election.enable', false, 'false'],
    ['segment.bytes', 1_073_741_824, '1073741824'],
    ['leader.replication.throttled.replicas', '0:1, 1:2', '0:1,1:2'],
  ])('accepts %s = %j as %j', (key, value, canonical) => {
    expect(parseConfigOverrides({ [key]: value })).toEqual({ [key]: canonical });
  });

  it('names every unknown or bad key, and only those', () => {
    const err = refused({ 'retention.ms': 'soon', 'no.such': 1, 'segment.ms': 5, constructor: '1' });

    expect(err.details.configs).toEqual(['retention.ms', 'no.such', 'constructor']);
    expect(err.message).toMatch(/unknown config 'no\.such'/);
  });

  it('gives the honoured configs their Kafka defaults and nothing else', () => {
    expect(DEFAULT_CONFIG).toEqual({
      'retention.ms': '604800000',
      'retention.bytes': '-1',
      'cleanup.policy': 'delete',
      'max.message.bytes': '1048588',
      'message.timestamp.type': 'CreateTime',
      'compression.type': 'producer',
    });
  });
});

describe('checkConfigCombination', () => {
  it('refuses min.compaction.lag.ms above max.compaction.lag.ms, as Kafka does', () => {
    expect(() => checkConfigCombination({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(() => checkConfigCombination({ 'min.compaction.lag.ms': '10' })).not.toThrow();
  });
});
