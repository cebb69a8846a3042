// Group sessions held by push connections (lib/push/sessions.ts) on the dev server: a held
// member needs no heartbeat within its session timeout, is told when the group changes,
// and loses its partitions within its session timeout once its connection drops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../lib/client/http.ts';
import { sleep } from '../../../lib/core/time.ts';
import { type GroupDescription, type MemberAssignment } from '../../../lib/core/wire.ts';
import { PUSH } from '../../../lib/core/push.ts';
import type { DevServer } from '../../../lib/local/devServer.ts';
import { startTestDevServer } from '../client/devServer.ts';
import { TestConnection } from './helpers.ts';

const SESSION_MS = 1_000;

let dev: DevServer;
let http: HttpClient;

beforeAll(async () => {
  dev = await startTestDevServer({ maintenanceIntervalMs: 0, subscriptions: false });
  http = new HttpClient({ endpoint: dev.url });
}, 120_000);

afterAll(async () => {
  await dev?.stop();
});

let n = 0;
async function groupOn(partitions: number): Promise<{ topic: string; group: string }> {
  const topic = `held-${++n}`;
  await http.json({ method: 'POST', path: '/v1/topics', body: { name: topic, partitions } });
  return { topic, group: `g-${n}` };
}

const join = (group: string, topic: string) =>
  http.json<MemberAssignment>({ method: 'POST', path: `/v1/groups/${group}/members`, body: { topics: [topic], sessionTimeoutMs: SESSION_MS } });
const httpHeartbeat = (group: string, m: MemberAssignment) =>
  http.json<MemberAssignment>({ method: 'POST', path: `/v1/groups/${group}/members/${m.memberId}/heartbeat`, body: { generation: m.generation } });
const describeGroup = (group: string) => http.json<GroupDescription>({ method: 'GET', path: `/v1/groups/${group}` });

async function hold(c: TestConnection, group: string, m: MemberAssignment): Promise<MemberAssignment> {
  const answer = await c.ask({ action: 'heartbeat', group, memberId: m.memberId, generation: m.generation });
  if (answer.type !== 'heartbeat') throw new Error(`heartbeat over the connection failed: ${JSON.stringify(answer)}`);
  return answer;
}

describe('a push connection holding a member session', () => {
  it('keeps the member past its session timeout without heartbeats, asking for one a minute', async () => {
    const { topic, group } = await groupOn(2);
    const a = await join(group, topic);
    const c = await TestConnection.open(dev.url);

    const held = await hold(c, group, a);
    await sleep(SESSION_MS * 2);

    expect(held.heartbeatIntervalMs).toBe(PUSH.heartbeatIntervalMs);
    expect((await describeGroup(group)).members.map((m) => m.memberId)).toEqual([a.memberId]);
    await c.close();
  });

  it('tells the held member when another joins', async () => {
    const { topic, group } = await groupOn(2);
    const a = await join(group, topic);
    const c = await TestConnection.open(dev.url);
    await hold(c, group, a);

    await join(group, topic);

    expect(await c.next((m) => m.type === 'group')).toEqual({ type: 'group', group, memberId: a.memberId, heartbeatInMs: 0 });
    await c.close();
  });

  it('hands the partitions of a member whose connection dropped to the others within its session timeout', async () => {
    const { topic, group } = await groupOn(2);
    let a = await join(group, topic);
    const c = await TestConnection.open(dev.url);
    a = await hold(c, group, a);
    let b = await join(group, topic);

    c.ws.terminate();
    const dropped = Date.now();
    while (b.assignment.flatMap((t) => t.partitions).length < 2) {
      if (Date.now() - dropped > SESSION_MS + 2_000) throw new Error('the partitions did not move');
      await sleep(100);
      b = await httpHeartbeat(group, b);
    }

    expect(Date.now() - dropped).toBeLessThan(SESSION_MS + 2_000);
    const after = await describeGroup(group);
    expect(after.members.map((m) => [m.memberId, m.assignment])).toEqual([[b.memberId, [{ topic, partitions: [0, 1] }]]]);
  });
});
