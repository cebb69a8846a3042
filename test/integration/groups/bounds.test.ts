// What one join or heartbeat may cost: the topics of a member and the size of the group
// item are bounded (400, nothing written), and a heartbeat's DynamoDB calls do not grow
// with the number of subscribed topics (counted through a wrapped client).
import { describe, expect, it } from 'vitest';
import { GroupMaxSizeReachedError, InvalidRequestError } from '../../../lib/core/errors.ts';
import {
  Groups,
  MAX_GROUP_JOIN_BYTES,
  MAX_TOPICS_PER_MEMBER,
  TOPIC_METADATA_MAX_AGE_MS,
} from '../../../lib/groups/index.ts';
import { Log } from '../../../lib/log/index.ts';
import type { StorageClients } from '../../../lib/storage/clients.ts';
import { groupItemBytes, readGroup } from '../../../lib/groups/store.ts';
import { useTestStorage } from '../../support/stack.ts';
import { clock, type Clock } from './harness.ts';

const storage = useTestStorage();
let n = 0;
const unique = (prefix: string) => `${prefix}${n++}`;

/** The same clients with every DynamoDB call's command name recorded. */
function counted(clients: StorageClients): { clients: StorageClients; calls: string[] } {
  const calls: string[] = [];
  const ddb = Object.create(clients.ddb) as StorageClients['ddb'];
  ddb.send = ((command: { constructor: { name: string } }, ...rest: unknown[]) => {
    calls.push(command.constructor.name.replace(/Command$/, ''));
    return (clients.ddb.send as (...a: unknown[]) => unknown)(command, ...rest);
  }) as StorageClients['ddb']['send'];
  return { clients: { ...clients, ddb }, calls };
}

const groupsOn = (clients: StorageClients, c: Clock) => new Groups(clients, new Log(clients), { now: c.now });

/** `count` topic names, the first `existing` of which are created (2 partitions each). */
async function topicNames(count: number, existing: number, length = 12): Promise<string[]> {
  const prefix = unique('b');
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(length, '0')}`);
  const log = new Log(storage.clients);
  for (const name of names.slice(0, existing)) await log.createTopic({ name, partitions: 2 });
  return names;
}

describe('topics per member', () => {
  it(`refuses a join with more than ${MAX_TOPICS_PER_MEMBER} topics with 400 naming the limit, writing nothing`, async () => {
    const groups = groupsOn(storage.clients, clock());
    const group = unique('g');
    const topics = Array.from({ length: 40_000 }, (_, i) => `t${i}`);

    const err = await groups.join(group, { topics }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err).toMatchObject({ status: 400, details: { fields: ['topics'], limit: MAX_TOPICS_PER_MEMBER, topics: 40_000 } });
    expect((err as Error).message).toContain(`at most ${MAX_TOPICS_PER_MEMBER} topics`);
    expect(await readGroup(storage.clients, group)).toBeUndefined();
  });

  it('counts distinct names: the limit itself is accepted, duplicates do not count', async () => {
    const groups = groupsOn(storage.clients, clock());
    const topics = await topicNames(MAX_TOPICS_PER_MEMBER, 0);

    const joined = await groups.join(unique('g'), { topics: [...topics, ...topics] });

    expect(joined.memberId).toEqual(expect.any(String));
  });
});

describe('group item size', () => {
  it('refuses the join that would pass the limit with GROUP_MAX_SIZE_REACHED and leaves the group as it was', async () => {
    const c = clock();
    const groups = groupsOn(storage.clients, c);
    const group = unique('g');
    // Names of 200 bytes: one member's 1,000 fit (about 200 KB), two members' do not.
    const topics = await topicNames(MAX_TOPICS_PER_MEMBER, 0, 190);
    const first = await groups.join(group, { topics });
    const before = (await readGroup(storage.clients, group))!;
    expect(groupItemBytes(before, c.now())).toBeLessThan(MAX_GROUP_JOIN_BYTES);

    const err = await groups.join(group, { topics }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GroupMaxSizeReachedError);
    expect(err).toMatchObject({ status: 400, code: 'GROUP_MAX_SIZE_REACHED', details: { group, limit: MAX_GROUP_JOIN_BYTES } });
    expect((err as GroupMaxSizeReachedError).details.bytes).toBeGreaterThan(MAX_GROUP_JOIN_BYTES);
    expect((err as Error).message).toContain(`limit of ${MAX_GROUP_JOIN_BYTES} bytes`);
    const after = (await readGroup(storage.clients, group))!;
    expect(after.version).toBe(before.version);
    expect(Object.keys(after.members)).toEqual([first.memberId]);
  });

  it('refuses a heartbeat whose write would pass DynamoDB\'s item limit instead of failing in DynamoDB', async () => {
    const c = clock();
    const groups = groupsOn(storage.clients, c);
    const group = unique('g');
    const [topic] = await topicNames(1, 1);
    const member = await groups.join(group, { topics: [topic!], sessionTimeoutMs: 300_000 });
    await new Log(storage.clients).alterTopic(topic!, { partitions: 10_000 });
    const before = (await readGroup(storage.clients, group))!;

    c.advance(TOPIC_METADATA_MAX_AGE_MS);
    const err = await groups.heartbeat(group, member.memberId, { generation: member.generation }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GroupMaxSizeReachedError);
    expect(err).toMatchObject({ status: 400, details: { limit: 400 * 1024 } });
    expect((await readGroup(storage.clients, group))!.version).toBe(before.version);
  });
});

describe('heartbeat cost', () => {
  /** DynamoDB calls of one heartbeat of a member of a fresh group subscribed to `topics`. */
  async function heartbeatCalls(topics: string[], c: Clock, advanceMs = 0): Promise<string[]> {
    const { clients, calls } = counted(storage.clients);
    const groups = groupsOn(clients, c);
    const group = unique('g');
    const m = await groups.join(group, { topics, sessionTimeoutMs: 300_000 });
    c.advance(advanceMs);
    calls.length = 0;
    const beat = await groups.heartbeat(group, m.memberId, { generation: m.generation });
    expect(beat.memberId).toBe(m.memberId);
    return [...calls];
  }

  it('is the same few calls for one topic and for a thousand', async () => {
    const c = clock();
    const many = await topicNames(MAX_TOPICS_PER_MEMBER, 3);

    const one = await heartbeatCalls(many.slice(0, 1), c);
    const thousand = await heartbeatCalls(many, c);

    expect(one).toEqual(['GetItem', 'UpdateItem']);
    expect(thousand).toEqual(one);
  });

  it('reads topic metadata again only when it is due, in batches of 100 names', async () => {
    const c = clock();
    const many = await topicNames(MAX_TOPICS_PER_MEMBER, 3);

    const due = await heartbeatCalls(many, c, TOPIC_METADATA_MAX_AGE_MS);

    expect(due.filter((x) => x === 'BatchGetItem')).toHaveLength(MAX_TOPICS_PER_MEMBER / 100);
    expect(due.filter((x) => x !== 'BatchGetItem')).toEqual(['GetItem', 'PutItem']);
  });

  it('picks up a topic created after the join at the refresh', async () => {
    const c = clock();
    const groups = groupsOn(storage.clients, c);
    const group = unique('g');
    const [early, late] = await topicNames(2, 1);
    const m = await groups.join(group, { topics: [early!, late!] });
    await new Log(storage.clients).createTopic({ name: late!, partitions: 3 });

    const before = await groups.heartbeat(group, m.memberId, { generation: m.generation });
    c.advance(TOPIC_METADATA_MAX_AGE_MS);
    const after = await groups.heartbeat(group, m.memberId, { generation: before.generation });

    expect(before.assignment.map((a) => a.topic)).toEqual([early]);
    expect(after.assignment).toEqual([
      { topic: early, partitions: [0, 1] },
      { topic: late, partitions: [0, 1, 2] },
    ]);
  });
});
