// Group membership against the emulators: balanced and sticky assignment, the
// revoke-before-reassign protocol, sessions on an injected clock, and concurrent callers.
import { describe, expect, it } from 'vitest';
import { Groups, TOPIC_METADATA_MAX_AGE_MS } from '../../../lib/groups/index.ts';
import { Log } from '../../../lib/log/index.ts';
import { createStorageClients, destroyStorageClients } from '../../../lib/storage/clients.ts';
import { useTestStorage } from '../../support/stack.ts';
import { clock, Consumer, expectBalancedAndComplete, expectDisjoint, groupsFor, settle } from './harness.ts';

const storage = useTestStorage();
let n = 0;
async function topic(partitions: number): Promise<string> {
  const name = `m${n++}`;
  await new Log(storage.clients).createTopic({ name, partitions });
  return name;
}
const groupName = () => `g${n++}`;

describe('assignment', () => {
  it('three members on six partitions end 2/2/2, never sharing a partition on the way', async () => {
    const t = await topic(6);
    const groups = groupsFor(storage.clients, clock());
    const g = groupName();
    const consumers: Consumer[] = [];

    for (let i = 0; i < 3; i++) {
      consumers.push(await Consumer.join(groups, g, [t]));
      expectDisjoint(consumers, await groups.describe(g));
      await settle(consumers);
    }

    expect(consumers.map((c) => c.partitions(t).length)).toEqual([2, 2, 2]);
    expectBalancedAndComplete(consumers, t, 6);
    expect((await groups.describe(g)).state).toBe('Stable');
  });

  it('gives the first member every partition at once', async () => {
    const t = await topic(4);
    const groups = groupsFor(storage.clients, clock());

    const c = await Consumer.join(groups, groupName(), [t]);

    expect(c.partitions(t)).toEqual([0, 1, 2, 3]);
  });

  it('a joining member gets nothing until the owner confirmed the revocation', async () => {
    const t = await topic(4);
    const groups = groupsFor(storage.clients, clock());
    const g = groupName();
    const a = await Consumer.join(groups, g, [t]);
    const b = await Consumer.join(groups, g, [t]);
    expect(b.partitions(t)).toEqual([]);
    const staleGeneration = a.generation;

    await a.heartbeat(); // revocation notice: a's response drops two partitions
    const revoked = (await groups.describe(g)).members.find((m) => m.memberId === a.memberId)!.revoking;
    await b.heartbeat();
    expect(b.partitions(t)).toEqual([]);
    expect(a.partitions(t)).toHaveLength(2);
    // A heartbeat with the old generation (sent before the notice arrived) confirms nothing.
    await groups.heartbeat(g, a.memberId, { generation: staleGeneration });
    await b.heartbeat();
    expect(b.partitions(t)).toEqual([]);

    await a.heartbeat(); // current generation: confirms
    await b.heartbeat();

    expect(b.partitions(t)).toEqual(revoked[0]!.partitions);
    expectDisjoint([a, b]);
  });

  it('a heartbeat listing a revoked partition as still owned keeps it from the new owner', async () => {
    const t = await topic(2);
    const groups = groupsFor(storage.clients, clock());
    const g = groupName();
    const a = await Consumer.join(groups, g, [t]);
    const b = await Consumer.join(groups, g, [t]);
    await a.heartbeat();
    const [revoked] = (await groups.describe(g)).members.find((m) => m.memberId === a.memberId)!.revoking;

    await groups.heartbeat(g, a.memberId, { generation: a.generation, owned: [revoked!] });
    await b.heartbeat();

    expect(b.partitions(t)).toEqual([]);
  });

  it('adding a fourth member to a balanced group of three moves only the minimum', async () => {
    const t = await topic(12);
    const groups = groupsFor(storage.clients, clock());
    const g = groupName();
    const three: Consumer[] = [];
    for (let i = 0; i < 3; i++) three.push(await Consumer.join(groups, g, [t]));
    await settle(three);
    const before = new Map(three.map((c) => [c.memberId, c.partitions(t)]));

    const fourth = await Consumer.join(groups, g, [t]);
    await settle([...three, fourth]);

    const moved = three.reduce((sum, c) => sum + before.get(c.memberId)!.filter((p) => !c.partitions(t).includes(p)).length, 0);
    expect(moved).toBe(3);
    expect(fourth.partitions(t)).toHaveLength(3);
    expectBalancedAndComplete([...three, fourth], t, 12);
  });

  it('picks up partitions added to the topic once the stored topic metadata is due for a refresh', async () => {
    const t = await topic(2);
    const c = clock();
    const groups = groupsFor(storage.clients, c);
    const g = groupName();
    const consumers = [await Consumer.join(groups, g, [t]), await Consumer.join(groups, g, [t])];
    await settle(consumers);

    await new Log(storage.clients).alterTopic(t, { partitions: 4 });
    await settle(consumers);
    expect(consumers.flatMap((x) => x.partitions(t)).sort()).toEqual([0, 1]);
    c.advance(TOPIC_METADATA_MAX_AGE_MS);
    await settle(consumers);

    expectBalancedAndComplete(consumers, t, 4);
    expect(consumers.map((c) => c.partitions(t).length)).toEqual([2, 2]);
  });

  it('accepts a subscription to a topic that does not exist yet and assigns it once created', async () => {
    const time = clock();
    const groups = groupsFor(storage.clients, time);
    const name = `later${n++}`;
    const c = await Consumer.join(groups, groupName(), [name]);
    expect(c.assignment.size).toBe(0);

    await new Log(storage.clients).createTopic({ name, partitions: 3 });
    time.advance(TOPIC_METADATA_MAX_AGE_MS);
    await c.heartbeat();

    expect(c.partitions(name)).toEqual([0, 1, 2]);
  });

  it('balances members subscribed to different topics', async () => {
    const [t1, t2] = [await topic(4), await topic(2)];
    const groups = groupsFor(storage.clients, clock());
    const g = groupName();
    const both = await Consumer.join(groups, g, [t1, t2]);
    const one = await Consumer.join(groups, g, [t1]);

    await settle([both, one]);

    expect(one.assignment.size).toBe(3);
    expect(both.assignment.size).toBe(3);
    expect(both.partitions(t2)).toEqual([0, 1]);
  });
});

describe('sessions', () => {
  async function threeMembers(sessionTimeoutMs = 10_000) {
    const t = await topic(6);
    const c = clock();
    const groups = groupsFor(storage.clients, c);
    const g = groupName();
    const consumers: Consumer[] = [];
    for (let i = 0; i < 3; i++) consumers.push(await Consumer.join(groups, g, [t], sessionTimeoutMs));
    await settle(consumers);
    return { t, c, groups, g, consumers };
  }

  /** Members 0 and 1 keep heartbeating while the clock passes member 2's session timeout. */
  async function silence(c: ReturnType<typeof clock>, consumers: Consumer[]) {
    c.advance(6_000);
    for (const x of consumers.slice(0, 2)) await x.heartbeat();
    c.advance(4_001);
  }

  it('the others own every partition after a silent member session timed out', async () => {
    const { t, c, groups, g, consumers } = await threeMembers();

    await silence(c, consumers);
    await settle(consumers.slice(0, 2));

    expectBalancedAndComplete(consumers.slice(0, 2), t, 6);
    expect((await groups.describe(g)).members.map((m) => m.memberId).sort()).toEqual(
      consumers.slice(0, 2).map((x) => x.memberId).sort(),
    );
  });

  it('a member that heartbeats within its session timeout stays, however long it runs', async () => {
    const { c, groups, g, consumers } = await threeMembers();

    for (let i = 0; i < 5; i++) {
      c.advance(9_000);
      for (const x of consumers) await x.heartbeat();
    }

    expect((await groups.describe(g)).members).toHaveLength(3);
  });

  it('the heartbeat of a member whose session expired gets UNKNOWN_MEMBER_ID', async () => {
    const { c, consumers } = await threeMembers();

    await silence(c, consumers);

    await expect(consumers[2]!.heartbeat()).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER_ID', status: 409 });
  });

  it('the commit of a member whose session expired is refused', async () => {
    const { t, c, groups, g, consumers } = await threeMembers();
    const silent = consumers[2]!;

    await silence(c, consumers);

    await expect(
      groups.commit(g, { memberId: silent.memberId, generation: silent.generation, offsets: [{ topic: t, partition: silent.partitions(t)[0]!, offset: 0 }] }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER_ID', status: 409 });
    expect((await groups.fetchOffsets(g)).offsets.every((o) => o.offset === null)).toBe(true);
  });

  it('a member that leaves hands its partitions over at once', async () => {
    const { t, groups, g, consumers } = await threeMembers();

    await groups.leave(g, consumers[2]!.memberId);
    for (const x of consumers.slice(0, 2)) await x.heartbeat();

    expectBalancedAndComplete(consumers.slice(0, 2), t, 6);
    expectDisjoint(consumers.slice(0, 2), await groups.describe(g));
  });

  it('leave of an unknown member is UNKNOWN_MEMBER_ID', async () => {
    const { groups, g } = await threeMembers();

    await expect(groups.leave(g, 'nobody')).rejects.toMatchObject({ code: 'UNKNOWN_MEMBER_ID' });
  });

  it.each([999, 300_001, 1.5])('rejects a session timeout of %s ms', async (ms) => {
    const t = await topic(1);
    const groups = groupsFor(storage.clients, clock());

    await expect(groups.join(groupName(), { topics: [t], sessionTimeoutMs: ms })).rejects.toMatchObject({
      code: 'INVALID_SESSION_TIMEOUT',
      status: 400,
    });
  });

  it('tells members to heartbeat at a third of the session timeout, at most every 3 s', async () => {
    const t = await topic(1);
    const groups = groupsFor(storage.clients, clock());
    const g = groupName();

    expect((await groups.join(g, { topics: [t], sessionTimeoutMs: 6_000 })).heartbeatIntervalMs).toBe(2_000);
    expect((await groups.join(g, { topics: [t] })).heartbeatIntervalMs).toBe(3_000);
  });
});

describe('concurrency', () => {
  it('ten members joining and heartbeating at once, each on its own instance: all present, balanced, disjoint', async () => {
    const t = await topic(20);
    const c = clock();
    const g = groupName();

    const consumers = await Promise.all(
      Array.from({ length: 10 }, () => Consumer.join(groupsFor(storage.clients, c), g, [t])),
    );
    expectDisjoint(consumers);
    await settle(consumers, { concurrent: true });

    const described = await consumers[0]!.groups.describe(g);
    expect(described.members.map((m) => m.memberId).sort()).toEqual(consumers.map((x) => x.memberId).sort());
    expect(consumers.map((x) => x.partitions(t).length)).toEqual(Array(10).fill(2));
    expectBalancedAndComplete(consumers, t, 20);
    expectDisjoint(consumers, described);
  });

  /** Clients whose next group write is preceded by another member's join (a lost race). */
  function racingClients(g: string, t: string) {
    const clients = createStorageClients(storage.config);
    let raced = 0;
    clients.ddb.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        if (context.commandName === 'PutItemCommand' && raced === 0) {
          raced++;
          await groupsFor(storage.clients, clock()).join(g, { topics: [t] });
        }
        return next(args);
      },
      { step: 'initialize', name: 'race' },
    );
    return clients;
  }

  it('a write that lost the race to another join is recomputed, not lost', async () => {
    const t = await topic(4);
    const g = groupName();
    await groupsFor(storage.clients, clock()).join(g, { topics: [t] });
    const clients = racingClients(g, t);

    const mine = await new Groups(clients, new Log(clients), { now: clock().now }).join(g, { topics: [t] }).finally(() => destroyStorageClients(clients));

    const members = (await groupsFor(storage.clients, clock()).describe(g)).members.map((m) => m.memberId);
    expect(members).toHaveLength(3);
    expect(members).toContain(mine.memberId);
  });

  it('gives up with a retriable REQUEST_TIMED_OUT when every attempt loses the race', async () => {
    const t = await topic(4);
    const g = groupName();
    await groupsFor(storage.clients, clock()).join(g, { topics: [t] });
    const clients = racingClients(g, t);

    const attempt = new Groups(clients, new Log(clients), { now: clock().now, maxAttempts: 1 }).join(g, { topics: [t] });

    await expect(attempt.finally(() => destroyStorageClients(clients))).rejects.toMatchObject({
      code: 'REQUEST_TIMED_OUT',
      retriable: true,
    });
  });
});
