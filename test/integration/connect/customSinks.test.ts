// Waking custom sinks deployed with functions of their own: for a stream batch, each
// RUNNING custom sink reading a moved topic gets one invocation of its function; paused
// sinks, sources and sinks of other topics none; a failed invocation is reported and
// does not keep the others from being woken.
import { beforeAll, describe, expect, it } from 'vitest';
import { defineSinkConnector, defineSourceConnector } from '../../../lib/connect/plugins/define.ts';
import { PluginRegistry } from '../../../lib/connect/plugins/registry.ts';
import { customSinkWaker } from '../../../lib/connect/runtime/customSinks.ts';
import { ConnectorService } from '../../../lib/connect/service.ts';
import { Log } from '../../../lib/log/index.ts';
import type { PartitionStreamRecord } from '../../../lib/subscriptions/dispatcher.ts';
import { useTestStorage } from '../../support/stack.ts';
import { headRecords } from '../subscriptions/helpers.ts';

const storage = useTestStorage();
let log: Log;
let service: ConnectorService;
let watched: PartitionStreamRecord[];
let elsewhere: PartitionStreamRecord[];

const FUNCTIONS = { mine: 'fn-mine', also: 'fn-also', resting: 'fn-resting', ticks: 'fn-ticks' };

beforeAll(async () => {
  const registry = new PluginRegistry({
    deployed: false,
    plugins: [
      { className: 'Custom', aliases: [], connector: defineSinkConnector({ configDef: {}, put: () => undefined }) },
      { className: 'Ticks', aliases: [], connector: defineSourceConnector({ configDef: {}, poll: () => null }) },
    ],
  });
  log = new Log(storage.clients);
  service = new ConnectorService(storage.clients, registry);
  const w = await log.createTopic({ name: 'watched', partitions: 2 });
  const e = await log.createTopic({ name: 'elsewhere', partitions: 1 });
  await service.create({ name: 'mine', config: { 'connector.class': 'Custom', topics: 'watched' } });
  await service.create({ name: 'also', config: { 'connector.class': 'Custom', 'topics.regex': 'watch.*' } });
  await service.create({ name: 'resting', config: { 'connector.class': 'Custom', topics: 'watched' } });
  await service.setTargetState('resting', 'PAUSED');
  await service.create({ name: 'ticks', config: { 'connector.class': 'Ticks' } });
  await service.create({ name: 'unlisted', config: { 'connector.class': 'Custom', topics: 'watched' } });
  await log.produce('watched', [0, 1].map((partition) => ({ partition, record: { key: null, value: Buffer.from('x') } })));
  await log.produce('elsewhere', [{ partition: 0, record: { key: null, value: Buffer.from('y') } }]);
  watched = await headRecords(storage.clients, w.topicId, 2);
  elsewhere = await headRecords(storage.clients, e.topicId, 1);
});

describe('waking custom sinks', () => {
  it('invokes once, for a batch moving two partitions, each running custom sink of the moved topic', async () => {
    const invoked: string[] = [];
    const wake = customSinkWaker(storage.clients, { functions: FUNCTIONS, invoke: async (fn) => void invoked.push(fn) });

    const woken = await wake(watched);

    expect(woken).toEqual(['also', 'mine']);
    expect(invoked.sort()).toEqual(['fn-also', 'fn-mine']);
  });

  it('wakes nothing for a topic no custom sink reads', async () => {
    const invoked: string[] = [];
    const wake = customSinkWaker(storage.clients, { functions: FUNCTIONS, invoke: async (fn) => void invoked.push(fn) });

    expect(await wake(elsewhere)).toEqual([]);
    expect(invoked).toEqual([]);
  });

  it('reports a failed invocation and still wakes the others', async () => {
    const errors: string[] = [];
    const wake = customSinkWaker(storage.clients, {
      functions: FUNCTIONS,
      invoke: async (fn) => {
        if (fn === 'fn-mine') throw new Error('throttled');
      },
      onError: (connector, err) => errors.push(`${connector}: ${(err as Error).message}`),
    });

    expect(await wake(watched)).toEqual(['also']);
    expect(errors).toEqual(['mine: throttled']);
  });

  it('reads which sinks run at most every cacheMs: a pause counts from the next read', async () => {
    const clock = { now: 0 };
    const wake = customSinkWaker(storage.clients, { functions: { fresh: 'fn-fresh' }, invoke: async () => undefined, cacheMs: 1_000, now: () => clock.now });
    await service.create({ name: 'fresh', config: { 'connector.class': 'Custom', topics: 'watched' } });

    const first = await wake(watched);
    await service.setTargetState('fresh', 'PAUSED');
    clock.now = 999;
    const cached = await wake(watched);
    clock.now = 1_000;
    const reread = await wake(watched);

    expect([first, cached, reread]).toEqual([['fresh'], ['fresh'], []]);
  });
});
