// The SDK's transactional producer against a real dev server: commit on resolve, abort on
// throw, zombie fencing, and read-process-write copying through a consumer group while a
// member dies half-way (exactly once).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { InvalidTxnStateError, ProducerFencedError, Sluice, type ConsumerOptions } from '../../../lib/client/index.ts';
import { useDevServer } from './devServer.ts';

const dev = useDevServer();
const name = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function topics(sluice: Sluice, partitions: number, count = 2): Promise<string[]> {
  const names = Array.from({ length: count }, () => name('t'));
  for (const t of names) await sluice.admin().createTopic({ name: t, partitions });
  return names;
}

/** Every value of a topic, read without a group. */
async function values(sluice: Sluice, topic: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of sluice.reader({ topic, from: 'earliest' })) for (const r of batch.records) out.push(r.value!.toString());
  return out;
}

describe('a transactional producer', () => {
  it('commits everything sent in the function at once, and answers every record its offset', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const [a, b] = await topics(sluice, 2);
    const producer = sluice.producer({ transactionalId: name('tx') });

    const sent = await producer.transaction(async (tx) => {
      await tx.send({ topic: a!, key: 'k', value: 'one' });
      await tx.send([{ topic: b!, partition: 1, value: 'two' }, { topic: a!, key: 'k', value: 'three' }]);
    });

    expect(sent).toEqual([
      { topic: a, partition: expect.any(Number), offset: 0 },
      { topic: b, partition: 1, offset: 0 },
      { topic: a, partition: sent[0]!.partition, offset: 1 },
    ]);
    expect(await values(sluice, a!)).toEqual(['one', 'three']);
    expect(await values(sluice, b!)).toEqual(['two']);
  });

  it('aborts when the function throws: the error comes back and nothing is visible', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const [a] = await topics(sluice, 1, 1);
    const producer = sluice.producer({ transactionalId: name('tx'), batchBytes: 16 });
    const boom = new Error('boom');

    const err = await producer
      .transaction(async (tx) => {
        await tx.send({ topic: a!, value: 'staged already (the batch is full)' });
        throw boom;
      })
      .catch((e) => e);
    await producer.transaction((tx) => tx.send({ topic: a!, value: 'next' }));

    expect(err).toBe(boom);
    expect(await values(sluice, a!)).toEqual(['next']);
  });

  it('a zombie is fenced once a newer instance with the same id starts, and writes nothing', async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const [a] = await topics(sluice, 1, 1);
    const id = name('tx');
    const zombie = sluice.producer({ transactionalId: id });
    await zombie.transaction((tx) => tx.send({ topic: a!, value: 'before' }));
    const fresh = sluice.producer({ transactionalId: id });
    await fresh.transaction((tx) => tx.send({ topic: a!, value: 'fresh' }));

    const err = await zombie.transaction((tx) => tx.send({ topic: a!, value: 'zombie' })).catch((e) => e);

    expect(err).toBeInstanceOf(ProducerFencedError);
    await expect(zombie.transaction(() => undefined)).rejects.toBeInstanceOf(ProducerFencedError);
    expect(await values(sluice, a!)).toEqual(['before', 'fresh']);
  });

  it('refuses plain send() with InvalidTxnStateError', async () => {
    const producer = new Sluice({ endpoint: dev.url }).producer({ transactionalId: name('tx') });

    await expect(producer.send({ topic: 'x', value: 'v' })).rejects.toBeInstanceOf(InvalidTxnStateError);
  });
});

describe('read-process-write', () => {
  it('copies A to B through a group while a member dies half-way: B holds every record of A exactly once', { timeout: 120_000 }, async () => {
    const sluice = new Sluice({ endpoint: dev.url });
    const [a, b] = await topics(sluice, 3);
    const source = sluice.producer({ lingerMs: 1 });
    const N = 120;
    await Promise.all(Array.from({ length: N }, (_, i) => source.send({ topic: a!, key: `k${i}`, value: `v${i}` })));
    await source.close();
    const group = name('copy');
    const opts: ConsumerOptions = { groupId: group, topics: [a!], fromBeginning: true, maxRecords: 5, sessionTimeoutMs: 2_000, heartbeatIntervalMs: 200, waitMs: 500, autoCommit: false };

    // The member that dies: after its third batch is staged, every request it makes fails,
    // so its commit never arrives, its session runs out, and its partitions move.
    let dead = false;
    let batches = 0;
    const dying = new Sluice({
      endpoint: dev.url,
      fetch: (async (url: string | URL | Request, init?: RequestInit) => {
        if (dead) return new Response(JSON.stringify({ error: { code: 'CLUSTER_AUTHORIZATION_FAILED', message: 'dead' } }), { status: 403, headers: { 'content-type': 'application/json' } });
        if (String(url).endsWith('/commit') && batches >= 3) dead = true;
        return fetch(url, init);
      }) as typeof fetch,
    });
    const copier = (s: Sluice, id: string) => {
      const consumer = s.consumer(opts);
      const producer = s.producer({ transactionalId: id });
      const running = consumer.run({
        eachBatch: async (batch) => {
          batches++;
          await producer.transaction(async (tx) => {
            await tx.send(batch.records.map((r) => ({ topic: b!, key: r.key, value: r.value })));
            tx.sendOffsets({ consumer, offsets: [{ topic: batch.topic, partition: batch.partition, offset: batch.records.at(-1)!.offset + 1 }] });
          });
        },
      });
      return { consumer, running: running.catch(() => undefined) };
    };

    const first = copier(dying, name('copier-1'));
    await until('the first member to copy a little', () => batches >= 3);
    const second = copier(sluice, name('copier-2'));
    await until('B to hold as many records as A', async () => (await values(sluice, b!)).length >= N);
    await sleep(500);
    await second.consumer.close();
    await Promise.all([first.running, second.running]);

    const copied = await values(sluice, b!);
    expect(dead).toBe(true);
    expect(copied).toHaveLength(N);
    expect(new Set(copied)).toEqual(new Set(Array.from({ length: N }, (_, i) => `v${i}`)));
  });
});
