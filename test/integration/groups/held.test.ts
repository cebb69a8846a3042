// What lib/groups offers the push path (lib/push/sessions.ts): a lease the server sets past
// the session timeout (never one a request body names), its release back to the session
// timeout unless a later lease replaced it, and onChange told of each change of membership
// with the member whose call made it.
import { describe, expect, it } from 'vitest';
import { Groups } from '../../../lib/groups/index.ts';
import { Log } from '../../../lib/log/index.ts';
import { useTestStorage } from '../../support/stack.ts';
import { clock } from './harness.ts';

const storage = useTestStorage();
let n = 0;
const SESSION_MS = 10_000;

async function setup(onChange?: (group: string, origin: string | undefined) => Promise<void>) {
  const topic = `h${n++}`;
  const log = new Log(storage.clients);
  await log.createTopic({ name: topic, partitions: 2 });
  const c = clock();
  const groups = new Groups(storage.clients, log, { now: c.now, ...(onChange ? { onChange } : {}) });
  return { groups, c, topic, group: `hg${n++}` };
}

const expiryOf = async (groups: Groups, group: string, memberId: string) =>
  (await groups.describe(group)).members.find((m) => m.memberId === memberId)?.expiresAt;

describe('held sessions', () => {
  it('a heartbeat with a server lease keeps the session until that lease', async () => {
    const { groups, c, topic, group } = await setup();
    const a = await groups.join(group, { topics: [topic], sessionTimeoutMs: SESSION_MS });

    await groups.heartbeat(group, a.memberId, { generation: a.generation }, { leaseUntil: c.now() + 180_000 });

    expect(await expiryOf(groups, group, a.memberId)).toBe(c.now() + 180_000);
  });

  it('a heartbeat body naming leaseUntil is refused and changes nothing', async () => {
    const { groups, c, group, topic } = await setup();
    const a = await groups.join(group, { topics: [topic], sessionTimeoutMs: SESSION_MS });
    const before = await expiryOf(groups, group, a.memberId);

    await expect(groups.heartbeat(group, a.memberId, { generation: a.generation, leaseUntil: c.now() + 180_000 })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
    });
    expect(await expiryOf(groups, group, a.memberId)).toBe(before);
  });

  it('release cuts the held lease back to the session timeout from now', async () => {
    const { groups, c, topic, group } = await setup();
    const a = await groups.join(group, { topics: [topic], sessionTimeoutMs: SESSION_MS });
    const heldUntil = c.now() + 180_000;
    await groups.heartbeat(group, a.memberId, { generation: a.generation }, { leaseUntil: heldUntil });
    c.advance(1_000);

    const expiresAt = await groups.release(group, a.memberId, heldUntil);

    expect(expiresAt).toBe(c.now() + SESSION_MS);
    expect(await expiryOf(groups, group, a.memberId)).toBe(c.now() + SESSION_MS);
  });

  it('release leaves alone a lease set after the hold it ends', async () => {
    const { groups, c, topic, group } = await setup();
    const a = await groups.join(group, { topics: [topic], sessionTimeoutMs: SESSION_MS });
    const oldHold = c.now() + 180_000;
    await groups.heartbeat(group, a.memberId, { generation: a.generation }, { leaseUntil: oldHold });
    c.advance(1_000);
    await groups.heartbeat(group, a.memberId, { generation: a.generation }, { leaseUntil: c.now() + 180_000 });

    expect(await groups.release(group, a.memberId, oldHold)).toBeUndefined();
    expect(await expiryOf(groups, group, a.memberId)).toBe(c.now() + 180_000);
  });

  it('onChange hears each membership change with the member whose call made it', async () => {
    const told: [string, string | undefined][] = [];
    const { groups, group, topic } = await setup(async (g, origin) => void told.push([g, origin]));

    const a = await groups.join(group, { topics: [topic], sessionTimeoutMs: SESSION_MS });
    await groups.heartbeat(group, a.memberId, { generation: a.generation });
    await groups.leave(group, a.memberId);

    expect(told).toEqual([
      [group, a.memberId],
      [group, a.memberId],
    ]);
  });
});
