// `sluice topics describe`: a compacted topic shows, per partition, the share not cleaned
// yet and the last cleaning, and counts offsets (compaction leaves gaps), not records.
import { describe, expect, it } from 'vitest';
import { renderDescription } from '../../../lib/cli/commands/topics.ts';

const base = { name: 'prices', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', config: { 'cleanup.policy': 'compact' } };

describe('topics describe', () => {
  it('shows the dirty share and the last cleaning of each partition of a compacted topic', () => {
    const text = renderDescription({
      ...base,
      partitions: [
        { partition: 0, logStartOffset: 0, highWatermark: 100, sizeBytes: 2048, segments: 3, cleaning: { dirtyRatio: 0.25, cleanedOffset: 80, lastCleanedAt: Date.UTC(2026, 0, 2, 3, 4, 5) } },
        { partition: 1, logStartOffset: 0, highWatermark: 7, sizeBytes: 512, segments: 7, cleaning: { dirtyRatio: 1, cleanedOffset: 0, lastCleanedAt: null } },
      ],
    });
    const lines = text.split('\n');
    expect(lines.find((l) => l.startsWith('PARTITION'))).toMatch(/PARTITION\s+LOG-START\s+HIGH-WATERMARK\s+OFFSETS\s+SIZE\s+DIRTY\s+LAST-CLEANED/);
    expect(lines.find((l) => l.startsWith('0 '))).toMatch(/\s25\.0%\s+2026-01-02T03:04:05\.000Z$/);
    expect(lines.find((l) => l.startsWith('1 '))).toMatch(/\s100\.0%\s+never$/);
  });

  it('keeps the plain columns for a topic that is not compacted', () => {
    const text = renderDescription({ ...base, config: {}, partitions: [{ partition: 0, logStartOffset: 0, highWatermark: 5, sizeBytes: 10, segments: 1 }] });
    expect(text).toMatch(/PARTITION\s+LOG-START\s+HIGH-WATERMARK\s+RECORDS\s+SIZE\n/);
    expect(text).not.toMatch(/DIRTY/);
  });
});
