// The produce buffer: arrival order per partition, every partition's batches in one
// shared append (consecutive plain batches merged, each idempotent producer's batches a
// part of their own), a bad batch failing alone, and one flush at a time.
import { describe, expect, it } from 'vitest';
import { CorruptMessageError } from '../../../lib/core/errors.ts';
import { ProduceBuffer } from '../../../lib/gateway/handlers/produce-buffer.ts';
import type { AppendInput, BatchesFor, Log } from '../../../lib/log/index.ts';

function fakeLog(refuse?: (body: Buffer) => boolean) {
  const calls: { topic: string; partition: number; body: string }[] = [];
  /** The appends of several partitions in one object, each as the list of its parts. */
  const shared: { partition: number; body: string }[][] = [];
  const next = new Map<string, number>();
  const commit = (topic: string, partition: number, body: Buffer) => {
    const key = `${topic}/${partition}`;
    const base = next.get(key) ?? 0;
    next.set(key, base + body.length);
    return { partition, baseOffset: base, lastOffset: base + body.length - 1 };
  };
  const log = {
    async append(topic: string, partition: number, input: AppendInput) {
      const body = (input as { batches: Buffer }).batches;
      if (refuse?.(body)) throw new CorruptMessageError('bad batch');
      calls.push({ topic, partition, body: body.toString() });
      return commit(topic, partition, body);
    },
    async appendBatchesMany(items: BatchesFor[]) {
      const good = items.filter((i) => !refuse?.(i.batches));
      shared.push(good.map((i) => ({ partition: i.partition, body: i.batches.toString() })));
      // Items of one partition take its offsets in the order given.
      return items.map((i) =>
        refuse?.(i.batches) ? { status: 'rejected', reason: new CorruptMessageError('bad batch') } : { status: 'fulfilled', value: commit(i.topic, i.partition, i.batches) },
      );
    },
  } as unknown as Log;
  return { log, calls, shared };
}

const add = (b: ProduceBuffer, partition: number, body: string, idempotent = false) =>
  b.add('t', partition, Buffer.from(body), body.length, idempotent);

describe('ProduceBuffer', () => {
  it('merges lingering plain batches of every partition into one shared append, answering each with its own offsets', async () => {
    const { log, calls, shared } = fakeLog();
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const results = [add(buffer, 0, 'aa'), add(buffer, 0, 'bbb'), add(buffer, 1, 'c')];
    buffer.flushNow();
    expect(await Promise.all(results)).toEqual([
      { partition: 0, baseOffset: 0, lastOffset: 1 },
      { partition: 0, baseOffset: 2, lastOffset: 4 },
      { partition: 1, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(shared).toEqual([[{ partition: 0, body: 'aabbb' }, { partition: 1, body: 'c' }]]);
    expect(calls).toEqual([]);
  });

  it("gives each idempotent producer's batches a part of their own, plain ones merged between them, in arrival order, in one shared append", async () => {
    const { log, calls, shared } = fakeLog();
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const results = [add(buffer, 0, 'p1', true), add(buffer, 0, 'x'), add(buffer, 0, 'y'), add(buffer, 0, 'p2', true)];
    await buffer.drain();
    expect(await Promise.all(results)).toEqual([
      { partition: 0, baseOffset: 0, lastOffset: 1 },
      { partition: 0, baseOffset: 2, lastOffset: 2 },
      { partition: 0, baseOffset: 3, lastOffset: 3 },
      { partition: 0, baseOffset: 4, lastOffset: 5 },
    ]);
    expect(shared).toEqual([[{ partition: 0, body: 'p1' }, { partition: 0, body: 'xy' }, { partition: 0, body: 'p2' }]]);
    expect(calls).toEqual([]);
  });

  it('appends a flush of a single idempotent request on its own', async () => {
    const { log, calls, shared } = fakeLog();
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const result = add(buffer, 3, 'p1', true);
    await buffer.drain();
    await expect(result).resolves.toEqual({ partition: 3, baseOffset: 0, lastOffset: 1 });
    expect(calls.map((c) => [c.partition, c.body])).toEqual([[3, 'p1']]);
    expect(shared).toEqual([]);
  });

  it('fails only the bad batch of a merged append', async () => {
    const { log, calls } = fakeLog((body) => body.toString().includes('!'));
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const good = add(buffer, 0, 'ok');
    const bad = add(buffer, 0, 'no!');
    await buffer.drain();
    await expect(good).resolves.toEqual({ partition: 0, baseOffset: 0, lastOffset: 1 });
    await expect(bad).rejects.toBeInstanceOf(CorruptMessageError);
    expect(calls.map((c) => c.body)).toEqual(['ok']);
  });

  it('writes partitions with idempotent batches in the same shared append as the plain partitions', async () => {
    const { log, calls, shared } = fakeLog();
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const results = [add(buffer, 0, 'p1', true), add(buffer, 1, 'a'), add(buffer, 0, 'x'), add(buffer, 2, 'b')];
    await buffer.drain();
    await Promise.all(results);
    expect(calls).toEqual([]);
    expect(shared).toEqual([[{ partition: 0, body: 'p1' }, { partition: 0, body: 'x' }, { partition: 1, body: 'a' }, { partition: 2, body: 'b' }]]);
  });

  it('fails only the idempotent request the log refused and answers the others of the shared append', async () => {
    const { log, shared } = fakeLog((body) => body.toString() === 'gap');
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const ok = add(buffer, 0, 'p1', true);
    const gap = add(buffer, 0, 'gap', true);
    const plain = add(buffer, 1, 'a');
    await buffer.drain();
    await expect(ok).resolves.toEqual({ partition: 0, baseOffset: 0, lastOffset: 1 });
    await expect(gap).rejects.toBeInstanceOf(CorruptMessageError);
    await expect(plain).resolves.toEqual({ partition: 1, baseOffset: 0, lastOffset: 0 });
    expect(shared).toEqual([[{ partition: 0, body: 'p1' }, { partition: 1, body: 'a' }]]);
  });

  it("fails only the bad batch of a shared append's partition and answers the other partitions", async () => {
    const { log, shared } = fakeLog((body) => body.toString().includes('!'));
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const good = add(buffer, 0, 'ok');
    const bad = add(buffer, 1, 'no!');
    await buffer.drain();
    await expect(good).resolves.toEqual({ partition: 0, baseOffset: 0, lastOffset: 1 });
    await expect(bad).rejects.toBeInstanceOf(CorruptMessageError);
    expect(shared).toEqual([[{ partition: 0, body: 'ok' }]]);
  });

  it('flushes at once when the bytes waiting reach the limit', async () => {
    const { log, calls } = fakeLog();
    const buffer = new ProduceBuffer(log, { lingerMs: 60_000, maxBytes: 4 });
    const r = add(buffer, 0, 'abcd');
    await r;
    expect(calls).toHaveLength(1);
  });

  it('writes one flush at a time: what arrives meanwhile goes out together as the next flush once the first ended', async () => {
    const flushes: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const buffer = new ProduceBuffer({} as Log, {
      lingerMs: 0,
      maxBytes: 1 << 20,
      flush: async (_log, entries) => {
        flushes.push(entries.map((e) => e.batches.toString()));
        if (flushes.length === 1) await gate;
        entries.forEach((e, i) => e.resolve({ partition: e.partition, baseOffset: i, lastOffset: i }));
      },
    });
    const first = add(buffer, 0, 'a');
    const later = [add(buffer, 0, 'b'), add(buffer, 1, 'c')];
    await Promise.resolve();
    expect(flushes).toEqual([['a']]);

    release();
    await Promise.all([first, ...later]);

    expect(flushes).toEqual([['a'], ['b', 'c']]);
  });
});
