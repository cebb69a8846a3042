// The produce buffer: arrival order per partition, merged appends for plain batches,
// separate appends for idempotent ones, and a bad batch failing alone.
import { describe, expect, it } from 'vitest';
import { CorruptMessageError } from '../../../lib/core/errors.ts';
import { ProduceBuffer } from '../../../lib/gateway/handlers/produce-buffer.ts';
import type { AppendInput, Log } from '../../../lib/log/index.ts';

function fakeLog(refuse?: (body: Buffer) => boolean) {
  const calls: { topic: string; partition: number; body: string }[] = [];
  const next = new Map<string, number>();
  const log = {
    async append(topic: string, partition: number, input: AppendInput) {
      const body = (input as { batches: Buffer }).batches;
      if (refuse?.(body)) throw new CorruptMessageError('bad batch');
      calls.push({ topic, partition, body: body.toString() });
      const key = `${topic}/${partition}`;
      const base = next.get(key) ?? 0;
      next.set(key, base + body.length);
      return { partition, baseOffset: base, lastOffset: base + body.length - 1 };
    },
  } as unknown as Log;
  return { log, calls };
}

const add = (b: ProduceBuffer, partition: number, body: string, idempotent = false) =>
  b.add('t', partition, Buffer.from(body), body.length, idempotent);

describe('ProduceBuffer', () => {
  it('merges lingering plain batches of a partition into one append, answering each with its own offsets', async () => {
    const { log, calls } = fakeLog();
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const results = [add(buffer, 0, 'aa'), add(buffer, 0, 'bbb'), add(buffer, 1, 'c')];
    buffer.flushNow();
    expect(await Promise.all(results)).toEqual([
      { partition: 0, baseOffset: 0, lastOffset: 1 },
      { partition: 0, baseOffset: 2, lastOffset: 4 },
      { partition: 1, baseOffset: 0, lastOffset: 0 },
    ]);
    expect(calls).toEqual([{ topic: 't', partition: 0, body: 'aabbb' }, { topic: 't', partition: 1, body: 'c' }]);
  });

  it('appends idempotent batches one by one, in arrival order', async () => {
    const { log, calls } = fakeLog();
    const buffer = new ProduceBuffer(log, { lingerMs: 1_000, maxBytes: 1 << 20 });
    const results = [add(buffer, 0, 'p1', true), add(buffer, 0, 'x'), add(buffer, 0, 'y'), add(buffer, 0, 'p2', true)];
    await buffer.drain();
    await Promise.all(results);
    expect(calls.map((c) => c.body)).toEqual(['p1', 'xy', 'p2']);
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

  it('flushes at once when the bytes waiting reach the limit', async () => {
    const { log, calls } = fakeLog();
    const buffer = new ProduceBuffer(log, { lingerMs: 60_000, maxBytes: 4 });
    const r = add(buffer, 0, 'abcd');
    await r;
    expect(calls).toHaveLength(1);
  });
});
