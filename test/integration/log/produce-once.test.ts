// Produce with an Idempotency-Key happens once, whatever crashes when: a retry finds
// either nothing of the request committed, or its answer; on a request spanning several
// partitions, it re-drives exactly the partitions that never committed. Crashes are
// injected between every two steps (a "process" whose SDK calls fail from a given call
// on, before or after that call reaches the service), for one and several partitions.
import { describe, expect, it } from 'vitest';
import { Log, type PreparedRecord, type ProducedRecord } from '../../../lib/log/index.ts';
import { REQUEST_LEASE_MS } from '../../../lib/log/produce.ts';
import { createStorageClients, destroyStorageClients, type StorageClients } from '../../../lib/storage/clients.ts';
import { useTestStorage } from '../../support/stack.ts';
import { expectDenseOffsets, readAll } from '../../support/log.ts';

const storage = useTestStorage();
let n = 0;
const T0 = 1_800_000_000_000;

async function topic(partitions: number) {
  const t = await new Log(storage.clients).createTopic({ name: `once${n++}`, partitions });
  return { name: t.name, topicId: t.topicId };
}

const record = (value: string, partition?: number): PreparedRecord => ({
  record: { key: null, value: Buffer.from(value), timestamp: T0 },
  ...(partition !== undefined ? { partition } : {}),
});
const ONE_PARTITION = [record('a', 0), record('b', 0)];
/** Two named partitions and keyless records on the request's sticky one (of three). */
const SPREAD = [record('a', 0), record('b', 1), record('c'), record('d')];

const text = (b: Buffer | null) => b!.toString('utf8');
const offsetsOf = (answer: ProducedRecord[]) =>
  answer.map((r) => {
    if ('error' in r) throw new Error(`partition ${r.partition} failed: ${String(r.error)}`);
    return r;
  });

/** The request's records are stored once each, at the offsets the answer gives. */
async function expectStoredOnce(name: string, topicId: string, request: PreparedRecord[], answer: ProducedRecord[]) {
  const log = new Log(storage.clients);
  const offsets = offsetsOf(answer);
  for (const p of new Set(offsets.map((o) => o.partition))) {
    const stored = await readAll(log, name, p);
    const expected = offsets.flatMap((o, i) => (o.partition === p ? [{ offset: o.offset, value: text(request[i]!.record.value) }] : []));
    expect(stored.map((r) => ({ offset: r.offset, value: r.value }))).toEqual(expected);
    await expectDenseOffsets(storage.clients, topicId, p);
  }
}

/**
 * Clients of a process that dies at its `step`-th SDK call (DynamoDB and S3 counted
 * together): `before` the call is sent, or `after` it took effect. From then on every
 * call fails, and so does every response still on its way.
 */
function dyingClients(step: number, when: 'before' | 'after'): { clients: StorageClients; calls: () => number } {
  const clients = createStorageClients(storage.config);
  let calls = 0;
  let dead = false;
  const gone = () => new Error('the process is gone');
  for (const client of [clients.ddb, clients.s3]) {
    (client.middlewareStack as any).add(
      (next: any) => async (args: any) => {
        if (dead) throw gone();
        if (++calls === step && when === 'before') {
          dead = true;
          throw gone();
        }
        const out = await next(args);
        if (calls >= step && when === 'after') dead = true;
        if (dead) throw gone();
        return out;
      },
      { step: 'initialize', name: 'dies', priority: 'high' },
    );
  }
  return { clients, calls: () => calls };
}

/** How many SDK calls a clean run of the request makes. */
async function stepsOf(partitions: number, request: PreparedRecord[]): Promise<number> {
  const { name } = await topic(partitions);
  const { clients, calls } = dyingClients(Number.MAX_SAFE_INTEGER, 'before');
  await new Log(clients, { now: () => T0 }).produce(name, request, { idempotencyKey: 'count' });
  destroyStorageClients(clients);
  return calls();
}

async function crashThenRetry(partitions: number, request: PreparedRecord[], step: number, when: 'before' | 'after') {
  const { name, topicId } = await topic(partitions);
  const dying = dyingClients(step, when);
  const doomed = new Log(dying.clients, { now: () => T0, commit: { maxAttempts: 2, backoffCapMs: 1 } });
  await doomed.produce(name, request, { idempotencyKey: 'k' }).catch(() => undefined);
  destroyStorageClients(dying.clients);

  // The client retries once the dead attempt's lease has run out.
  const survivor = new Log(storage.clients, { now: () => T0 + REQUEST_LEASE_MS + 1 });
  const answer = await survivor.produce(name, request, { idempotencyKey: 'k' });
  const again = await survivor.produce(name, request, { idempotencyKey: 'k' });

  expect(again).toEqual(answer);
  await expectStoredOnce(name, topicId, request, answer);
}

describe('Idempotency-Key produce survives a crash between any two steps', () => {
  for (const [what, partitions, request] of [
    ['one partition', 1, ONE_PARTITION],
    ['several partitions', 3, SPREAD],
  ] as const) {
    it(`${what}: every crash point, before and after each call`, { timeout: 120_000 }, async () => {
      const steps = await stepsOf(partitions, [...request]);
      // Claim, upload, topic check, head reads, one commit, release: one upload and one
      // commit whatever the request's partitions.
      expect(steps).toBeGreaterThanOrEqual(partitions === 1 ? 7 : 8);
      for (let step = 1; step <= steps; step++) {
        for (const when of ['before', 'after'] as const) await crashThenRetry(partitions, [...request], step, when);
      }
    });
  }
});

describe('Idempotency-Key produce', () => {
  it('answers a repeat with the first offsets and writes nothing more', async () => {
    const { name, topicId } = await topic(3);
    const log = new Log(storage.clients);

    const first = await log.produce(name, SPREAD, { idempotencyKey: 'r1' });
    const repeat = await new Log(storage.clients).produce(name, SPREAD, { idempotencyKey: 'r1' });

    expect(repeat).toEqual(first);
    await expectStoredOnce(name, topicId, SPREAD, first);
  });

  it('tells an attempt to retry while another holds the request, and answers it once complete', async () => {
    const { name } = await topic(1);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow = createStorageClients(storage.config);
    (slow.s3.middlewareStack as any).add((next: any) => async (args: any) => (await held, next(args)), { step: 'initialize', name: 'hold' });
    const first = new Log(slow).produce(name, ONE_PARTITION, { idempotencyKey: 'r2' });
    await new Promise((r) => setTimeout(r, 200));

    const concurrent = await new Log(storage.clients).produce(name, ONE_PARTITION, { idempotencyKey: 'r2' }).catch((e) => e);
    release();
    const answer = await first;
    destroyStorageClients(slow);

    expect(concurrent).toMatchObject({ code: 'CONCURRENT_TRANSACTIONS', retriable: true });
    expect(await new Log(storage.clients).produce(name, ONE_PARTITION, { idempotencyKey: 'r2' })).toEqual(answer);
  });

  it('refuses the same key for other records', async () => {
    const { name } = await topic(1);
    await new Log(storage.clients).produce(name, ONE_PARTITION, { idempotencyKey: 'r3' });

    await expect(new Log(storage.clients).produce(name, [record('other', 0)], { idempotencyKey: 'r3' })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      status: 400,
    });
  });

  it('a lost commit response while another writer moves the head is answered from the recorded result', async () => {
    const { name, topicId } = await topic(1);
    const log = new Log(storage.clients);
    let fired = false;
    (storage.clients.ddb.middlewareStack as any).add(
      (next: any, ctx: any) => async (args: any) => {
        if (ctx.commandName !== 'TransactWriteItemsCommand' || fired) return next(args);
        fired = true;
        await next(args); // the commit and its result land...
        await new Log(storage.clients).append(name, 0, { records: [{ key: null, value: Buffer.from('rival') }] });
        throw Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError' }); // ...the response is lost
      },
      { step: 'initialize', name: 'lost-then-rival', priority: 'high' },
    );

    const answer = await log
      .produce(name, ONE_PARTITION, { idempotencyKey: 'r4' })
      .finally(() => (storage.clients.ddb.middlewareStack as any).remove('lost-then-rival'));

    expect(offsetsOf(answer).map((o) => o.offset)).toEqual([0, 1]);
    expect((await readAll(log, name, 0)).map((r) => r.value)).toEqual(['a', 'b', 'rival']);
    await expectDenseOffsets(storage.clients, topicId, 0);
  });

  it('answers with the offsets although giving the lease back failed', async () => {
    const { name, topicId } = await topic(1);
    const failing = createStorageClients(storage.config);
    let updates = 0;
    (failing.ddb.middlewareStack as any).add(
      (next: any, ctx: any) => async (args: any) => {
        // The claim (the first UpdateItem) goes through; giving the lease back fails.
        if (ctx.commandName === 'UpdateItemCommand' && ++updates > 1) {
          throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'release-fails', priority: 'high' },
    );

    const answer = await new Log(failing, { now: () => T0 }).produce(name, ONE_PARTITION, { idempotencyKey: 'r5' }).catch((e) => e);
    destroyStorageClients(failing);

    expect(Array.isArray(answer), String(answer)).toBe(true);
    await expectStoredOnce(name, topicId, ONE_PARTITION, answer);
  });

  it('a retry re-drives the commit that failed and not the one that committed', async () => {
    // 40 partitions with a key take two commits (33 + 7: partitionsPerCommit(1)); the
    // second one, whose first head is partition 33's, is refused.
    const { name, topicId } = await topic(40);
    const request = Array.from({ length: 40 }, (_, p) => record(`p${p}`, p));
    const failing = createStorageClients(storage.config);
    (failing.ddb.middlewareStack as any).add(
      (next: any, ctx: any) => async (args: any) => {
        const p = args.input?.TransactItems?.[0]?.Update?.Key?.partition?.N;
        if (ctx.commandName === 'TransactWriteItemsCommand' && p === '33') {
          throw Object.assign(new Error('denied'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'fail-p33', priority: 'high' },
    );

    const partial = await new Log(failing).produce(name, request, { idempotencyKey: 'r6' });
    destroyStorageClients(failing);
    const retried = await new Log(storage.clients).produce(name, request, { idempotencyKey: 'r6' });

    expect(partial.slice(0, 33)).toEqual(request.slice(0, 33).map((_, p) => ({ partition: p, offset: 0 })));
    for (const [i, r] of partial.slice(33).entries()) expect(r).toMatchObject({ partition: 33 + i, error: expect.anything() });
    expect(retried).toEqual(request.map((_, p) => ({ partition: p, offset: 0 })));
    await expectStoredOnce(name, topicId, request, retried);
  });
});
