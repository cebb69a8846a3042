// tasks.max on the emulators. A source declares its splits with taskConfigs: each task
// polls its own split, commits its own offsets, and fails alone (status per task). A
// sink's topic-partitions are dealt over its tasks: each partition delivered by one task,
// started with its own settings; a failed sink task stops its own partitions only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSinkConnector, defineSourceConnector } from '../../../lib/connect/plugins/define.ts';
import { PluginRegistry } from '../../../lib/connect/plugins/registry.ts';
import { createConnectRuntime, type ConnectRuntime } from '../../../lib/connect/runtime/index.ts';
import { ConnectorService } from '../../../lib/connect/service.ts';
import { readOffsets } from '../../../lib/connect/offsets.ts';
import { requireConnectorRecord } from '../../../lib/connect/store.ts';
import { Log } from '../../../lib/log/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { readAll } from './harness.ts';

const storage = useTestStorage();

// One split per letter of `splits`; each task emits `<letter><n>` for n up to 3 from its
// split's offset. Split 'x' fails its poll.
const letters = defineSourceConnector({
  configDef: { splits: { type: 'STRING', importance: 'HIGH' }, topic: { type: 'STRING', importance: 'HIGH' } },
  taskConfigs: (props, max) => {
    const splits = props.splits!.split('');
    return Array.from({ length: Math.min(max, splits.length) }, (_, i) => ({ split: splits.filter((_, j) => j % max === i).join('') }));
  },
  poll: ({ props, offsets }) => {
    const records = [];
    for (const split of props.split!.split('')) {
      if (split === 'x') throw new Error('split x is broken');
      const next = (offsets.get({ split })?.n as number | undefined) ?? 0;
      for (let n = next; n < 3; n++) records.push({ topic: props.topic!, value: `${split}${n}`, sourcePartition: { split }, sourceOffset: { n: n + 1 } });
    }
    return { records };
  },
});

const puts: { task: number; partition: number; value: string }[] = [];
const recorder = defineSinkConnector({
  configDef: {},
  put: (records, { taskId }) => {
    for (const r of records) puts.push({ task: taskId, partition: r.kafkaPartition, value: String(r.value) });
  },
});

// Fails a batch holding a value it rejects (errors.tolerance none: the task fails).
const rejected = new Set(['bad']);
const picky = defineSinkConnector({
  configDef: {},
  put: (records, { taskId }) => {
    if (records.some((r) => rejected.has(String(r.value)))) throw new Error('a rejected record');
    for (const r of records) puts.push({ task: taskId, partition: r.kafkaPartition, value: String(r.value) });
  },
});

let log: Log;
let service: ConnectorService;
let runtime: ConnectRuntime;

beforeAll(() => {
  const registry = new PluginRegistry({
    deployed: false,
    plugins: [
      { className: 'Letters', aliases: [], connector: letters },
      { className: 'Recorder', aliases: [], connector: recorder },
      { className: 'Picky', aliases: [], connector: picky },
    ],
  });
  log = new Log(storage.clients);
  service = new ConnectorService(storage.clients, registry);
  runtime = createConnectRuntime(log, { registry, sinkCacheMs: 0, dispatcher: { sleep: async () => undefined, backoff: { baseMs: 1, capMs: 1 }, inlineWaitMs: 0 } });
});

afterAll(async () => {
  await runtime?.stop();
});

describe('tasks.max', () => {
  it('runs a source\'s splits as tasks, each with its own offsets', async () => {
    const info = await service.create({ name: 'letters', config: { 'connector.class': 'Letters', splits: 'abc', topic: 'letters', 'tasks.max': '2', 'value.converter': 'string' } });
    expect(info.tasks).toEqual([{ connector: 'letters', task: 0 }, { connector: 'letters', task: 1 }]);
    const reports = await runtime.sources.runAll();
    expect(reports.map((r) => [r.task, r.records])).toEqual([[0, 6], [1, 3]]);
    const values = (await readAll(log, 'letters')).map((r) => r.value!.toString());
    expect(values.sort()).toEqual(['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'c0', 'c1', 'c2']);
    const offsets = await readOffsets(storage.clients, await requireConnectorRecord(storage.clients, 'letters'));
    expect(offsets.sort((x, y) => String(x.partition.split).localeCompare(String(y.partition.split)))).toEqual(['a', 'b', 'c'].map((split) => ({ partition: { split }, offset: { n: 3 } })));
  });

  it('fails one source task alone: status per task, the others go on', async () => {
    await service.create({ name: 'broken', config: { 'connector.class': 'Letters', splits: 'dx', topic: 'broken', 'tasks.max': '2', 'value.converter': 'string' } });
    const reports = await runtime.sources.runAll();
    expect(reports.filter((r) => r.connector === 'broken').map((r) => [r.task, r.state])).toEqual([[0, 'idle'], [1, 'failed']]);
    const status = await service.status('broken');
    expect(status.tasks.map((t) => [t.id, t.state])).toEqual([[0, 'RUNNING'], [1, 'FAILED']]);
    expect(status.tasks[1]!.trace).toContain('split x is broken');
    expect((await readAll(log, 'broken')).map((r) => r.value!.toString())).toEqual(['d0', 'd1', 'd2']);
    expect((await runtime.sources.runAll()).filter((r) => r.connector === 'broken').map((r) => r.task)).toEqual([0]);
  });

  it('deals a sink\'s partitions over its tasks: each partition delivered by one task', async () => {
    await log.createTopic({ name: 'spread', partitions: 4 });
    for (let p = 0; p < 4; p++) await log.produce('spread', [0, 1].map((i) => ({ partition: p, record: { key: null, value: Buffer.from(`p${p}-${i}`) } })));
    await service.create({ name: 'recorder', config: { 'connector.class': 'Recorder', topics: 'spread', 'tasks.max': '2', 'value.converter': 'string' } });
    await runtime.sinks.sweep();
    const byPartition = new Map<number, Set<number>>();
    for (const p of puts) byPartition.set(p.partition, (byPartition.get(p.partition) ?? new Set()).add(p.task));
    expect(Object.fromEntries([...byPartition].map(([p, t]) => [p, [...t]]))).toEqual({ 0: [0], 1: [1], 2: [0], 3: [1] });
    expect(puts.map((p) => p.value).sort()).toEqual(['p0-0', 'p0-1', 'p1-0', 'p1-1', 'p2-0', 'p2-1', 'p3-0', 'p3-1']);
    const status = await service.status('recorder');
    expect(status.tasks.map((t) => [t.id, t.state])).toEqual([[0, 'RUNNING'], [1, 'RUNNING']]);
  });

  it('drops the statuses of tasks no longer run when the config asks for fewer', async () => {
    const config = { 'connector.class': 'Recorder', topics: 'spread', 'tasks.max': '3', 'value.converter': 'string' };
    await service.create({ name: 'shrinking', config });
    expect((await service.status('shrinking')).tasks).toHaveLength(3);
    const { info } = await service.putConfig('shrinking', { ...config, 'tasks.max': '1' });
    expect(info.tasks).toEqual([{ connector: 'shrinking', task: 0 }]);
    expect((await service.status('shrinking')).tasks.map((t) => t.id)).toEqual([0]);
  });

  it('stops only a failed sink task\'s partitions; the other task goes on', async () => {
    await log.createTopic({ name: 'picky', partitions: 4 });
    const produce = (values: Record<number, string>) =>
      log.produce('picky', Object.entries(values).map(([p, v]) => ({ partition: Number(p), record: { key: null, value: Buffer.from(v) } })));
    const delivered = (from: number) => puts.slice(from).filter((p) => p.value.startsWith('k')).map((p) => `${p.partition}:${p.value}`).sort();
    await service.create({ name: 'picky', config: { 'connector.class': 'Picky', topics: 'picky', 'tasks.max': '2', 'value.converter': 'string' } });
    const start = puts.length;

    await produce({ 0: 'k0a', 1: 'bad', 2: 'k2a', 3: 'k3a' }); // task 1 owns partitions 1 and 3
    await runtime.sinks.sweep();
    await runtime.sinks.sweep();
    await produce({ 0: 'k0b', 1: 'k1b', 2: 'k2b', 3: 'k3b' });
    await runtime.sinks.sweep();
    const whileFailed = delivered(start);
    const status = await service.status('picky');

    expect(status.tasks.map((t) => [t.id, t.state])).toEqual([[0, 'RUNNING'], [1, 'FAILED']]);
    expect(whileFailed.filter((v) => v.startsWith('0:') || v.startsWith('2:'))).toEqual(['0:k0a', '0:k0b', '2:k2a', '2:k2b']);
    // Partition 3's first batch may have gone before partition 1 failed the task; nothing after.
    expect(whileFailed.filter((v) => v.startsWith('1:') || v === '3:k3b')).toEqual([]);
  });

  it('resumes a failed sink task\'s partitions from their cursors after a restart', async () => {
    await log.createTopic({ name: 'mended', partitions: 2 });
    await service.create({ name: 'mended', config: { 'connector.class': 'Picky', topics: 'mended', 'tasks.max': '2', 'value.converter': 'string' } });
    const start = puts.length;
    rejected.add('mend-me');
    await log.produce('mended', [{ partition: 1, record: { key: null, value: Buffer.from('mend-me') } }]);
    await runtime.sinks.sweep();
    await log.produce('mended', [0, 1].map((partition) => ({ partition, record: { key: null, value: Buffer.from(`k${partition}`) } })));
    await runtime.sinks.sweep();
    const beforeRestart = puts.slice(start).map((p) => `${p.partition}:${p.value}`);

    // The sink mended (what made it reject the record is fixed), then a restart.
    rejected.delete('mend-me');
    await service.restart('mended');
    await runtime.sinks.sweep();

    expect(beforeRestart).toEqual(['0:k0']);
    expect(puts.slice(start).map((p) => `${p.partition}:${p.value}`).sort()).toEqual(['0:k0', '1:k1', '1:mend-me']);
    expect((await service.status('mended')).tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
  });
});
