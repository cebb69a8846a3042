import { describe, expect, it } from 'vitest';
import { createBody, renderDeadLetters, renderSubscriptions, type Subscription } from '../../../lib/cli/commands/subscriptions.ts';
import { UsageError } from '../../../lib/cli/errors.ts';

const sub: Subscription = {
  topic: 'orders',
  name: 'billing',
  status: 'active',
  target: { type: 'http', url: 'http://127.0.0.1:8080/hook' },
  batchSize: 100,
  maxBatchingWindowMs: 0,
  startingPosition: 'latest',
  maxRetries: 3,
  lag: 5,
  delivered: 40,
  deadLettered: 2,
  partitions: [
    { partition: 0, position: 10, highWatermark: 15, lag: 5, delivered: 10, deadLettered: 0 },
    { partition: 1, position: 30, highWatermark: 30, lag: 0, delivered: 30, deadLettered: 2, attempts: 1, lastError: { code: 'HTTP_500', message: 'x', at: 1 } },
  ],
};

describe('subscriptions create', () => {
  it('builds the body from exactly one target option and the settings given', () => {
    expect(createBody('billing', { lambda: 'arn:aws:lambda:eu-west-1:123456789012:function:b' })).toEqual({
      name: 'billing',
      target: { type: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:b' },
    });
    expect(
      createBody('hook', { url: 'http://127.0.0.1:1/h', batchSize: 10, batchingWindowMs: 500, startingPosition: 'earliest', maxRetries: 0, deadLetterQueue: 'https://sqs/q' }),
    ).toEqual({
      name: 'hook',
      target: { type: 'http', url: 'http://127.0.0.1:1/h' },
      batchSize: 10,
      maxBatchingWindowMs: 500,
      startingPosition: 'earliest',
      maxRetries: 0,
      deadLetter: { type: 'sqs', queueUrl: 'https://sqs/q' },
    });
    // Module paths are made absolute where the CLI runs.
    expect(createBody('m', { module: 'handlers/h.ts' }, '/work/app').target).toEqual({ type: 'module', path: '/work/app/handlers/h.ts' });
  });

  it('refuses no target or several', () => {
    expect(() => createBody('x', {})).toThrow(UsageError);
    expect(() => createBody('x', { url: 'https://a', module: 'b' })).toThrow(/exactly one target/);
  });
});

describe('rendering', () => {
  it('lists position, lag and dead letters per partition', () => {
    const text = renderSubscriptions([sub]);
    expect(text).toContain('Subscription: billing');
    expect(text).toContain('Target: http http://127.0.0.1:8080/hook');
    expect(text).toContain('Lag: 5\tDelivered: 40\tDeadLettered: 2');
    const lines = text.split('\n');
    const header = lines.findIndex((l) => l.startsWith('PARTITION'));
    expect(lines[header]).toMatch(/PARTITION\s+POSITION\s+HIGH-WATERMARK\s+LAG\s+DEAD-LETTERED\s+STATE/);
    expect(lines[header + 1]).toMatch(/^0\s+10\s+15\s+5\s+0$/);
    expect(lines[header + 2]).toMatch(/^1\s+30\s+30\s+0\s+2\s+retrying \(attempt 2, HTTP_500\)$/);
    expect(renderSubscriptions([{ ...sub, status: 'pending', partitions: [] }])).toContain('pending');
  });

  it('dead letters: time, partition, offsets, attempts, error', () => {
    const text = renderDeadLetters([
      { topic: 'orders', partition: 1, firstOffset: 4, lastOffset: 6, recordCount: 3, attempts: 4, failedAt: Date.UTC(2025, 0, 2), error: { code: 'HTTP_500', message: 'boom' } },
    ]);
    expect(text.split('\n')[1]).toMatch(/^2025-01-02T00:00:00.000Z\s+1\s+4\.\.6\s+3\s+4\s+HTTP_500: boom$/);
  });
});
