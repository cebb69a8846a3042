// The Reader against an in-memory API: bounds, start positions, limits, turns, and the
// trouble it handles itself (retention passing it, a truncated log, retriable failures).
import { describe, expect, it } from 'vitest';
import { OffsetOutOfRangeError, UnknownTopicOrPartitionError, type ReadBatch, type ReaderOptions } from '../../../lib/client/index.ts';
import { FakeApi, type FakeRecord } from '../../support/fakeApi.ts';

const recs = (p: number, n: number): FakeRecord[] => Array.from({ length: n }, (_, i) => ({ key: `k${p}`, value: `p${p}-${i}` }));

function topic(...partitions: FakeRecord[][]): FakeApi {
  const api = new FakeApi();
  api.addTopic('t', partitions);
  return api;
}

/** Reads to the end; `each` runs after every batch. */
async function readAll(api: FakeApi, opts: Partial<ReaderOptions> = {}, each?: (b: ReadBatch) => void) {
  const reader = api.sluice().reader({ topic: 't', from: 'earliest', ...opts });
  const events: string[] = [];
  reader.on('skipped', (e) => events.push(`skipped ${e.partition} ${e.from}->${e.to}`));
  reader.on('stalled', (e) => events.push(`stalled ${e.partition} at ${e.offset}`));
  reader.on('warning', (e) => events.push(`warning ${(e as OffsetOutOfRangeError).code}`));
  const got: string[] = [];
  for await (const batch of reader) {
    got.push(...batch.records.map((r) => `${r.partition}/${r.offset}=${r.value}`));
    each?.(batch);
  }
  return { got, events };
}

describe('Reader', () => {
  it('reads each partition in offset order up to the end it saw at the start', async () => {
    const api = topic(recs(0, 5), recs(1, 4));
    const { got } = await readAll(api, {}, () => api.append('t', 0, [{ key: null, value: 'late' }]));
    for (const [p, n] of [[0, 5], [1, 4]] as const) {
      expect(got.filter((g) => g.startsWith(`${p}/`))).toEqual(recs(p, n).map((r, i) => `${p}/${i}=${r.value}`));
    }
  });

  it('starts at the end, an offset, an offset from the end, or a time', async () => {
    const api = topic(recs(0, 10));
    expect((await readAll(api, { from: 'latest' })).got).toEqual([]);
    expect((await readAll(api, { from: { offset: 8 } })).got).toEqual(['0/8=p0-8', '0/9=p0-9']);
    expect((await readAll(api, { from: { fromEnd: 1 } })).got).toEqual(['0/9=p0-9']);
    expect((await readAll(api, { from: { timestamp: 1008 } })).got).toEqual(['0/8=p0-8', '0/9=p0-9']);
  });

  it('refuses an offset outside a partition and a partition that does not exist', async () => {
    const api = topic(recs(0, 3));
    await expect(readAll(api, { from: { offset: 4 } })).rejects.toMatchObject({
      code: 'OFFSET_OUT_OF_RANGE',
      message: "Offset 4 is out of range for partition 0 of 't' (log start 0, high watermark 3).",
    });
    await expect(readAll(api, { partitions: [2] })).rejects.toBeInstanceOf(UnknownTopicOrPartitionError);
  });

  it('stops after the limit, asking for no more records than it still needs', async () => {
    const api = topic(recs(0, 10), recs(1, 10));
    const { got } = await readAll(api, { limit: 4 });
    expect(got).toHaveLength(4);
    expect(api.fetches.every((f) => f.maxRecords <= 4)).toBe(true);
  });

  it('lets partitions take turns when one fetch at a time is allowed', async () => {
    const api = topic(recs(0, 9), recs(1, 9));
    await readAll(api, { concurrency: 1 });
    expect(api.fetches.slice(0, 6).map((f) => f.partition)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('skips records retention removed under it, and says so', async () => {
    const api = topic(recs(0, 9));
    const { got, events } = await readAll(api, {}, (b) => {
      if (b.records[0]!.offset === 0) api.reshape('t', 0, { logStart: 6 });
    });
    expect(got).toEqual(['0/0=p0-0', '0/1=p0-1', '0/2=p0-2', '0/6=p0-6', '0/7=p0-7', '0/8=p0-8']);
    expect(events).toEqual(['skipped 0 3->6']);
  });

  it('stops a partition whose log was cut below its end, and says so', async () => {
    const api = topic(recs(0, 9));
    const { got, events } = await readAll(api, {}, (b) => {
      if (b.records[0]!.offset === 0) api.reshape('t', 0, { length: 2 });
    });
    expect(got).toEqual(['0/0=p0-0', '0/1=p0-1', '0/2=p0-2']);
    expect(events).toEqual(['skipped 0 3->2', 'stalled 0 at 2']);
  });

  it('retries a retriable failure with a warning; gives up when no retries are left', async () => {
    const flaky = (api: FakeApi) => {
      let failed = false;
      api.intercept = (req) => {
        if (failed || !req.url.pathname.endsWith('/records')) return undefined;
        failed = true;
        return Response.json({ error: { code: 'REQUEST_TIMED_OUT', message: 'busy' } }, { status: 503 });
      };
      return api;
    };
    const { got, events } = await readAll(flaky(topic(recs(0, 2))), { retryBackoffMs: 1 });
    expect(got).toEqual(['0/0=p0-0', '0/1=p0-1']);
    expect(events).toEqual(['warning REQUEST_TIMED_OUT']);
    await expect(readAll(flaky(topic(recs(0, 2))), { retries: 0 })).rejects.toMatchObject({ code: 'REQUEST_TIMED_OUT' });
  });

  it('following, reads what arrives later until its signal aborts', async () => {
    const api = topic(recs(0, 1));
    const stop = new AbortController();
    const { got } = await readAll(api, { follow: true, waitMs: 1_000, signal: stop.signal }, (b) => {
      if (b.records.at(-1)!.offset === 0) api.append('t', 0, [{ key: null, value: 'later' }]);
      else stop.abort();
    });
    expect(got).toEqual(['0/0=p0-0', '0/1=later']);
    expect(api.fetches.every((f) => f.waitMs === 1_000)).toBe(true);
  });

  it('hands out records one at a time, and close() ends the read', async () => {
    const reader = topic(recs(0, 5)).sluice().reader({ topic: 't', from: 'earliest' });
    const got: number[] = [];
    for await (const r of reader.records()) {
      got.push(r.offset);
      if (r.offset === 1) reader.close();
    }
    expect(got).toEqual([0, 1, 2]);
  });
});
