// What an idle consumer costs an hour: one SDK consumer (one group member) over a topic
// of 12 partitions with no traffic, on the local platform, with its push connection. Once
// it has caught up, everything it makes the server do for a short window is counted: the
// requests and push messages (the dev server's access log), the push function's duration,
// the DynamoDB units (the meter). The window runs the consumer with a short heartbeat
// interval so that it sees several; cost/idle.ts prices the hour at the interval the
// server asks of a member whose session its connection holds (PUSH.heartbeatIntervalMs).
import { FUNCTIONS } from '../../api/index.ts';
import { Sluice } from '../../client/index.ts';
import { sleep } from '../../core/time.ts';
import { PUSH } from '../../core/push.ts';
import { idleConsumerUsdPerHour, type IdleCost, type IdleWindow } from '../cost/idle.ts';
import { BASELINES } from '../cost/prices.ts';
import { api, localPlatform } from '../harness/context.ts';
import { atMost, usd } from '../harness/format.ts';
import { defineSection } from '../harness/section.ts';
import { createTopic } from '../harness/workload.ts';

const PARTITIONS = 12;
/** The consumer's heartbeat interval during the window (the hour is priced at the server's). */
const WINDOW_HEARTBEAT_MS = 500;

export interface IdleResult {
  window: IdleWindow;
  cost: IdleCost;
}

export const idle = defineSection({
  name: 'idle', where: 'local', reportOrder: 65,
  sizes: { full: { windowMs: 6_000 }, quick: { windowMs: 3_000 } },
  title: (s) => `idle consumer: 1 member, ${PARTITIONS} idle partitions, ${s.windowMs / 1000} s counted`,
  async run(ctx, size): Promise<IdleResult> {
    const local = localPlatform(ctx);
    const http = api(ctx);
    const topic = await createTopic(ctx, http, `bench-idle-${ctx.runId}`, PARTITIONS);
    const sluice = new Sluice(http);
    const consumer = sluice.consumer({ groupId: `bench-idle-${ctx.runId}`, topics: [topic.name], heartbeatIntervalMs: WINDOW_HEARTBEAT_MS });
    let caughtUp = false;
    consumer.on('caughtUp', () => (caughtUp = true));
    const run = consumer.run({ eachRecord: () => undefined });
    try {
      const deadline = Date.now() + 30_000;
      while (!(caughtUp && local.server.push.size === 1)) {
        if (Date.now() > deadline) throw new Error('the idle consumer did not settle on a push connection');
        await sleep(50);
      }
      await sleep(2 * WINDOW_HEARTBEAT_MS);
      ctx.progress.update(0, size.windowMs);
      local.meter.reset();
      local.meter.pause(false);
      local.timings.record();
      const started = Date.now();
      for (let t = 0; t < size.windowMs; t += 250) {
        await sleep(250);
        ctx.progress.update(Math.min(size.windowMs, t + 250));
      }
      const windowMs = Date.now() - started;
      local.meter.pause(true);
      const lines = local.timings.stop();
      const pushed = lines.filter((l) => l.method === 'WS');
      const heartbeats = pushed.filter((l) => l.path === 'heartbeat').length;
      const answered = pushed.filter((l) => l.path !== '$connect' && l.path !== '$disconnect');
      const httpLines = lines.filter((l) => l.method !== 'WS' && l.method !== 'PUSH');
      const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
      const meter = local.meter.snapshot();
      const window: IdleWindow = {
        windowMs,
        heartbeats,
        messagesIn: answered.length,
        messagesOut: answered.length + lines.filter((l) => l.method === 'PUSH').length,
        pushInvocations: pushed.length,
        pushLambdaMs: mean(pushed.map((l) => l.ms)),
        pushMemoryMb: FUNCTIONS.push.memoryMb,
        httpRequests: httpLines.length,
        httpLambdaMs: mean(httpLines.map((l) => l.ms)),
        httpMemoryMb: FUNCTIONS.fetch.memoryMb,
        wru: meter.wru,
        rru: meter.rru,
        connections: local.server.push.size,
      };
      return { window, cost: idleConsumerUsdPerHour(window, PUSH.heartbeatIntervalMs) };
    } finally {
      await consumer.close();
      await run.catch(() => undefined);
    }
  },
  values(r, put) {
    put('cost.usdPerIdleConsumerHour', r.cost.total);
    put('cost.mskServerlessUsdPerPartitionHour', BASELINES.mskServerless.usdPerPartitionHour);
    put('idle.heartbeatsPerHour', r.cost.heartbeatsPerHour);
    put('idle.httpRequestsInWindow', r.window.httpRequests);
  },
  figures(r, row) {
    row(
      'cost.usdPerIdleConsumerHour',
      usd(r.cost.total),
      `1 member over ${PARTITIONS} idle partitions (push); MSK Serverless ${BASELINES.mskServerless.usdPerPartitionHour} per partition-hour`,
    );
  },
  targets: (v) => [atMost(v, 'cost.usdPerIdleConsumerHour', 0.001)],
  details: (r) => [
    `Idle consumer, per hour: heartbeats ${usd(r.cost.heartbeats)} (${r.cost.heartbeatsPerHour} over the push connection), connection minutes ${usd(r.cost.connection)}, other requests ${usd(r.cost.other)} (${r.window.httpRequests} HTTP requests in the ${(r.window.windowMs / 1000).toFixed(1)} s window); per heartbeat ${r.window.rru / r.window.heartbeats} RRU, ${r.window.wru / r.window.heartbeats} WRU.`,
    '',
  ],
  notes: () => [
    'Idle consumer: counted on the dev server with a short heartbeat interval and priced at the interval the server asks of a member its push connection holds (one a minute); API Gateway WebSocket messages and connection minutes at list prices; no long poll runs while the consumer is idle.',
  ],
});
