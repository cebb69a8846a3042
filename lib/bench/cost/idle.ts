// What an idle consumer costs per hour, from what a real one was counted doing on the dev
// server over a short window (sections/idle.ts). While idle, a consumer with a push
// connection only heartbeats over it (the connection holds its group session); the window
// runs it with a short heartbeat interval, so that it sees several, and the hour is priced
// at the interval the server really asks for:
//
//   per heartbeat   (messages in and out, Lambda invocations and duration, DynamoDB units
//                   counted in the window) / heartbeats in the window
//   per hour        per heartbeat × heartbeats an hour, plus the connection's minutes,
//                   plus whatever else the window saw (HTTP requests, other messages),
//                   scaled by time
// Pure arithmetic, no I/O.
import { PRICES, type Prices } from './prices.ts';

export interface IdleWindow {
  windowMs: number;
  /** Heartbeats sent over the push connection in the window. */
  heartbeats: number;
  /** Push messages: sent by the consumer, and sent to it (answers and notices). */
  messagesIn: number;
  messagesOut: number;
  /** Invocations of the push function and their mean duration. */
  pushInvocations: number;
  pushLambdaMs: number;
  pushMemoryMb: number;
  /** HTTP API requests in the window (none when idle with push), their function's memory and mean duration. */
  httpRequests: number;
  httpLambdaMs: number;
  httpMemoryMb: number;
  /** DynamoDB units counted in the window. */
  wru: number;
  rru: number;
  /** Open push connections during the window. */
  connections: number;
}

export interface IdleCost {
  /** USD per hour, and its parts. */
  total: number;
  heartbeats: number;
  connection: number;
  other: number;
  /** Heartbeats an hour at `intervalMs`. */
  heartbeatsPerHour: number;
}

const HOUR_MS = 3_600_000;

/** USD per hour of an idle consumer whose heartbeats come every `intervalMs` (the server's). */
export function idleConsumerUsdPerHour(w: IdleWindow, intervalMs: number, prices: Prices = PRICES): IdleCost {
  if (!(w.heartbeats > 0)) throw new RangeError('the window saw no heartbeat to price');
  const lambda = (invocations: number, ms: number, memoryMb: number) =>
    invocations * (prices.lambdaArm64.usdPerRequest + (memoryMb / 1024) * (Math.ceil(ms / prices.lambdaArm64.billingStepMs) * prices.lambdaArm64.billingStepMs / 1000) * prices.lambdaArm64.usdPerGbSecond);
  const ws = prices.apiGatewayWebSocket;
  const ddb = prices.dynamodbOnDemand;
  const window =
    (w.messagesIn + w.messagesOut) * ws.usdPerMessage +
    lambda(w.pushInvocations, w.pushLambdaMs, w.pushMemoryMb) +
    w.wru * ddb.usdPerWriteRequestUnit +
    w.rru * ddb.usdPerReadRequestUnit;
  const heartbeatsPerHour = HOUR_MS / intervalMs;
  const heartbeats = (window / w.heartbeats) * heartbeatsPerHour;
  const connection = w.connections * 60 * ws.usdPerConnectionMinute;
  const other = (w.httpRequests * prices.apiGatewayHttp.usdPerRequest + lambda(w.httpRequests, w.httpLambdaMs, w.httpMemoryMb)) * (HOUR_MS / w.windowMs);
  return { total: heartbeats + connection + other, heartbeats, connection, other, heartbeatsPerHour };
}
