// The idle consumer's cost model (lib/bench/cost/idle.ts): a window counted with a short
// heartbeat interval, priced per hour at the server's interval.
import { describe, expect, it } from 'vitest';
import { idleConsumerUsdPerHour, type IdleWindow } from '../../../lib/bench/cost/idle.ts';
import { PRICES } from '../../../lib/bench/cost/prices.ts';

const window: IdleWindow = {
  windowMs: 10_000,
  heartbeats: 10,
  messagesIn: 10,
  messagesOut: 10,
  pushInvocations: 10,
  pushLambdaMs: 10,
  pushMemoryMb: 1024,
  httpRequests: 0,
  httpLambdaMs: 0,
  httpMemoryMb: 1024,
  wru: 20,
  rru: 10,
  connections: 1,
};

describe('idle consumer cost', () => {
  it('prices each heartbeat from the window and counts them at the server interval', () => {
    const cost = idleConsumerUsdPerHour(window, 60_000);

    // Per heartbeat: 2 messages, 1 invocation of 10 ms at 1 GiB, 2 WRU, 1 RRU.
    const perHeartbeat =
      2 * PRICES.apiGatewayWebSocket.usdPerMessage +
      PRICES.lambdaArm64.usdPerRequest +
      0.01 * PRICES.lambdaArm64.usdPerGbSecond +
      2 * PRICES.dynamodbOnDemand.usdPerWriteRequestUnit +
      PRICES.dynamodbOnDemand.usdPerReadRequestUnit;
    expect(cost.heartbeatsPerHour).toBe(60);
    expect(cost.heartbeats).toBeCloseTo(60 * perHeartbeat, 12);
    expect(cost.connection).toBeCloseTo(60 * PRICES.apiGatewayWebSocket.usdPerConnectionMinute, 12);
    expect(cost.other).toBe(0);
    expect(cost.total).toBeCloseTo(cost.heartbeats + cost.connection, 12);
  });

  it('scales requests besides heartbeats by time, so a stray long poll shows', () => {
    const quiet = idleConsumerUsdPerHour(window, 60_000);
    const polling = idleConsumerUsdPerHour({ ...window, httpRequests: 1, httpLambdaMs: 5_000 }, 60_000);

    // One 5 s poll every 10 s: 360 requests an hour, each 5 GB-s.
    expect(polling.other).toBeCloseTo(360 * (PRICES.apiGatewayHttp.usdPerRequest + PRICES.lambdaArm64.usdPerRequest + 5 * PRICES.lambdaArm64.usdPerGbSecond), 12);
    expect(polling.total - quiet.total).toBeCloseTo(polling.other, 12);
  });

  it('costs less the longer the interval between heartbeats', () => {
    expect(idleConsumerUsdPerHour(window, 60_000).total).toBeLessThan(idleConsumerUsdPerHour(window, 3_000).total);
  });

  it('refuses a window without a heartbeat to price', () => {
    expect(() => idleConsumerUsdPerHour({ ...window, heartbeats: 0 }, 60_000)).toThrow(RangeError);
  });
});
