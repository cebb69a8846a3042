// Consumer groups through the Lambda handlers, against the emulators: API Gateway v2
// events in (buildV2Event), proxy results out, the real Log, Groups and storage below.
import { beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../../lib/local/apiGateway.ts';
import { FUNCTIONS, ROUTES } from '../../../lib/api/routes.ts';
import { useTestStorage } from '../../support/stack.ts';
import { apiOver, newLog, parseReply, toEvent, type Reply } from './helpers.ts';

const storage = useTestStorage();
let api: ReturnType<typeof apiOver>;

const TOPIC = 'events';
const PARTITIONS = 4;
/** Records produced per partition of TOPIC: the high watermarks. */
const PRODUCED = [5, 3, 2, 0];

beforeAll(async () => {
  api = apiOver(newLog(storage.clients));
  const c = await api.call({ method: 'POST', url: '/v1/topics', json: { name: TOPIC, partitions: PARTITIONS } });
  expect(c.status, JSON.stringify(c.json)).toBe(201);
  const records = PRODUCED.flatMap((n, partition) => Array.from({ length: n }, (_, i) => ({ partition, value: { i } })));
  const p = await api.call({ method: 'POST', url: `/v1/topics/${TOPIC}/records`, json: { records } });
  expect(p.status, JSON.stringify(p.json)).toBe(200);
});

interface Assignment {
  memberId: string;
  generation: number;
  assignment: { topic: string; partitions: number[] }[];
  heartbeatIntervalMs: number;
}

const ok = (r: Reply, status = 200): Reply => {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  return r;
};
const expectError = (r: Reply, status: number, code: string): Reply => {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.headers['content-type']).toBe('application/json');
  expect(r.json.error.code).toBe(code);
  expect(r.json.error.message).toEqual(expect.any(String));
  return r;
};

const join = (group: string, body: unknown) => api.call({ method: 'POST', url: `/v1/groups/${group}/members`, json: body });
const heartbeat = (group: string, memberId: string, body: unknown) =>
  api.call({ method: 'POST', url: `/v1/groups/${group}/members/${encodeURIComponent(memberId)}/heartbeat`, json: body });
const leave = (group: string, memberId: string) =>
  api.call({ method: 'DELETE', url: `/v1/groups/${group}/members/${encodeURIComponent(memberId)}` });
const commit = (group: string, body: unknown) => api.call({ method: 'POST', url: `/v1/groups/${group}/offsets`, json: body });
const offsets = (group: string) => api.call({ method: 'GET', url: `/v1/groups/${group}/offsets` });
const describeGroup = (group: string) => api.call({ method: 'GET', url: `/v1/groups/${group}` });
const deleteGroup = (group: string) => api.call({ method: 'DELETE', url: `/v1/groups/${group}` });
const reset = (group: string, body: unknown) => api.call({ method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: body });

/** A consumer as the client sees it: its member id, last generation and assignment. */
class Member {
  memberId = '';
  generation = 0;
  partitions: number[] = [];

  constructor(readonly group: string) {}

  apply(r: Reply): this {
    const a = ok(r).json as Assignment;
    expect(Object.keys(a).sort()).toEqual(['assignment', 'generation', 'heartbeatIntervalMs', 'memberId']);
    expect(a.heartbeatIntervalMs).toBeGreaterThan(0);
    this.memberId = a.memberId;
    this.generation = a.generation;
    this.partitions = a.assignment.filter((x) => x.topic === TOPIC).flatMap((x) => x.partitions).sort((x, y) => x - y);
    return this;
  }

  async join(body: unknown = { topics: [TOPIC] }): Promise<this> {
    return this.apply(await join(this.group, body));
  }

  /** Heartbeats; true when the generation or assignment changed. */
  async beat(): Promise<boolean> {
    const before = `${this.generation}|${this.partitions}`;
    this.apply(await heartbeat(this.group, this.memberId, { generation: this.generation }));
    return before !== `${this.generation}|${this.partitions}`;
  }
}

function expectDisjoint(members: readonly Member[]): void {
  const all = members.flatMap((m) => m.partitions);
  expect(new Set(all).size, `overlap: ${members.map((m) => `[${m.partitions}]`).join(' ')}`).toBe(all.length);
}

/** Heartbeats round-robin until the group is Stable and a round changed nothing. */
async function settle(members: readonly Member[]): Promise<void> {
  for (let round = 0; round < 12; round++) {
    let changed = false;
    for (const m of members) {
      changed = (await m.beat()) || changed;
      expectDisjoint(members);
    }
    if (!changed && ok(await describeGroup(members[0]!.group)).json.state === 'Stable') return;
  }
  throw new Error('the group did not settle');
}

const allPartitions = Array.from({ length: PARTITIONS }, (_, p) => p);

describe('routes', () => {
  it('every group route is served by the groups function, which has exactly the access it uses', () => {
    const groupRoutes = ROUTES.filter((r) => r.path.startsWith('/v1/groups'));
    expect(groupRoutes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        'GET /v1/groups',
        'GET /v1/groups/{group}',
        'DELETE /v1/groups/{group}',
        'POST /v1/groups/{group}/members',
        'POST /v1/groups/{group}/members/{memberId}/heartbeat',
        'DELETE /v1/groups/{group}/members/{memberId}',
        'POST /v1/groups/{group}/offsets',
        'GET /v1/groups/{group}/offsets',
        'POST /v1/groups/{group}/offsets/reset',
      ].sort(),
    );
    expect(groupRoutes.every((r) => r.fn === 'groups')).toBe(true);
    expect(FUNCTIONS.groups).toMatchObject({
      entry: 'functions/groups.ts',
      tables: { groups: 'write', topics: 'read', partitions: 'read', segments: 'read' },
      bucket: 'read',
    });
  });

  it('other functions do not serve group routes', async () => {
    const r = parseReply(await createHandler('admin', { log: api.log })(toEvent({ method: 'GET', url: '/v1/groups' })));
    expectError(r, 404, 'NOT_FOUND');
  });

  it('the groups function serves them on its own, and answers 405 with Allow', async () => {
    const groups = createHandler('groups', { log: api.log });
    const r = parseReply(await groups(toEvent({ method: 'GET', url: '/v1/groups' })));
    expect(r.status).toBe(200);
    expect(r.json.groups).toEqual(expect.any(Array));
    const m = parseReply(await groups(toEvent({ method: 'GET', url: '/v1/groups/g/offsets/reset' })));
    expectError(m, 405, 'METHOD_NOT_ALLOWED');
    expect(m.headers.allow).toBe('POST');
  });
});

describe('membership', () => {
  it('two members on a 4-partition topic: disjoint throughout, complete and balanced once settled; leave rebalances', async () => {
    const group = 'flow';
    const a = await new Member(group).join({ topics: [TOPIC], sessionTimeoutMs: 30_000 });
    expect(a.memberId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.generation).toBeGreaterThan(0);
    expect(a.partitions).toEqual(allPartitions);

    const b = await new Member(group).join();
    expect(b.memberId).not.toBe(a.memberId);
    expectDisjoint([a, b]);

    await settle([a, b]);
    expect([...a.partitions, ...b.partitions].sort()).toEqual(allPartitions);
    expect(a.partitions).toHaveLength(2);
    expect(b.partitions).toHaveLength(2);

    const described = ok(await describeGroup(group)).json;
    expect(described).toMatchObject({ group, state: 'Stable', generation: expect.any(Number) });
    expect(described.members.map((m: { memberId: string }) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    for (const m of described.members) {
      const mine = m.memberId === a.memberId ? a : b;
      expect(m.generation).toBe(mine.generation);
      expect(m.assignment).toEqual([{ topic: TOPIC, partitions: mine.partitions }]);
      expect(m.topics).toEqual([TOPIC]);
    }

    const listed = ok(await api.call({ method: 'GET', url: '/v1/groups' })).json.groups;
    expect(listed).toContainEqual({ group, state: 'Stable', members: 2, generation: described.generation });

    // A non-empty group can be neither deleted nor committed to without a member id.
    expectError(await deleteGroup(group), 409, 'NON_EMPTY_GROUP');
    expectError(await commit(group, { offsets: [{ topic: TOPIC, partition: 0, offset: 1 }] }), 409, 'NON_EMPTY_GROUP');

    const left = await leave(group, b.memberId);
    expect(left.status).toBe(204);
    expect(left.body.length).toBe(0);
    expectError(await heartbeat(group, b.memberId, { generation: b.generation }), 409, 'UNKNOWN_MEMBER_ID');
    expectError(await leave(group, b.memberId), 409, 'UNKNOWN_MEMBER_ID');

    await settle([a]);
    expect(a.partitions).toEqual(allPartitions);

    ok(await leave(group, a.memberId), 204);
    const empty = ok(await describeGroup(group)).json;
    expect(empty).toMatchObject({ state: 'Empty', members: [] });
    ok(await deleteGroup(group), 204);
    expectError(await describeGroup(group), 404, 'GROUP_ID_NOT_FOUND');
    expectError(await deleteGroup(group), 404, 'GROUP_ID_NOT_FOUND');
  });

  it('heartbeat of an unknown member, or one whose session expired: 409 UNKNOWN_MEMBER_ID', async () => {
    const group = 'expiry';
    expectError(await heartbeat(group, 'nobody', { generation: 1 }), 409, 'UNKNOWN_MEMBER_ID');
    const m = await new Member(group).join({ topics: [TOPIC], sessionTimeoutMs: 1_000 });
    expect(m.partitions).toEqual(allPartitions);
    expect(m.apply(await heartbeat(group, m.memberId, { generation: m.generation })).memberId).toBe(m.memberId);
    expectError(await heartbeat(group, 'nobody', { generation: m.generation }), 409, 'UNKNOWN_MEMBER_ID');
    await new Promise((r) => setTimeout(r, 1_300));
    const r = expectError(await heartbeat(group, m.memberId, { generation: m.generation }), 409, 'UNKNOWN_MEMBER_ID');
    expect(r.json.error.memberId).toBe(m.memberId);
  });

  it('a generation never handed out is ILLEGAL_GENERATION; owned lists are accepted', async () => {
    const group = 'owned';
    const m = await new Member(group).join();
    expectError(await heartbeat(group, m.memberId, { generation: m.generation + 5 }), 409, 'ILLEGAL_GENERATION');
    m.apply(await heartbeat(group, m.memberId, { generation: m.generation, owned: [{ topic: TOPIC, partitions: m.partitions }] }));
    expect(m.partitions).toEqual(allPartitions);
    ok(await leave(group, m.memberId), 204);
  });

  it('subscribing validates group ids, topic names and session timeouts', async () => {
    expectError(await join('bad%20group', { topics: [TOPIC] }), 400, 'INVALID_GROUP_ID');
    expectError(await join('ok', { topics: ['no/such'] }), 400, 'INVALID_TOPIC_EXCEPTION');
    expectError(await join('ok', { topics: [TOPIC], sessionTimeoutMs: 10 }), 400, 'INVALID_SESSION_TIMEOUT');
    expectError(await describeGroup('ok'), 404, 'GROUP_ID_NOT_FOUND');
  });
});

describe('offsets', () => {
  it('commits fenced by member and generation, fetches offsets with lag', async () => {
    const group = 'commits';
    const a = await new Member(group).join();
    const firstGeneration = a.generation;
    expect(a.partitions).toEqual(allPartitions);

    const c = ok(
      await commit(group, {
        memberId: a.memberId,
        generation: a.generation,
        offsets: [
          { topic: TOPIC, partition: 0, offset: 3, metadata: 'm0' },
          { topic: TOPIC, partition: 1, offset: 3, metadata: null },
        ],
      }),
    ).json;
    expect(c).toEqual({
      offsets: [
        { topic: TOPIC, partition: 0, offset: 3, metadata: 'm0' },
        { topic: TOPIC, partition: 1, offset: 3, metadata: '' },
      ],
    });

    // A lower commit keeps the stored offset and reports it.
    const lower = ok(await commit(group, { memberId: a.memberId, generation: a.generation, offsets: [{ topic: TOPIC, partition: 0, offset: 1 }] })).json;
    expect(lower.offsets).toEqual([{ topic: TOPIC, partition: 0, offset: 3, metadata: 'm0' }]);

    const fetched = ok(await offsets(group)).json;
    expect(fetched.offsets.map((o: Record<string, unknown>) => ({ partition: o.partition, offset: o.offset, lag: o.lag }))).toEqual([
      { partition: 0, offset: 3, lag: PRODUCED[0]! - 3 },
      { partition: 1, offset: 3, lag: 0 },
      { partition: 2, offset: null, lag: PRODUCED[2] },
      { partition: 3, offset: null, lag: 0 },
    ]);
    expect(fetched.offsets[0]).toMatchObject({ topic: TOPIC, metadata: 'm0', logStartOffset: 0, highWatermark: PRODUCED[0] });

    // Beyond the high watermark: 416 with the range.
    const beyond = expectError(
      await commit(group, { memberId: a.memberId, generation: a.generation, offsets: [{ topic: TOPIC, partition: 2, offset: 99 }] }),
      416,
      'OFFSET_OUT_OF_RANGE',
    );
    expect(beyond.json.error).toMatchObject({ logStartOffset: 0, highWatermark: PRODUCED[2] });
    expectError(
      await commit(group, { memberId: a.memberId, generation: a.generation, offsets: [{ topic: TOPIC, partition: 9, offset: 0 }] }),
      404,
      'UNKNOWN_TOPIC_OR_PARTITION',
    );
    expectError(
      await commit(group, { memberId: 'stranger', generation: a.generation, offsets: [{ topic: TOPIC, partition: 2, offset: 1 }] }),
      409,
      'UNKNOWN_MEMBER_ID',
    );

    // A second member moves the group on; the first generation is stale.
    const b = await new Member(group).join();
    await settle([a, b]);
    expect(a.generation).toBeGreaterThan(firstGeneration);
    const stale = expectError(
      await commit(group, { memberId: a.memberId, generation: firstGeneration, offsets: [{ topic: TOPIC, partition: a.partitions[0]!, offset: 1 }] }),
      409,
      'ILLEGAL_GENERATION',
    );
    expect(stale.json.error.message).toEqual(expect.any(String));
    // A partition of the other member: rejected too.
    expectError(
      await commit(group, { memberId: a.memberId, generation: a.generation, offsets: [{ topic: TOPIC, partition: b.partitions[0]!, offset: 1 }] }),
      409,
      'ILLEGAL_GENERATION',
    );
    // Nothing of the rejected commits was written.
    const after = ok(await offsets(group)).json.offsets.map((o: { offset: number | null }) => o.offset);
    expect(after).toEqual([3, 3, null, null]);

    // Its own partition at the current generation: accepted.
    const own = b.partitions.find((p) => PRODUCED[p]! > 0) ?? b.partitions[0]!;
    ok(await commit(group, { memberId: b.memberId, generation: b.generation, offsets: [{ topic: TOPIC, partition: own, offset: PRODUCED[own]! }] }));

    const described = ok(await describeGroup(group)).json;
    const expectedLag = described.offsets.reduce((s: number, o: { lag: number }) => s + o.lag, 0);
    expect(described.lag).toBe(expectedLag);
    expect(described.offsets.find((o: { partition: number }) => o.partition === own)).toMatchObject({ offset: PRODUCED[own], lag: 0 });

    ok(await leave(group, a.memberId), 204);
    ok(await leave(group, b.memberId), 204);
    // Without members, commits without a member id are accepted.
    ok(await commit(group, { offsets: [{ topic: TOPIC, partition: 2, offset: 2 }] }));
    expect(ok(await offsets(group)).json.offsets[2]).toMatchObject({ partition: 2, offset: 2, lag: 0 });
  });

  it('resets offsets of an empty group: earliest, latest, offset, shiftBy, datetime; not while it has members', async () => {
    const group = 'resets';
    ok(await commit(group, { offsets: [{ topic: TOPIC, partition: 0, offset: 4 }] }));
    const offsetsOf = (r: Reply) => r.json.offsets.map((o: { partition: number; offset: number }) => [o.partition, o.offset]);

    expect(offsetsOf(ok(await reset(group, { topic: TOPIC, to: 'earliest' })))).toEqual([[0, 0], [1, 0], [2, 0], [3, 0]]);
    expect(offsetsOf(ok(await reset(group, { topic: TOPIC, to: 'latest', partitions: [0, 2] })))).toEqual([[0, PRODUCED[0]], [2, PRODUCED[2]]]);
    expect(offsetsOf(ok(await reset(group, { topic: TOPIC, to: { shiftBy: -2 }, partitions: [0] })))).toEqual([[0, PRODUCED[0]! - 2]]);
    // Clamped into [logStartOffset, highWatermark].
    expect(offsetsOf(ok(await reset(group, { topic: TOPIC, to: { offset: 1000 }, partitions: [1] })))).toEqual([[1, PRODUCED[1]]]);
    expect(offsetsOf(ok(await reset(group, { topic: TOPIC, to: { datetime: 0 }, partitions: [0] })))).toEqual([[0, 0]]);
    expect(offsetsOf(ok(await reset(group, { topic: TOPIC, to: { datetime: '2999-01-01T00:00:00Z' }, partitions: [0] })))).toEqual([[0, PRODUCED[0]]]);
    expect(offsetsOf(ok(await reset(group, { topic: TOPIC, to: { datetime: '1970-01-01' }, partitions: [1] })))).toEqual([[1, 0]]);

    const fetched = ok(await offsets(group)).json.offsets.map((o: { offset: number }) => o.offset);
    expect(fetched).toEqual([PRODUCED[0], 0, PRODUCED[2], 0]);

    expectError(await reset(group, { topic: 'missing', to: 'earliest' }), 404, 'UNKNOWN_TOPIC_OR_PARTITION');
    expectError(await reset(group, { topic: TOPIC, to: 'earliest', partitions: [7] }), 404, 'UNKNOWN_TOPIC_OR_PARTITION');

    const m = await new Member(group).join();
    expectError(await reset(group, { topic: TOPIC, to: 'earliest' }), 409, 'NON_EMPTY_GROUP');
    expect(ok(await offsets(group)).json.offsets.map((o: { offset: number }) => o.offset)).toEqual(fetched);
    ok(await leave(group, m.memberId), 204);

    ok(await deleteGroup(group), 204);
    expectError(await describeGroup(group), 404, 'GROUP_ID_NOT_FOUND');
    expect(ok(await offsets(group)).json.offsets).toEqual([]);
  });
});

describe('malformed requests', () => {
  it('answer 400 INVALID_REQUEST (or 415) and write nothing', async () => {
    const group = 'pristine';
    const m = await new Member(group).join();
    const before = ok(await describeGroup(group)).json;
    const listBefore = ok(await api.call({ method: 'GET', url: '/v1/groups' })).json;
    const member = `/v1/groups/${group}/members/${m.memberId}`;

    const cases: { call: Parameters<typeof api.call>[0]; status?: number; code?: string }[] = [
      // join
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: {} } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: { topics: [] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: { topics: TOPIC } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: { topics: [TOPIC, 3] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: { topics: [TOPIC], sessionTimeoutMs: 1500.5 } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: { topics: [TOPIC], sessionTimeoutMs: '30000' } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: { topics: [TOPIC], extra: 1 } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: { topics: Array.from({ length: 40_000 }, (_, i) => `t${i}`) } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: [TOPIC] } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, json: null } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, headers: { 'content-type': 'application/json' }, body: '{"topics":["events"]' } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members` } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members?x=1`, json: { topics: [TOPIC] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members`, headers: { 'content-type': 'text/plain' }, body: '{"topics":["events"]}' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      // heartbeat
      { call: { method: 'POST', url: `${member}/heartbeat`, json: {} } },
      { call: { method: 'POST', url: `${member}/heartbeat`, json: { generation: -1 } } },
      { call: { method: 'POST', url: `${member}/heartbeat`, json: { generation: 1.5 } } },
      { call: { method: 'POST', url: `${member}/heartbeat`, json: { generation: '1' } } },
      { call: { method: 'POST', url: `${member}/heartbeat`, json: { generation: m.generation, owned: [{ topic: TOPIC }] } } },
      { call: { method: 'POST', url: `${member}/heartbeat`, json: { generation: m.generation, owned: [{ topic: TOPIC, partitions: [-1] }] } } },
      { call: { method: 'POST', url: `${member}/heartbeat`, json: { generation: m.generation, owned: { [TOPIC]: [0] } } } },
      { call: { method: 'POST', url: `${member}/heartbeat`, json: { generation: m.generation, memberId: m.memberId } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/members/${'x'.repeat(300)}/heartbeat`, json: { generation: 1 } } },
      // commit
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: {} } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { offsets: {} } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: m.memberId, generation: m.generation, offsets: [{ topic: TOPIC, partition: 0 }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: m.memberId, generation: m.generation, offsets: [{ topic: TOPIC, partition: 0, offset: -1 }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: m.memberId, generation: m.generation, offsets: [{ topic: TOPIC, partition: 0.5, offset: 1 }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: m.memberId, generation: m.generation, offsets: [{ topic: TOPIC, partition: 0, offset: 1, metadata: 5 }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: m.memberId, generation: m.generation, offsets: [{ topic: TOPIC, partition: 0, offset: 1, extra: true }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: m.memberId, generation: m.generation, offsets: [{ topic: TOPIC, partition: 0, offset: 1, metadata: 'x'.repeat(5000) }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: m.memberId, generation: m.generation, offsets: [{ topic: TOPIC, partition: 0, offset: 1 }, { topic: TOPIC, partition: 0, offset: 2 }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: m.memberId, offsets: [{ topic: TOPIC, partition: 0, offset: 1 }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { generation: m.generation, offsets: [{ topic: TOPIC, partition: 0, offset: 1 }] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets`, json: { memberId: '', generation: m.generation, offsets: [] } } },
      // reset
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: 'newest' } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: { offset: -1 } } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: { offset: 1, shiftBy: 1 } } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: { datetime: 'yesterday' } } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: { datetime: '2025-13-45T99:99:99Z' } } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: { shiftBy: 0.5 } } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: 'earliest', partitions: [] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: 'earliest', partitions: ['0'] } } },
      { call: { method: 'POST', url: `/v1/groups/${group}/offsets/reset`, json: { topic: TOPIC, to: 'earliest', dryRun: true } } },
      // query parameters on the other routes
      { call: { method: 'GET', url: `/v1/groups/${group}/offsets?topic=${TOPIC}` } },
      { call: { method: 'GET', url: `/v1/groups/${group}?verbose=1` } },
      { call: { method: 'GET', url: '/v1/groups?prefix=p' } },
      { call: { method: 'DELETE', url: `/v1/groups/${group}?force=true` } },
      { call: { method: 'DELETE', url: `${member}?reason=x` } },
      // group ids
      { call: { method: 'GET', url: `/v1/groups/${encodeURIComponent('a b')}` }, code: 'INVALID_GROUP_ID' },
      { call: { method: 'DELETE', url: `/v1/groups/${'g'.repeat(250)}` }, code: 'INVALID_GROUP_ID' },
      { call: { method: 'POST', url: `/v1/groups/${encodeURIComponent('../x')}/members`, json: { topics: [TOPIC] } }, code: 'INVALID_GROUP_ID' },
    ];

    const failures: string[] = [];
    for (const { call, status = 400, code = 'INVALID_REQUEST' } of cases) {
      const r = await api.call(call);
      if (r.status !== status || r.json?.error?.code !== code || typeof r.json?.error?.message !== 'string') {
        failures.push(`${call.method} ${call.url} ${JSON.stringify(call.json ?? call.body ?? '').slice(0, 100)} → ${r.status} ${r.body.toString().slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);

    const after = ok(await describeGroup(group)).json;
    // No heartbeat went through, so not even the member's lease moved.
    expect(after).toEqual(before);
    expect(ok(await api.call({ method: 'GET', url: '/v1/groups' })).json).toEqual(listBefore);
    expect(ok(await offsets(group)).json.offsets.every((o: { offset: number | null }) => o.offset === null)).toBe(true);
    ok(await leave(group, m.memberId), 204);
  });
});
