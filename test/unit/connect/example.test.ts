// The custom source connector of the README (lib/connect/examples/tickSource.ts), written
// against `sluice/connect` as a user's module is: it polls one tick at a time with its
// source offset, resumes after the last committed tick and stops at ticks.max.
import { describe, expect, it } from 'vitest';
import type { SourceMap, SourceTaskContext } from 'sluice/connect';
import ticks from '../../../lib/connect/examples/tickSource.ts';

const context = (committed: number | null, max = 3) =>
  ({
    name: 'ticks',
    taskId: 0,
    config: ticks.configDef.parse({ topic: 'ticks', 'ticks.max': String(max) }),
    props: { topic: 'ticks', 'ticks.max': String(max) },
    logger: { info() {}, warn() {}, error() {} },
    state: undefined,
    now: () => 0,
    offsets: { get: (p: SourceMap) => (p.source === 'clock' && committed !== null ? { tick: committed } : null) },
  }) as unknown as SourceTaskContext<undefined>;

describe('the README custom source connector', () => {
  it('is a source connector made with sluice/connect, its settings validated by its configDef', () => {
    expect(ticks.type).toBe('source');
    expect(ticks.configDef.names()).toEqual(expect.arrayContaining(['topic', 'ticks.max']));
  });

  it('polls the first tick with its source offset when nothing is committed', async () => {
    expect(await ticks.poll(context(null))).toEqual({
      records: [{ topic: 'ticks', key: 'clock', value: 'tick 1', sourcePartition: { source: 'clock' }, sourceOffset: { tick: 1 } }],
    });
  });

  it('resumes after the last committed tick and has nothing once ticks.max ticked', async () => {
    expect((await ticks.poll(context(2)))?.records.map((r) => r.value)).toEqual(['tick 3']);
    expect(await ticks.poll(context(3))).toBeNull();
  });
});
