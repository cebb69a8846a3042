// The dispatcher against the emulators: stream records in (as Lambda's event source
// mapping delivers them), deliveries to a loopback HTTP target (or a module) out.
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Log } from '../../../lib/log/index.ts';
import { handleEvents } from '../../../lib/runtime/events.ts';
import { createScheduleHandler } from '../../../lib/runtime/schedule.ts';
import { createStreamHandler } from '../../../lib/runtime/stream.ts';
import { readCursor } from '../../../lib/subscriptions/cursorStore.ts';
import { SubscriptionCatalog } from '../../../lib/subscriptions/catalog.ts';
import { Dispatcher, type DispatcherOptions, type PartitionOutcome } from '../../../lib/subscriptions/dispatcher.ts';
import type { DeadLetterRecord, SluiceKafkaEvent } from '../../../lib/subscriptions/model.ts';
import { createSqsSender } from '../../../lib/subscriptions/sqs.ts';
import { dispatcherRuns } from '../../../lib/subscriptions/runs.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver } from '../api/helpers.ts';
import { headRecords, offsetsOf, sleep, startTargetServer, type TargetServer } from './helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;
let log: Log;
let catalog: SubscriptionCatalog;
let target: TargetServer;

/** Fast backoff so retry tests take milliseconds. */
const FAST: DispatcherOptions = { backoff: { baseMs: 5, capMs: 20 }, inlineWaitMs: 500, targetTimeoutMs: 5_000 };
const dispatcher = (opts: DispatcherOptions = {}) => new Dispatcher(storage.clients, { allowModules: true, allowLoopback: true, ...FAST, ...opts });

beforeAll(async () => {
  log = new Log(storage.clients);
  api = apiOver(log);
  catalog = new SubscriptionCatalog(storage.clients);
  target = await startTargetServer();
});

afterAll(async () => {
  await target?.close();
});

async function createTopic(name: string, partitions: number): Promise<string> {
  const r = await api.call({ method: 'POST', url: '/v1/topics', json: { name, partitions } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.topicId as string;
}

async function subscribe(topic: string, body: Record<string, unknown>) {
  const r = await api.call({ method: 'POST', url: `/v1/topics/${topic}/subscriptions`, json: { startingPosition: 'earliest', ...body } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

async function produce(topic: string, records: unknown[]) {
  const r = await api.call({ method: 'POST', url: `/v1/topics/${topic}/records`, json: { encoding: 'string', records } });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.offsets as { partition: number; offset: number }[];
}

const describeSub = async (topic: string, name: string) =>
  (await api.call({ method: 'GET', url: `/v1/topics/${topic}/subscriptions/${name}` })).json;

describe('delivery', () => {
  it('delivers every record of a 3-partition topic in offset order per partition, in Lambda\'s Kafka event shape', async () => {
    const topicId = await createTopic('orders', 3);
    await subscribe('orders', { name: 'billing', target: { type: 'http', url: target.url('/billing') }, batchSize: 4 });
    const sent: { key: string; value: string; partition: number; headers?: Record<string, string> }[] = [];
    for (let i = 0; i < 30; i++) sent.push({ key: `k${i}`, value: `v${i}`, partition: i % 3, headers: { source: 'web', n: String(i) } });
    // Three requests, so partitions get several index entries.
    for (let i = 0; i < 30; i += 10) await produce('orders', sent.slice(i, i + 10));
    await produce('orders', [{ key: null, value: null, partition: 0 }]);

    const report = await dispatcher().handleStreamRecords(await headRecords(storage.clients, topicId, 3));
    expect(report.failed).toEqual([]);

    const events = target.succeeded('/billing');
    for (const e of events) {
      expect(e.eventSource).toBe('sluice');
      expect(e.subscription).toBe('billing');
      expect(Object.keys(e.records)).toHaveLength(1);
      const [key] = Object.keys(e.records);
      expect(key).toMatch(/^orders-[0-2]$/);
      expect(e.records[key!]!.length).toBeGreaterThan(0);
      expect(e.records[key!]!.length).toBeLessThanOrEqual(4);
    }
    for (let p = 0; p < 3; p++) {
      const delivered = events.flatMap((e) => e.records[`orders-${p}`] ?? []);
      const expected = sent.filter((s) => s.partition === p);
      const total = expected.length + (p === 0 ? 1 : 0);
      expect(delivered.map((r) => r.offset)).toEqual(Array.from({ length: total }, (_, i) => i));
      expected.forEach((s, i) => {
        const r = delivered[i]!;
        expect(r).toMatchObject({ topic: 'orders', partition: p, offset: i, timestampType: 'CREATE_TIME' });
        expect(r.timestamp).toEqual(expect.any(Number));
        expect(Buffer.from(r.key!, 'base64').toString()).toBe(s.key);
        expect(Buffer.from(r.value!, 'base64').toString()).toBe(s.value);
        expect(r.headers).toEqual([{ source: [...Buffer.from('web')] }, { n: [...Buffer.from(String(sent.indexOf(s)))] }]);
      });
      if (p === 0) expect(delivered.at(-1)).toMatchObject({ key: null, value: null, headers: [] });
    }
    const described = await describeSub('orders', 'billing');
    expect(described).toMatchObject({ lag: 0, delivered: 31, deadLettered: 0 });

    // A head change that did not move nextOffset (maintenance) dispatches nothing.
    const [still] = await headRecords(storage.clients, topicId, 1);
    still!.dynamodb!.OldImage = still!.dynamodb!.NewImage;
    expect((await dispatcher().handleStreamRecords([still!])).outcomes).toEqual([]);
  });

  it('module targets are imported in-process (dev server only)', async () => {
    const topicId = await createTopic('modules', 1);
    const path = new URL('./fixtures/module-target.ts', import.meta.url).pathname;
    await subscribe('modules', { name: 'mod', target: { type: 'module', path } });
    await produce('modules', [{ value: 'a' }, { value: 'b' }]);
    await dispatcher().handleStreamRecords(await headRecords(storage.clients, topicId, 1));
    const got = (globalThis as { __sluiceModuleTarget?: SluiceKafkaEvent[] }).__sluiceModuleTarget ?? [];
    expect(offsetsOf(got)).toEqual([{ partition: 0, offset: 0 }, { partition: 0, offset: 1 }]);

    // Without allowModules (the deployed dispatcher), a module target is a failure.
    await produce('modules', [{ value: 'c' }]);
    const strict = new Dispatcher(storage.clients, { ...FAST, allowModules: false });
    const report = await strict.handleStreamRecords(await headRecords(storage.clients, topicId, 1));
    expect(report.outcomes[0]).toMatchObject({ delivered: 0, deadLettered: 1, failures: 4 });
    const [dl] = await catalog.deadLetters('modules', 'mod');
    expect(dl!.error.code).toBe('MODULE_TARGET_NOT_ALLOWED');
  });
});

describe('failures', () => {
  it('a target failing twice then succeeding gets the same batch again; nothing is skipped', async () => {
    const topicId = await createTopic('flaky', 1);
    await subscribe('flaky', { name: 'flaky', target: { type: 'http', url: target.url('/flaky') }, batchSize: 3, maxRetries: 3 });
    target.behave('/flaky', (n) => (n < 2 ? 503 : 200));
    await produce('flaky', Array.from({ length: 7 }, (_, i) => ({ value: `r${i}` })));
    const report = await dispatcher().handleStreamRecords(await headRecords(storage.clients, topicId, 1));
    expect(report.outcomes[0]).toMatchObject({ delivered: 7, deadLettered: 0, failures: 2, state: 'caught-up' });

    const calls = target.received('/flaky');
    expect(calls.map((c) => c.status)).toEqual([503, 503, 200, 200, 200]);
    const batches = calls.map((c) => offsetsOf([c.event]).map((o) => o.offset));
    expect(batches).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2], [3, 4, 5], [6]]);
    expect(offsetsOf(target.succeeded('/flaky')).map((o) => o.offset)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await describeSub('flaky', 'flaky')).toMatchObject({ lag: 0, delivered: 7, deadLettered: 0 });
  });

  it('a retry waiting longer than the in-process limit is left to the sweep, which delivers the same batch', async () => {
    const topicId = await createTopic('later-retry', 1);
    await subscribe('later-retry', { name: 's', target: { type: 'http', url: target.url('/later-retry') }, maxRetries: 5 });
    target.behave('/later-retry', (n) => (n < 1 ? 500 : 200));
    await produce('later-retry', [{ value: 'a' }, { value: 'b' }]);
    // The dispatcher's clock stands still unless moved, so a slow machine cannot make the retry due early.
    let clock = Date.now();
    const d = dispatcher({ backoff: { baseMs: 300, capMs: 300 }, inlineWaitMs: 50, now: () => clock });
    const first = await d.handleStreamRecords(await headRecords(storage.clients, topicId, 1));
    expect(first.outcomes[0]).toMatchObject({ state: 'retrying', delivered: 0, failures: 1 });
    expect((await describeSub('later-retry', 's')).partitions[0]).toMatchObject({ attempts: 1, position: 0, lastError: expect.objectContaining({ code: 'HTTP_500' }) });
    // Not due yet: the sweep only notes when to come back.
    expect((await d.sweep()).nextWakeAt).toBeGreaterThan(clock);
    expect(target.received('/later-retry')).toHaveLength(1);
    clock += 350;
    await d.sweep();
    expect(target.received('/later-retry').map((c) => offsetsOf([c.event]).map((o) => o.offset))).toEqual([[0, 1], [0, 1]]);
    expect(await describeSub('later-retry', 's')).toMatchObject({ lag: 0, delivered: 2 });
  });

  it('a target that stops a partition ends the run there: no attempt counted, the cursor stays, the other partitions go on', async () => {
    const topicId = await createTopic('halting', 2);
    await produce('halting', [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }]);
    const sub = { topic: 'halting', name: 'halting', subscriptionId: `halting-${Date.now()}`, createdAt: 0, topicId, target: { type: 'connector' as const, connector: 'halting' }, batchSize: 10, maxBatchingWindowMs: 0, startingPosition: 'earliest' as const, maxRetries: 3 };
    const calls: number[] = [];
    const kind = {
      targetType: 'connector' as const,
      bindings: async () => [sub],
      bound: async () => [{ record: sub, partitions: 2 }],
      deliver: async (_t: unknown, event: SluiceKafkaEvent) => {
        const partition = Object.values(event.records)[0]![0]!.partition;
        calls.push(partition);
        return partition === 1 ? { ok: false as const, error: { code: 'TASK_FAILED', message: 'stopped' }, stop: true as const } : { ok: true as const };
      },
    };

    const report = await dispatcher({ kinds: [kind], subscriptions: false }).handleStreamRecords(await headRecords(storage.clients, topicId, 2));

    const byPartition = Object.fromEntries(report.outcomes.map((o) => [o.partition, o.state]));
    expect(byPartition).toEqual({ 0: 'caught-up', 1: 'stopped' });
    expect(calls.filter((p) => p === 1)).toHaveLength(1);
    expect(await readCursor(storage.clients, { topicId, subscriptionId: sub.subscriptionId, partition: 1 })).toMatchObject({ offset: 0, attempts: 0 });
  });

  it('an always failing target ends in dead letters after maxRetries, the cursor moves on, and another subscription keeps flowing', async () => {
    const topicId = await createTopic('payments', 2);
    await subscribe('payments', {
      name: 'broken',
      target: { type: 'http', url: target.url('/broken') },
      batchSize: 2,
      maxRetries: 2,
      deadLetter: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sluice-dlq' },
    });
    await subscribe('payments', { name: 'healthy', target: { type: 'http', url: target.url('/healthy') }, batchSize: 2 });
    target.behave('/broken', () => 500);
    const sqs: { queueUrl: string; dl: DeadLetterRecord }[] = [];
    await produce('payments', Array.from({ length: 6 }, (_, i) => ({ value: `p${i}`, partition: i % 2 })));

    const d = dispatcher({ sendDeadLetter: async (queueUrl, dl) => (sqs.push({ queueUrl, dl }), `msg-${sqs.length}`) });
    const report = await d.handleStreamRecords(await headRecords(storage.clients, topicId, 2));
    expect(report.failed).toEqual([]);

    // The healthy subscription got everything, in order, whatever the broken one did.
    for (const p of [0, 1]) {
      expect(offsetsOf(target.succeeded('/healthy')).filter((o) => o.partition === p).map((o) => o.offset)).toEqual([0, 1, 2]);
    }
    // Each batch was tried 1 + maxRetries times, then dead-lettered; the cursor moved on.
    expect(target.received('/broken')).toHaveLength(2 * 2 * 3); // 2 partitions x 2 batches x 3 attempts
    const broken = await describeSub('payments', 'broken');
    expect(broken).toMatchObject({ lag: 0, delivered: 0, deadLettered: 6 });
    expect(broken.partitions.map((p: { position: number }) => p.position)).toEqual([3, 3]);

    const res = await api.call({ method: 'GET', url: '/v1/topics/payments/subscriptions/broken/dead-letters' });
    expect(res.status).toBe(200);
    const letters = res.json.deadLetters as DeadLetterRecord[];
    expect(letters).toHaveLength(4);
    const ranges = letters.map((l) => [l.partition, l.firstOffset, l.lastOffset]).sort();
    expect(ranges).toEqual([[0, 0, 1], [0, 2, 2], [1, 0, 1], [1, 2, 2]]);
    for (const l of letters) {
      expect(l).toMatchObject({
        topic: 'payments',
        subscription: 'broken',
        attempts: 3,
        // The status line only: the target's answer body ({"ok":false}) is not echoed.
        error: { code: 'HTTP_500', message: 'HTTP 500 Internal Server Error' },
        destination: { type: 'sqs', queueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/sluice-dlq', messageId: expect.stringMatching(/^msg-/) },
      });
      expect(l.recordCount).toBe(l.lastOffset - l.firstOffset + 1);
      expect(l.failedAt).toEqual(expect.any(Number));
    }
    expect(sqs).toHaveLength(4);
    const listed = (await api.call({ method: 'GET', url: '/v1/topics/payments/subscriptions' })).json.subscriptions;
    expect(listed.find((s: { name: string }) => s.name === 'broken').deadLettered).toBe(6);

    // Later records still flow to the broken one once it recovers.
    target.behave('/broken', () => 200);
    await produce('payments', [{ value: 'late', partition: 1 }]);
    await d.handleStreamRecords(await headRecords(storage.clients, topicId, 2, 3));
    expect(offsetsOf(target.succeeded('/broken'))).toEqual([{ partition: 1, offset: 3 }]);
  });

  it('a queue URL refused at send time gets no request; the dead letter is kept with the reason', async () => {
    const topicId = await createTopic('moved-queue', 1);
    const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/sluice-dlq';
    await subscribe('moved-queue', { name: 's', target: { type: 'http', url: target.url('/moved-queue') }, maxRetries: 0, deadLetter: { type: 'sqs', queueUrl } });
    target.behave('/moved-queue', () => 500);
    await produce('moved-queue', [{ value: 'x' }]);
    const requests: unknown[] = [];
    // The dispatcher runs in another region than the queue: the signed request must not leave.
    const sendDeadLetter = createSqsSender({
      env: { region: 'eu-west-1' },
      clientConfig: { requestHandler: { handle: async (r: unknown) => (requests.push(r), Promise.reject(new Error('no request expected'))) } },
    });

    const report = await dispatcher({ sendDeadLetter }).handleStreamRecords(await headRecords(storage.clients, topicId, 1));

    expect(report.outcomes[0]).toMatchObject({ deadLettered: 1, state: 'caught-up' });
    expect(requests).toEqual([]);
    const [letter] = (await api.call({ method: 'GET', url: '/v1/topics/moved-queue/subscriptions/s/dead-letters' })).json.deadLetters as DeadLetterRecord[];
    expect(letter!.destination).toMatchObject({ type: 'sqs', queueUrl, error: expect.stringContaining('INVALID_TARGET') });
  });

  it('records removed by retention before delivery are dead-lettered as OFFSET_OUT_OF_RANGE, never skipped silently', async () => {
    const topicId = await createTopic('short-lived', 1);
    await subscribe('short-lived', { name: 's', target: { type: 'http', url: target.url('/short-lived') } });
    await produce('short-lived', Array.from({ length: 5 }, (_, i) => ({ value: `x${i}` })));
    // As retention would: advance the log start past offsets 0..2.
    await storage.clients.ddb.send(
      new UpdateItemCommand({
        TableName: storage.clients.names.tables.partitions,
        Key: { topicId: { S: topicId }, partition: { N: '0' } },
        UpdateExpression: 'SET logStartOffset = :s',
        ExpressionAttributeValues: { ':s': { N: '3' } },
      }),
    );
    await dispatcher().handleStreamRecords(await headRecords(storage.clients, topicId, 1));
    expect(offsetsOf(target.succeeded('/short-lived')).map((o) => o.offset)).toEqual([3, 4]);
    const [dl] = await catalog.deadLetters('short-lived', 's');
    expect(dl).toMatchObject({ firstOffset: 0, lastOffset: 2, attempts: 0, error: { code: 'OFFSET_OUT_OF_RANGE' } });
  });
});

describe('batching window', () => {
  it('a short batch waits for the window; a full batch goes at once', async () => {
    const topicId = await createTopic('windowed', 1);
    await subscribe('windowed', { name: 'w', target: { type: 'http', url: target.url('/windowed') }, batchSize: 5, maxBatchingWindowMs: 400 });
    const d = dispatcher({ inlineWaitMs: 0 });

    await produce('windowed', [{ value: 'a' }, { value: 'b' }]);
    const started = Date.now();
    const first = await d.handleStreamRecords(await headRecords(storage.clients, topicId, 1));
    expect(first.outcomes[0]).toMatchObject({ state: 'waiting', delivered: 0 });
    expect(first.outcomes[0]!.wakeAt).toBeGreaterThanOrEqual(started + 400 - 50);
    expect(target.received('/windowed')).toEqual([]);
    // Another dispatcher (the sweep) before the window closed: still nothing.
    await d.sweep();
    expect(target.received('/windowed')).toEqual([]);

    await sleep(450);
    await d.sweep();
    expect(target.received('/windowed')).toHaveLength(1);
    expect(target.received('/windowed')[0]!.at - started).toBeGreaterThanOrEqual(390);
    expect(offsetsOf(target.succeeded('/windowed')).map((o) => o.offset)).toEqual([0, 1]);

    // A full batch does not wait.
    await produce('windowed', Array.from({ length: 5 }, (_, i) => ({ value: `f${i}` })));
    const full = await d.handleStreamRecords(await headRecords(storage.clients, topicId, 1, 2));
    expect(full.outcomes[0]).toMatchObject({ state: 'caught-up', delivered: 5 });
    expect(full.outcomes[0]!.wakeAt).toBeUndefined();
    expect(offsetsOf([target.succeeded('/windowed').at(-1)!]).map((o) => o.offset)).toEqual([2, 3, 4, 5, 6]);
  });

  it('within the in-process limit the dispatcher waits for the window itself, taking records that arrive meanwhile', async () => {
    const topicId = await createTopic('inline-window', 1);
    await subscribe('inline-window', { name: 'w', target: { type: 'http', url: target.url('/inline-window') }, batchSize: 4, maxBatchingWindowMs: 300 });
    await produce('inline-window', [{ value: 'a' }]);
    // The dispatcher's own clock: its wait for the window is where 'b' arrives, however
    // slow the machine, and the time it waits is the time it asked for.
    let clock = Date.now();
    const waits: number[] = [];
    const d = dispatcher({
      inlineWaitMs: 1_000,
      now: () => clock,
      sleep: async (ms) => {
        if (waits.push(ms) === 1) await produce('inline-window', [{ value: 'b' }]);
        clock += ms;
      },
    });
    const started = clock;
    await d.handleStreamRecords(await headRecords(storage.clients, topicId, 1));
    const calls = target.received('/inline-window');
    expect(calls).toHaveLength(1);
    expect(clock - started).toBeGreaterThanOrEqual(290);
    expect(offsetsOf([calls[0]!.event]).map((o) => o.offset)).toEqual([0, 1]);
  });
});

describe('racing dispatchers', () => {
  it('4 dispatchers on the same stream records while producing: every record delivered successfully exactly once, in order', async () => {
    const topicId = await createTopic('race', 2);
    await subscribe('race', { name: 'r', target: { type: 'http', url: target.url('/race') }, batchSize: 3 });
    // A slow, sometimes failing target widens every race window.
    target.behave('/race', async (n) => {
      await sleep(2 + (n % 5) * 3);
      return n % 7 === 3 ? 500 : 200;
    });
    const dispatchers = Array.from({ length: 4 }, () => dispatcher({ backoff: { baseMs: 2, capMs: 10 }, maxBatchBytes: 1 << 20 }));
    const produced = new Set<string>();
    const inflight: Promise<unknown>[] = [];
    const outcomes: PartitionOutcome[] = [];
    for (let round = 0; round < 12; round++) {
      const offsets = await produce('race', Array.from({ length: 5 }, (_, i) => ({ value: `${round}-${i}`, partition: (round + i) % 2 })));
      for (const o of offsets) produced.add(`${o.partition}:${o.offset}`);
      const records = await headRecords(storage.clients, topicId, 2);
      for (const d of dispatchers) inflight.push(d.handleStreamRecords(records).then((r) => outcomes.push(...r.outcomes)));
      await sleep(5);
    }
    await Promise.all(inflight);
    await dispatchers[0]!.sweep();

    const delivered = offsetsOf(target.succeeded('/race'));
    const keys = delivered.map((o) => `${o.partition}:${o.offset}`);
    expect(new Set(keys).size, 'no record delivered twice as a success').toBe(keys.length);
    expect([...keys].sort()).toEqual([...produced].sort());
    for (const p of [0, 1]) {
      const seq = delivered.filter((o) => o.partition === p).map((o) => o.offset);
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
    // The dispatchers really raced: some found the lease taken.
    expect(outcomes.filter((o) => o.state === 'busy').length).toBeGreaterThan(0);
    const cursor = await readCursor(storage.clients, { topicId, subscriptionId: (await describeSub('race', 'r')).subscriptionId, partition: 0 });
    expect(cursor?.leaseOwner).toBeUndefined();
    expect((await describeSub('race', 'r')).lag).toBe(0);
  });
});

/** The deployed function's handler (functions/dispatcher.ts) over a given dispatcher. */
function lambdaHandler(d: Dispatcher) {
  const runs = dispatcherRuns(() => d);
  const sweep = createScheduleHandler('dispatcher', runs.sweep);
  return handleEvents('dispatcher', { stream: createStreamHandler('dispatcher', runs.streamBatch), schedule: sweep, invoke: sweep });
}

describe('the Lambda handler', () => {
  it('answers stream batches with batchItemFailures, and sweeps on the schedule and when invoked directly', async () => {
    const topicId = await createTopic('handler', 1);
    await subscribe('handler', { name: 'h', target: { type: 'http', url: target.url('/handler') } });
    await produce('handler', [{ value: 'a' }]);
    const handler = lambdaHandler(dispatcher());
    const context = { getRemainingTimeInMillis: () => 60_000 };
    expect(await handler({ Records: [] }, context)).toEqual({ batchItemFailures: [], dispatched: 0, delivered: 0, deadLettered: 0 });
    const result = await handler({ Records: (await headRecords(storage.clients, topicId, 1)) as never }, context);
    expect(result).toMatchObject({ batchItemFailures: [], delivered: 1 });
    await produce('handler', [{ value: 'b' }]);
    expect(await handler({ 'detail-type': 'Scheduled Event' }, context)).toMatchObject({ delivered: 1, lagging: 0 });
    await produce('handler', [{ value: 'c' }]);
    expect(await handler({ sweep: true }, context)).toMatchObject({ delivered: 1, lagging: 0 });
    expect(offsetsOf(target.succeeded('/handler')).map((o) => o.offset)).toEqual([0, 1, 2]);
  });

  it('reports the stream records whose dispatch failed on storage', async () => {
    const broken = new Dispatcher({ ...storage.clients, names: { ...storage.clients.names, tables: { ...storage.clients.names.tables, subscriptions: 'no-such-table' } } }, FAST);
    const records = [{ eventName: 'MODIFY', dynamodb: { Keys: { topicId: { S: 'x' }, partition: { N: '0' } }, NewImage: { nextOffset: { N: '1' } }, SequenceNumber: '42' } }];
    const result = (await lambdaHandler(broken)({ Records: records })) as { batchItemFailures: unknown[] };
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '42' }]);
  });
});
