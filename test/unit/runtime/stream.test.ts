// The stream adapter: a batch's records go to the processor with the invocation's
// deadline, and the records it could not process come back as Lambda's partial batch
// failures (ReportBatchItemFailures), with the processor's summary beside them.
import { describe, expect, it, vi } from 'vitest';
import { SAFETY_MS } from '../../../lib/runtime/events.ts';
import { createStreamHandler } from '../../../lib/runtime/stream.ts';

const logger = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });

describe('createStreamHandler', () => {
  it('answers the failed sequence numbers as batchItemFailures, with the summary', async () => {
    const handler = createStreamHandler('dispatcher', async (records: { id: string }[]) => ({ failed: records.filter((r) => r.id !== '1').map((r) => r.id), dispatched: records.length }), { logger: logger() });
    expect(await handler({ Records: [{ id: '1' }, { id: '2' }, { id: '3' }] })).toEqual({
      batchItemFailures: [{ itemIdentifier: '2' }, { itemIdentifier: '3' }],
      dispatched: 3,
    });
  });

  it('answers an empty list when every record went through (Lambda retries none)', async () => {
    const handler = createStreamHandler('dispatcher', async () => ({ failed: [] }), { logger: logger() });
    expect(await handler({ Records: [] })).toEqual({ batchItemFailures: [] });
  });

  it("gives the processor the invocation's deadline, and none without a context", async () => {
    const runs: { deadline?: number }[] = [];
    const handler = createStreamHandler('dispatcher', async (_records, run) => (runs.push(run), { failed: [] }), { logger: logger() });
    const before = Date.now();
    await handler({ Records: [] }, { getRemainingTimeInMillis: () => 60_000 });
    await handler({ Records: [] });
    expect(runs[0]!.deadline).toBeGreaterThanOrEqual(before + 60_000 - SAFETY_MS);
    expect(runs[0]!.deadline).toBeLessThanOrEqual(Date.now() + 60_000 - SAFETY_MS);
    expect(runs[1]).toEqual({});
  });
});
