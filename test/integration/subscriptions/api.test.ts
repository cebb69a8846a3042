// Subscription administration through the Lambda handlers (API Gateway v2 events in,
// proxy results out), against the emulators.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionCatalog } from '../../../lib/subscriptions/catalog.ts';
import { SUBSCRIPTION_DEFAULTS } from '../../../lib/subscriptions/schema.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver, newLog, type Reply } from '../api/helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;

const TOPIC = 'orders';
const PRODUCED = [4, 0, 2];

beforeAll(async () => {
  api = apiOver(newLog(storage.clients));
  ok(await api.call({ method: 'POST', url: '/v1/topics', json: { name: TOPIC, partitions: 3 } }), 201);
  const records = PRODUCED.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ partition, value: { i } })));
  ok(await api.call({ method: 'POST', url: `/v1/topics/${TOPIC}/records`, json: { records } }));
});

const ok = (r: Reply, status = 200): Reply => {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  return r;
};
const expectError = (r: Reply, status: number, code: string): Reply => {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.json.error.code).toBe(code);
  expect(r.json.error.message).toEqual(expect.any(String));
  return r;
};

const target = { type: 'http' as const, url: 'http://127.0.0.1:9/hook' };
const create = (body: unknown, topic = TOPIC) => api.call({ method: 'POST', url: `/v1/topics/${topic}/subscriptions`, json: body });
const list = (topic = TOPIC) => api.call({ method: 'GET', url: `/v1/topics/${topic}/subscriptions` });
const get = (name: string, topic = TOPIC) => api.call({ method: 'GET', url: `/v1/topics/${topic}/subscriptions/${name}` });
const del = (name: string, topic = TOPIC) => api.call({ method: 'DELETE', url: `/v1/topics/${topic}/subscriptions/${name}` });
const deadLetters = (name: string, query = '') => api.call({ method: 'GET', url: `/v1/topics/${TOPIC}/subscriptions/${name}/dead-letters${query}` });

describe('create', () => {
  it('201 with defaults; latest starts every partition at its high watermark', async () => {
    const r = ok(await create({ name: 'billing', target }), 201);
    expect(r.json).toMatchObject({
      topic: TOPIC,
      name: 'billing',
      status: 'active',
      target,
      batchSize: SUBSCRIPTION_DEFAULTS.batchSize,
      maxBatchingWindowMs: 0,
      startingPosition: 'latest',
      maxRetries: 3,
      lag: 0,
      deadLettered: 0,
    });
    expect(r.json.subscriptionId).toEqual(expect.any(String));
    expect(r.json.partitions).toEqual(
      PRODUCED.map((hw, partition) => expect.objectContaining({ partition, position: hw, highWatermark: hw, lag: 0, deadLettered: 0 })),
    );
  });

  it('earliest starts at the log start: the lag is everything produced', async () => {
    const r = ok(
      await create({ name: 'audit', target, startingPosition: 'earliest', batchSize: 10, maxBatchingWindowMs: 500, maxRetries: 0 }),
      201,
    );
    expect(r.json).toMatchObject({ batchSize: 10, maxBatchingWindowMs: 500, maxRetries: 0, startingPosition: 'earliest' });
    expect(r.json.partitions.map((p: { position: number; lag: number }) => [p.position, p.lag])).toEqual(PRODUCED.map((n) => [0, n]));
    expect(r.json.lag).toBe(PRODUCED.reduce((a, b) => a + b, 0));
  });

  it('accepts every target type and a dead-letter queue', async () => {
    ok(await create({ name: 'fn', target: { type: 'lambda', functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:billing:live' } }), 201);
    ok(await create({ name: 'mod', target: { type: 'module', path: './handler.ts' } }), 201);
    const r = ok(
      await create({
        name: 'secure',
        target: { type: 'http', url: 'https://hooks.example.com/sluice' },
        deadLetter: { type: 'sqs', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq' },
      }),
      201,
    );
    expect(r.json.deadLetter).toEqual({ type: 'sqs', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq' });
    // Module paths are stored absolute.
    expect(ok(await get('mod')).json.target.path).toMatch(/^\/.*\/handler\.ts$/);
  });

  it('unknown topic: 404; duplicate name: 409', async () => {
    expectError(await create({ name: 'x', target }, 'no-such-topic'), 404, 'UNKNOWN_TOPIC_OR_PARTITION');
    expectError(await create({ name: 'billing', target }), 409, 'SUBSCRIPTION_ALREADY_EXISTS');
  });

  it.each([
    [{ name: 'bad name', target }, 'INVALID_SUBSCRIPTION_NAME'],
    [{ name: '..', target }, 'INVALID_SUBSCRIPTION_NAME'],
    [{ name: 'a'.repeat(250), target }, 'INVALID_SUBSCRIPTION_NAME'],
    [{ name: 'x', target, batchSize: 0 }, 'INVALID_REQUEST'],
    [{ name: 'x', target, batchSize: 10_001 }, 'INVALID_REQUEST'],
    [{ name: 'x', target, batchSize: 1.5 }, 'INVALID_REQUEST'],
    [{ name: 'x', target, maxBatchingWindowMs: 300_001 }, 'INVALID_REQUEST'],
    [{ name: 'x', target, maxRetries: -1 }, 'INVALID_REQUEST'],
    [{ name: 'x', target, maxRetries: 10_001 }, 'INVALID_REQUEST'],
    [{ name: 'x', target, startingPosition: 'middle' }, 'INVALID_REQUEST'],
    [{ name: 'x', target, extra: 1 }, 'INVALID_REQUEST'],
    [{ name: 'x' }, 'INVALID_REQUEST'],
    [{ name: 'x', target: { type: 'sns', topicArn: 'x' } }, 'INVALID_REQUEST'],
    [{ name: 'x', target: { type: 'http', url: 'http://example.com/hook' } }, 'INVALID_TARGET'],
    [{ name: 'x', target: { type: 'http', url: 'ftp://127.0.0.1/hook' } }, 'INVALID_TARGET'],
    [{ name: 'x', target: { type: 'http', url: 'not a url' } }, 'INVALID_TARGET'],
    [{ name: 'x', target: { type: 'lambda', functionArn: 'billing' } }, 'INVALID_TARGET'],
    [{ name: 'x', target, deadLetter: { type: 'sqs', queueUrl: 'http://sqs.example.com/1/q' } }, 'INVALID_TARGET'],
  ])('400 for %j', async (body, code) => {
    const r = expectError(await create(body), 400, code);
    if (code === 'INVALID_REQUEST' && r.json.error.fields?.length) expect(r.json.error.fields[0]).toEqual(expect.any(String));
    // Nothing was written.
    expectError(await get('x'), 404, 'UNKNOWN_SUBSCRIPTION');
  });

  it('batchSize out of range names the field', async () => {
    const r = expectError(await create({ name: 'x', target, batchSize: 0 }), 400, 'INVALID_REQUEST');
    expect(r.json.error.fields).toEqual(['batchSize']);
    expect(r.json.error.message).toContain('batchSize');
  });

  describe('deployed (inside Lambda)', () => {
    afterEach(() => {
      delete process.env.AWS_LAMBDA_FUNCTION_NAME;
      delete process.env.AWS_REGION;
    });

    it('refuses targets on metadata, loopback and private addresses, and queues outside the stack\'s SQS region', async () => {
      process.env.AWS_LAMBDA_FUNCTION_NAME = 'sluice-subscriptions';
      process.env.AWS_REGION = 'eu-west-1';
      const https = (url: string) => ({ name: 'x', target: { type: 'http', url } });
      for (const url of ['https://169.254.169.254/latest/meta-data/', 'https://metadata.google.internal/', 'https://localhost/x', 'https://10.0.0.1/x', 'https://[fd00:ec2::254]/']) {
        expect(expectError(await create(https(url)), 400, 'INVALID_TARGET').json.error.fields).toEqual(['target.url']);
      }
      for (const queueUrl of ['https://169.254.169.254/123456789012/q', 'https://evil.example/123456789012/q', 'https://sqs.us-east-1.amazonaws.com/123456789012/q']) {
        const body = { ...https('https://hooks.example.com/x'), deadLetter: { type: 'sqs', queueUrl } };
        expect(expectError(await create(body), 400, 'INVALID_TARGET').json.error.fields).toEqual(['deadLetter.queueUrl']);
      }
      expectError(await get('x'), 404, 'UNKNOWN_SUBSCRIPTION');
      const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/q';
      ok(await create({ ...https('https://hooks.example.com/x'), name: 'regional-dlq', deadLetter: { type: 'sqs', queueUrl } }), 201);
    });

    it('refuses module targets and plain http, even to loopback', async () => {
      process.env.AWS_LAMBDA_FUNCTION_NAME = 'sluice-subscriptions';
      expectError(await create({ name: 'x', target: { type: 'module', path: '/h.ts' } }), 400, 'INVALID_TARGET');
      expectError(await create({ name: 'x', target: { type: 'http', url: 'http://127.0.0.1/hook' } }), 400, 'INVALID_TARGET');
      ok(await create({ name: 'deployed-https', target: { type: 'http', url: 'https://hooks.example.com/x' } }), 201);
    });
  });
});

describe('read and delete', () => {
  it('lists every subscription of the topic with position and lag per partition', async () => {
    const r = ok(await list());
    const names = r.json.subscriptions.map((s: { name: string }) => s.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['audit', 'billing']));
    const audit = r.json.subscriptions.find((s: { name: string }) => s.name === 'audit');
    expect(audit.partitions).toHaveLength(3);
    expect(audit.partitions[0]).toMatchObject({ partition: 0, position: 0, highWatermark: 4, lag: 4, delivered: 0, deadLettered: 0 });
    expect(audit).toMatchObject({ lag: 6, deadLettered: 0 });
  });

  it('unknown topic without subscriptions: 404', async () => {
    expectError(await list('no-such-topic'), 404, 'UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('describes one; an unknown one is 404 UNKNOWN_SUBSCRIPTION', async () => {
    expect(ok(await get('billing')).json).toMatchObject({ name: 'billing', status: 'active' });
    expectError(await get('nope'), 404, 'UNKNOWN_SUBSCRIPTION');
    expectError(await get('bad name'), 400, 'INVALID_SUBSCRIPTION_NAME');
  });

  it('dead letters: empty list; limit checked; unknown subscription 404', async () => {
    expect(ok(await deadLetters('billing')).json).toEqual({ deadLetters: [] });
    ok(await deadLetters('billing', '?limit=5'));
    expectError(await deadLetters('billing', '?limit=0'), 400, 'INVALID_REQUEST');
    expectError(await deadLetters('nope'), 404, 'UNKNOWN_SUBSCRIPTION');
  });

  it('delete: 204, then gone (404); the name can be created again, fresh', async () => {
    const before = ok(await get('fn')).json.subscriptionId;
    expect((await del('fn')).status).toBe(204);
    expectError(await get('fn'), 404, 'UNKNOWN_SUBSCRIPTION');
    expectError(await del('fn'), 404, 'UNKNOWN_SUBSCRIPTION');
    const again = ok(await create({ name: 'fn', target }), 201);
    expect(again.json.subscriptionId).not.toBe(before);
  });
});

describe('pending subscriptions (created before their topic, as the CDK does)', () => {
  it('stay pending until the topic exists, then start at its log start', async () => {
    const catalog = new SubscriptionCatalog(storage.clients);
    await catalog.createRecord(
      'later',
      'early-bird',
      { target, batchSize: 5, maxBatchingWindowMs: 0, startingPosition: 'latest', maxRetries: 1 },
      { allowPending: true },
    );
    const pending = ok(await list('later')).json.subscriptions;
    expect(pending).toEqual([expect.objectContaining({ name: 'early-bird', status: 'pending', topicId: null, partitions: [] })]);

    ok(await api.call({ method: 'POST', url: '/v1/topics', json: { name: 'later', partitions: 2 } }), 201);
    ok(await api.call({ method: 'POST', url: '/v1/topics/later/records', json: { records: [{ partition: 1, value: 1 }] } }));
    const active = ok(await get('early-bird', 'later')).json;
    expect(active).toMatchObject({ status: 'active', lag: 1 });
    expect(active.partitions[1]).toMatchObject({ position: 0, highWatermark: 1, lag: 1 });
  });

  it('follow a topic deleted and created again to its new incarnation', async () => {
    ok(await create({ name: 'follower', target }, 'later'), 201);
    const first = ok(await get('follower', 'later')).json.topicId;
    expect((await api.call({ method: 'DELETE', url: '/v1/topics/later' })).status).toBe(204);
    ok(await api.call({ method: 'POST', url: '/v1/topics', json: { name: 'later', partitions: 1 } }), 201);
    const now = ok(await get('follower', 'later')).json;
    expect(now.status).toBe('active');
    expect(now.topicId).not.toBe(first);
    expect(now.partitions).toHaveLength(1);
  });
});
