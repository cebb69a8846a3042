import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { FakeAws } from '../../../lib/bench/profile/fakeStorage.ts';
import { Meter } from '../../../lib/bench/harness/meter.ts';
import { categorize, summarizeProfile, type CpuProfile } from '../../../lib/bench/profile/analysis.ts';
import { buildValues, evaluateTargets, renderReport, type BenchMeta, type BenchParts } from '../../../lib/bench/harness/report.ts';
import { installTaps } from '../../../lib/local/taps.ts';
import { N, S } from '../../../lib/storage/metadata.ts';

const summary = (p50: number, p99 = p50 * 2) => ({ n: 10, p50, p99, mean: p50, min: p50 / 2, max: p99 });

const parts: BenchParts = {
  codec: { encodeMBps: 1000, decodeMBps: 1100, peerEncodeMBps: 130, peerDecodeMBps: 780, ratio: 4.7 },
  produce: { batches: 100, batchBytes: 105_033, recordsPerSec: 3356.123, mbPerSec: 3.52, latency: summary(95), baseline: summary(78.5), overheadRatio: 95 / 78.5 },
};

describe('buildValues', () => {
  it('writes the flat dotted keys as numbers', () => {
    const v = buildValues(parts);
    expect(v['produce.recordsPerSec']).toBe(3356);
    expect(v['produce.p50Ms']).toBe(95);
    expect(v['produce.storageBaselineMs']).toBe(78.5);
    expect(v['produce.overheadRatio']).toBe(1.21);
    expect(v['codec.ratio']).toBe(4.7);
    expect(v['codec.peerDecodeMBps']).toBe(780);
    for (const value of Object.values(v)) expect(Number.isFinite(value)).toBe(true);
    expect(Object.keys(v).some((k) => k.startsWith('fetch.'))).toBe(false);
  });

  it('leaves out figures that are not numbers', () => {
    const v = buildValues({ produce: { ...parts.produce!, latency: { ...summary(1), p99: Number.NaN } } });
    expect(v['produce.p50Ms']).toBe(1);
    expect('produce.p99Ms' in v).toBe(false);
  });
});

describe('evaluateTargets', () => {
  it('marks each target pass, fail, or not run', () => {
    const rows = evaluateTargets({
      'produce.overheadRatio': 1.31,
      'codec.ratio': 2,
      'fetch.smallLogRequestsPerFetch': 4,
      'fetch.largeLogRequestsPerFetch': 4,
      'fetch.scalingRatio': 1.05,
    });
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName['produce.overheadRatio']!.pass).toBe(false);
    expect(byName['codec.ratio']!.pass).toBe(true);
    expect(byName['fetch.scalingRatio']!.pass).toBe(true);
    expect(byName['fetch.requestsPerFetch']).toMatchObject({ value: '4 vs 4', pass: true });
    expect(byName['cost.usdPerGiBIngest1MiB']).toMatchObject({ value: 'n/a' });
    expect(byName['cost.usdPerGiBIngest1MiB']!.pass).toBeUndefined();
  });

  it('fails request counts that differ between the logs', () => {
    const row = evaluateTargets({ 'fetch.smallLogRequestsPerFetch': 4, 'fetch.largeLogRequestsPerFetch': 5 }).find((r) => r.name === 'fetch.requestsPerFetch')!;
    expect(row.pass).toBe(false);
  });
});

describe('renderReport', () => {
  it('prints the figures, the targets with marks, and the notes', () => {
    const meta: BenchMeta = {
      date: '2026-11-21', mode: 'local', endpoint: 'local', size: 'quick', node: 'v20.20.2', cpus: 2,
      cpuModel: 'Test CPU', platform: 'linux', notes: ['a note'],
    };
    const text = renderReport(meta, parts, buildValues(parts));
    expect(text).toContain('2026-11-21, quick run');
    expect(text).toMatch(/produce\.overheadRatio\s+1\.21\s+<= 1\.3\s+✓  pass/);
    expect(text).toMatch(/codec\.ratio\s+4\.7\s+>= 2\s+✓  pass/);
    expect(text).toMatch(/fetch\.scalingRatio\s+n\/a\s+<= 1\.2\s+-  not run/);
    expect(text).toContain('- a note');
  });
});

describe('profile analysis', () => {
  it('sorts code by where it lives', () => {
    const root = '/work/main';
    expect(categorize('file:///work/main/lib/log/append.ts', 'f', root)).toBe('sluice');
    expect(categorize('file:///work/main/lib/bench/profile/fakeStorage.ts', 'f', root)).toBe('bench harness');
    expect(categorize('file:///work/main/node_modules/@smithy/core/dist-cjs/index.js', 'f', root)).toBe('aws-sdk');
    expect(categorize('file:///work/main/node_modules/zod/index.js', 'f', root)).toBe('zod');
    expect(categorize('node:internal/encoding', 'decode', root)).toBe('node');
    expect(categorize('', '(garbage collector)', root)).toBe('(garbage collector)');
    expect(categorize('', 'update', root)).toBe('node (native)');
  });

  it('adds self time to the leaf and total time to every function on its stack', () => {
    const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
      id, callFrame: { functionName, url, lineNumber: id, columnNumber: 0 }, children,
    });
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(root)', '', [2, 5]),
        frame(2, 'handler', 'file:///p/lib/api/lambda.ts', [3]),
        frame(3, 'decode', 'file:///p/lib/records/batch.ts', [4]),
        frame(4, 'crc32c', 'file:///p/lib/records/crc32c.ts'),
        frame(5, '(idle)', ''),
      ],
      // Sample i lasts timeDeltas[i + 1] µs: node 4 -> 1 ms, 3 -> 1 ms, 4 -> 2 ms; the last
      // one (idle, not counted) takes the mean gap.
      samples: [4, 3, 4, 5],
      timeDeltas: [0, 1000, 1000, 2000],
      startTime: 0,
      endTime: 9000,
    };
    const s = summarizeProfile(profile, { projectRoot: '/p' });
    expect(s.busyMs).toBeCloseTo(4, 6);
    const f = Object.fromEntries(s.functions.map((x) => [x.label.split(' ')[0], x]));
    expect(f.crc32c).toMatchObject({ selfMs: 3, totalMs: 3 });
    expect(f.decode).toMatchObject({ selfMs: 1, totalMs: 4 });
    expect(f.handler!.totalShare).toBeCloseTo(1, 6);
    expect(f.crc32c!.label).toBe('crc32c (lib/records/crc32c.ts:5)');
    expect(s.categories.sluice).toBeCloseTo(1, 6);
    expect(s.functions[0]!.label.startsWith('crc32c')).toBe(true);
  });
});

describe('Meter', () => {
  it('counts calls and request units on the clients it taps', async () => {
    const fake = new FakeAws();
    const clients = fake.clients();
    const names = clients.names;
    await clients.ddb.send(new PutItemCommand({ TableName: names.tables.topics, Item: { name: S('orders'), topicId: S('abc'), partitions: N(1), config: { M: {} }, createdAt: N(1) } }));
    const meter = new Meter(fake.layout.tables);
    installTaps(clients, [meter.tap]);
    try {
      await clients.ddb.send(new GetItemCommand({ TableName: names.tables.topics, Key: { name: S('orders') }, ConsistentRead: true }));
      await clients.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: names.tables.segments, Item: { tp: S('abc#0'), lastOffset: N(9), timeKey: S('x'), objectKey: S('k') } } },
            { ConditionCheck: { TableName: names.tables.topics, Key: { name: S('orders') }, ConditionExpression: 'topicId = :t', ExpressionAttributeValues: { ':t': S('abc') } } },
          ],
        }),
      );
      await clients.s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: 'segments/x', Body: Buffer.from('hello') }));
      await clients.s3.send(new GetObjectCommand({ Bucket: names.bucket, Key: 'segments/x' }));
      const s = meter.snapshot();
      expect(s.calls).toEqual({ 'dynamodb.GetItem.topics': 1, 'dynamodb.TransactWriteItems': 1, 's3.GetObject': 1, 's3.PutObject': 1 });
      expect(s.transactItems).toEqual({ 'ConditionCheck.topics': 1, 'Put.segments': 1 });
      expect(s.rru).toBe(1);
      // Put: 2 WRU, plus 2 for the byTime index entry; ConditionCheck: 2.
      expect(s.wru).toBe(6);
      expect(s.s3Puts).toBe(1);
      expect(s.s3Gets).toBe(1);
      expect(s.maxItemBytes.topics).toBeGreaterThan(0);

      meter.pause(true);
      await clients.ddb.send(new GetItemCommand({ TableName: names.tables.topics, Key: { name: S('orders') } }));
      expect(meter.snapshot().dynamodb).toBe(2);
      meter.pause(false);
      meter.reset();
      await clients.ddb.send(new GetItemCommand({ TableName: names.tables.topics, Key: { name: S('orders') } }));
      expect(meter.snapshot()).toMatchObject({ dynamodb: 1, rru: 0.5 });
    } finally {
      clients.ddb.destroy();
      clients.s3.destroy();
    }
  });
});

describe('Meter on updates', () => {
  it('prices an update by the size of the item as its last update returned it, not only by what it writes', async () => {
    const fake = new FakeAws();
    const clients = fake.clients();
    const names = clients.names;
    const key = { topicId: S('abc'), partition: N(0) };
    const entry = { M: { k: S('x'.repeat(100)) } };
    await clients.ddb.send(new PutItemCommand({ TableName: names.tables.partitions, Item: { ...key, nextOffset: N(0), tail: { L: Array.from({ length: 20 }, () => entry) } } }));
    const meter = new Meter(fake.layout.tables);
    installTaps(clients, [meter.tap]);
    const append = () =>
      clients.ddb.send(new UpdateItemCommand({
        TableName: names.tables.partitions, Key: key, ReturnValues: 'UPDATED_OLD',
        UpdateExpression: 'SET nextOffset = nextOffset + :n, tail = list_append(tail, :e)',
        ExpressionAttributeValues: { ':n': N(1), ':e': { L: [entry] } },
      }));
    try {
      await append();
      const first = meter.snapshot().wru;
      await append();

      // The first knows only what it writes (1 WRU); the second, the 2 KB tail the first returned.
      expect(first).toBe(1);
      expect(meter.snapshot().wru - first).toBeGreaterThanOrEqual(3);
    } finally {
      clients.ddb.destroy();
      clients.s3.destroy();
    }
  });
});

describe('growth report line', () => {
  it('shows the probe, the event loop and the calls that scale with the log', async () => {
    const { formatWindow } = await import('../../../lib/bench/growth.ts');
    const line = formatWindow({
      records: 40_000, seconds: 514, appendsPerSec: 58, indexEntries: 2803,
      probeP50Ms: 19, probeP99Ms: 820, probeMaxMs: 831, emptyPartitionP99Ms: 837,
      eventLoopDelayP99Ms: 35, eventLoopDelayMaxMs: 628,
      logScaledCalls: { 'ListObjectsV2': 42, 'Query.segments': 17 }, logScaledMs: 20_033, listPageMaxMs: 756,
      callP99Ms: { GetItem: 63, TransactWriteItems: 78, PutObject: 237 }, networkErrors: 0,
    });
    expect(line).toContain('40000 records, 58 appends/s, 2803 index entries');
    expect(line).toContain('probe p50 19 p99 820 max 831 ms (empty partition p99 837)');
    expect(line).toContain('event loop delay p99 35 max 628 ms');
    expect(line).toContain('log-scaled calls: ListObjectsV2 42, Query.segments 17, 20033 ms (ListObjectsV2 page max 756 ms)');
    expect(line).not.toContain('resets');
  });
});
