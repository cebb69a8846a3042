// How many tasks a connector runs under tasks.max, with which settings, and which task a
// sink's partition belongs to.
import { describe, expect, it } from 'vitest';
import { defineSinkConnector, defineSourceConnector } from '../../../lib/connect/plugins/define.ts';
import { sinkTaskOf, taskConfigs } from '../../../lib/connect/tasks/configs.ts';

const source = defineSourceConnector({ configDef: {}, poll: () => null });
const sink = defineSinkConnector({ configDef: {}, put: () => undefined });

describe('taskConfigs', () => {
  it('runs one task of a source that declares no splits, whatever tasks.max', () => {
    expect(taskConfigs(source, { 'tasks.max': '4', a: '1' })).toEqual([{ 'tasks.max': '4', a: '1' }]);
  });

  it('runs tasks.max tasks of a sink that declares nothing', () => {
    expect(taskConfigs(sink, { 'tasks.max': '3' })).toHaveLength(3);
  });

  it('merges each declared task\'s settings over the connector\'s, at most tasks.max of them', () => {
    const split = defineSourceConnector({ configDef: {}, poll: () => null, taskConfigs: () => [{ t: '0' }, { t: '1' }, { t: '2' }] });
    expect(taskConfigs(split, { 'tasks.max': '2', a: '1' })).toEqual([{ 'tasks.max': '2', a: '1', t: '0' }, { 'tasks.max': '2', a: '1', t: '1' }]);
  });
});

describe('sinkTaskOf', () => {
  it('deals topic-partitions round-robin over the tasks, topics by name', () => {
    const topics = [{ name: 'b', partitions: 2 }, { name: 'a', partitions: 3 }];
    const all = [['a', 0], ['a', 1], ['a', 2], ['b', 0], ['b', 1]] as const;
    expect(all.map(([t, p]) => sinkTaskOf(topics, 2, t, p))).toEqual([0, 1, 0, 1, 0]);
    expect(all.map(([t, p]) => sinkTaskOf(topics, 1, t, p))).toEqual([0, 0, 0, 0, 0]);
  });
});
