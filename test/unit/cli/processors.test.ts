// sluice processors describe as text: lag per input partition, the error a task stopped
// at, and the records dropped (late, null key, ...) or skipped, summed over tasks, so late
// records never vanish silently.
import { describe, expect, it } from 'vitest';
import { renderDescription } from '../../../lib/cli/commands/processors.ts';
import type { ProcessorDescription } from '../../../lib/client/index.ts';

const description = (tasks: ProcessorDescription['tasks']): ProcessorDescription => ({
  name: 'views',
  entry: 'views.ts',
  inputs: ['page-views'],
  outputs: ['views-per-user'],
  state: 'RUNNING',
  incarnation: 'ab12',
  internalTopics: [],
  stores: [{ name: 'per-user', kind: 'window', keyFormat: 'string', valueFormat: 'long', windowSize: 300_000 }],
  tasks,
  positions: [],
  lag: [{ topic: 'page-views', partition: 0, offset: 7, highWatermark: 9, lag: 2 }],
});

const task = (id: string, metrics: Record<string, number>) => ({ task: id, streamTime: 100, positions: [], metrics });

describe('sluice processors describe rendering', () => {
  it('shows the records dropped late or skipped, summed over tasks', () => {
    const text = renderDescription(description([task('0_0', { 'dropped-late:COUNT': 2, 'skipped-processing': 1 }), task('0_1', { 'dropped-late:COUNT': 3 })]));
    expect(text).toContain('Dropped and skipped records: dropped-late:COUNT 5, skipped-processing 1');
    expect(text).toMatch(/^page-views\s+0\s+7\s+9\s+2$/m);
    expect(text).toContain('Stores: per-user (window, string -> long)');
  });

  it('says when the next wall-clock tick has work', () => {
    expect(renderDescription({ ...description([]), wakeAt: 1_700_000_070_000 })).toContain('Next wall-clock tick: 2023-11-14T22:14:30.000Z');
  });

  it('says nothing of dropped records when none were', () => {
    expect(renderDescription(description([task('0_0', {})]))).not.toContain('Dropped');
  });
});
