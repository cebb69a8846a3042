// The local platform's durability guarantee (README "The local platform"): a record
// acknowledged by `sluice dev` is still there, at its offset, after kill -9 of the dev
// server's node process in the middle of traffic, and even after kill -9 of every
// process of the stack at once (node, s3rver, DynamoDB Local's JVM). Four producers
// write while the stack is killed; after each restart on the same data directory every
// acknowledged record is read back at the offset it was acknowledged with (a lost
// transaction would show as its offset missing or reused by a later record).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, running, startDev, type DevProcess } from '../support/devProcess.ts';
import { waitUntilGone } from '../support/processes.ts';

const PARTITIONS = 4;
const PRODUCERS = 4;
const TOPIC = 'crash';

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
const stacks: DevProcess[] = [];
afterAll(() => {
  for (const dev of stacks) for (const pid of running(Object.values(dev.pids))) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Ack {
  partition: number;
  offset: number;
}

/**
 * Producers sending one record per request, each to its own partition, until the
 * server goes away; `acked` gets value → position for every 200.
 */
function produce(url: string, round: number, acked: Map<string, Ack>): { stop(): void; done: Promise<void> } {
  let stopped = false;
  const producer = async (p: number) => {
    for (let i = 0; !stopped; i++) {
      const value = `r${round}-p${p}-${i}`;
      let res: Response;
      try {
        res = await fetch(`${url}/v1/topics/${TOPIC}/records`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ encoding: 'string', records: [{ value, partition: p % PARTITIONS }] }),
        });
      } catch {
        return; // the server is gone
      }
      const body = (await res.json().catch(() => undefined)) as { offsets?: Ack[] } | undefined;
      const ack = body?.offsets?.[0];
      if (res.status === 200 && ack && typeof ack.offset === 'number') acked.set(value, { partition: ack.partition, offset: ack.offset });
    }
  };
  const done = Promise.all(Array.from({ length: PRODUCERS }, (_, p) => producer(p))).then(() => {});
  return { stop: () => (stopped = true), done };
}

/** Every record of a partition, offset → value. */
async function readPartition(url: string, partition: number): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let offset = 0; ; ) {
    const res = await fetch(`${url}/v1/topics/${TOPIC}/partitions/${partition}/records?offset=${offset}&maxRecords=1000&encoding=string`);
    const body = (await res.json()) as { records: { offset: number; value: string }[]; nextOffset: number; highWatermark: number };
    for (const r of body.records) out.set(r.offset, r.value);
    if (body.nextOffset >= body.highWatermark) return out;
    offset = body.nextOffset;
  }
}

async function until(predicate: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for traffic');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('kill -9 of sluice dev mid-traffic', () => {
  it('loses nothing acknowledged, round after round', { timeout: 600_000 }, async () => {
    const port = await freePort();
    let dev = await startDev('node', port, dataDir);
    stacks.push(dev);
    const created = await fetch(`${dev.url}/v1/topics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: TOPIC, partitions: PARTITIONS }),
    });
    expect(created.status).toBe(201);

    const acked = new Map<string, Ack>();
    // Rounds 1 and 2 kill node alone (the watchdog then stops DynamoDB Local); round 3
    // kills node, s3rver and the JVM at once.
    for (const [round, victims] of [
      [1, ['node']],
      [2, ['node']],
      [3, ['node', 's3rver', 'java']],
    ] as const) {
      const before = acked.size;
      const traffic = produce(dev.url, round, acked);
      await until(() => acked.size >= before + 30, 60_000);
      for (const victim of victims) process.kill(dev.pids[victim], 'SIGKILL');
      await traffic.done;
      traffic.stop();
      for (const pid of Object.values(dev.pids)) expect(await waitUntilGone(pid, 20_000), `pid ${pid} outlived round ${round}`).toBe(true);

      dev = await startDev('node', port, dataDir);
      stacks.push(dev);
      const stored = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => readPartition(dev.url, p)));
      const lost = [...acked].filter(([value, { partition, offset }]) => stored[partition]!.get(offset) !== value);
      expect(lost, `round ${round}: acknowledged records missing or overwritten`).toEqual([]);
    }

    dev.child.kill('SIGTERM');
    expect(await dev.exited).toBe(0);
  });
});
