// `sluice consume --group` and `sluice groups ...` end to end: real CLI processes against a
// dev server (started in-process on the run's emulators), as a user would run them.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { useDevServer } from '../integration/client/devServer.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const BIN = join(ROOT, 'lib/cli/bin.mjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(endpoint: string, args: string[], input?: string): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, SLUICE_ENDPOINT: endpoint },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.on('error', () => {});
  child.stdin!.end(input ?? '');
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

const lines = (s: string) => s.split('\n').filter((l) => l !== '');

describe('sluice consume --group and sluice groups', () => {
  const dev = useDevServer();
  const run = (args: string[], input?: string) => start(dev.url, args, input).done;
  const topic = `grp-e2e-${randomBytes(4).toString('hex')}`;
  const group = `billing-${randomBytes(4).toString('hex')}`;
  const N = 30;
  const values = Array.from({ length: N }, (_, i) => `v${i}`);
  const consumed: string[] = [];
  const consume = async (extra: string[]) => {
    const r = await run(['consume', topic, '--group', group, '--format', '%p/%o %v\\n', ...extra]);
    expect(r.code, r.stderr).toBe(0);
    return r;
  };
  const valuesOf = (r: Run) => lines(r.stdout).map((l) => l.split(' ')[1]!);

  it('creates a topic and produces keyed records', async () => {
    expect((await run(['topics', 'create', topic, '--partitions', '3'])).code).toBe(0);
    const input = values.map((v, i) => `k${i % 5}:${v}\n`).join('');
    const r = await run(['produce', topic, '--key-separator', ':'], input);
    expect(r.code, r.stderr).toBe(0);
  });

  it('consume --group twice with --max-messages continues where the group left off', async () => {
    const first = await consume(['--from-beginning', '--max-messages', '12']);
    expect(first.stderr).toContain('Processed a total of 12 messages');
    const second = await consume(['--max-messages', '12']);
    expect(second.stderr).toContain('Processed a total of 12 messages');
    const a = valuesOf(first);
    const b = valuesOf(second);
    expect(a).toHaveLength(12);
    expect(b).toHaveLength(12);
    expect(a.filter((v) => b.includes(v))).toEqual([]);
    consumed.push(...a, ...b);
    // Per partition, offsets go on from one run to the next.
    const byPartition = new Map<string, number[]>();
    for (const l of [...lines(first.stdout), ...lines(second.stdout)]) {
      const [p, o] = l.split(' ')[0]!.split('/');
      byPartition.set(p!, [...(byPartition.get(p!) ?? []), Number(o)]);
    }
    for (const offsets of byPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
  });

  it('groups describe shows the committed offsets and the lag; groups list shows the group', async () => {
    const r = await run(['groups', 'describe', group]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Group: ${group}\tState: Empty`);
    expect(r.stdout).toContain(`Lag: ${N - 24}`);
    expect(r.stdout).toMatch(/TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-START-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID/);
    expect(r.stdout).toContain('No active members.');

    const json = JSON.parse((await run(['groups', 'describe', group, '--json'])).stdout) as {
      lag: number;
      offsets: Array<{ partition: number; offset: number; lag: number; highWatermark: number }>;
    };
    expect(json.lag).toBe(N - 24);
    expect(json.offsets.reduce((s, o) => s + o.offset, 0)).toBe(24);
    for (const o of json.offsets) {
      expect(o.lag).toBe(o.highWatermark - o.offset);
      expect(r.stdout).toMatch(new RegExp(`^${topic}\\s+${o.partition}\\s+${o.offset}\\s+0\\s+${o.highWatermark}\\s+${o.lag}\\s+-$`, 'm'));
    }

    const list = await run(['groups', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/GROUP\s+STATE\s+MEMBERS\s+GENERATION/);
    expect(list.stdout).toMatch(new RegExp(`^${group}\\s+Empty\\s+0\\s+\\d+$`, 'm'));
  });

  it('without --max-messages and --follow, stops once the assigned partitions are caught up', async () => {
    const rest = await consume([]);
    expect(rest.stderr).toContain(`Processed a total of ${N - 24} messages`);
    consumed.push(...valuesOf(rest));
    expect([...consumed].sort()).toEqual([...values].sort());
    const json = JSON.parse((await run(['groups', 'describe', group, '--json'])).stdout) as { lag: number };
    expect(json.lag).toBe(0);
  });

  it('reset-offsets is refused while the group has a member; --to-earliest then re-reads everything', async () => {
    const follower = start(dev.url, ['consume', topic, '--group', group, '--follow', '-q']);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const d = JSON.parse((await run(['groups', 'describe', group, '--json'])).stdout) as { members: unknown[] };
      if (d.members.length === 1) break;
      if (Date.now() > deadline) throw new Error('the follower did not join');
      await sleep(100);
    }
    const refused = await run(['groups', 'reset-offsets', group, '--topic', topic, '--to-earliest']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error: NON_EMPTY_GROUP');
    // SIGTERM: the follower commits, leaves the group and exits cleanly.
    follower.child.kill('SIGTERM');
    const stopped = await follower.done;
    expect(stopped.code, stopped.stderr).toBe(0);

    const reset = await run(['groups', 'reset-offsets', group, '--topic', topic, '--to-earliest']);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/GROUP\s+TOPIC\s+PARTITION\s+NEW-OFFSET/);
    for (const p of [0, 1, 2]) expect(reset.stdout).toMatch(new RegExp(`^${group}\\s+${topic}\\s+${p}\\s+0$`, 'm'));

    const again = await consume([]);
    expect([...valuesOf(again)].sort()).toEqual([...values].sort());

    const shifted = await run(['groups', 'reset-offsets', group, '--topic', topic, '--shift-by', '-2', '--partition', '0', '--json']);
    expect(shifted.code, shifted.stderr).toBe(0);
    const offsets = (JSON.parse(shifted.stdout) as { offsets: Array<{ partition: number; offset: number }> }).offsets;
    expect(offsets).toHaveLength(1);
    expect(offsets[0]!.partition).toBe(0);
  });

  it('groups delete removes the group; usage errors exit 2', async () => {
    const del = await run(['groups', 'delete', group]);
    expect(del.code, del.stderr).toBe(0);
    expect(del.stdout).toBe(`Deleted group ${group}.\n`);
    const gone = await run(['groups', 'describe', group]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('error: GROUP_ID_NOT_FOUND');

    const noTarget = await run(['groups', 'reset-offsets', group, '--topic', topic]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('reset-offsets needs one of');
    const clash = await run(['consume', topic, '--group', group, '--partition', '1']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('--group cannot be combined with --partition');
    const missing = await run(['consume', 'no-such-topic', '--group', group]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
  });
});
