// The consumer's push connection (the protocol of lib/core/wire.ts PushRequest /
// PushMessage; the server side is lib/push): what lets an idle member cost almost nothing.
//
//   * Found through GET /v1/push; an API without one ({"url":null}, or an older server
//     answering 404) leaves the consumer on long polls.
//   * Data: when the fetch loop finds every partition caught up, it arms one watch per
//     partition at its position (wait()) and sleeps until a 'data' message names one of
//     them; nothing runs on the server meanwhile. The watch answer names heads already
//     past their offset, so nothing that arrived in between is missed.
//   * Group: while connected, heartbeats go over the connection (heartbeat()), which then
//     holds the member's session: they are needed only every PUSH.heartbeatIntervalMs, and
//     a 'group' message (the group changed) makes the member heartbeat at once, or when
//     the message says.
//   * The connection drops: `ready` turns false, waits end, and the consumer falls back to
//     long polls and HTTP heartbeats at the group's interval at once (the server cuts the
//     held session back to the session timeout), while this reconnects with backoff and,
//     once back, takes over again (re-arming the watches).
import { WebSocket } from 'ws';
import { errorFromBody, NetworkError } from '../../core/errors.ts';
import { sleep } from '../../core/time.ts';
import type { MemberAssignment, PartitionOffset } from '../../core/wire.ts';
import type { HeadMoved, PushEndpoint, PushMessage, PushRequest } from '../../core/push.ts';
import { deferred, type Deferred } from '../deferred.ts';
import { backoffDelay } from '../retry.ts';
import type { ConsumerContext, ConsumerParts } from './context.ts';
import type { IdleNotices } from './fetcher.ts';

type Pending = Deferred<PushMessage>;
type HeartbeatRequest = Omit<Extract<PushRequest, { action: 'heartbeat' }>, 'action' | 'id'>;

export class PushLink implements IdleNotices {
  private ws: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly onData = new Set<(heads: HeadMoved[]) => void>();
  private readonly onLost = new Set<() => void>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly ctx: ConsumerContext,
    private readonly peers: ConsumerParts,
  ) {}

  get ready(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Finds the endpoint and keeps a connection to it until the consumer stops. */
  start(): void {
    this.running ??= this.run().catch((err) => this.ctx.warn(err));
  }

  async close(): Promise<void> {
    this.ws?.close();
    await this.running;
  }

  async wait(partitions: readonly PartitionOffset[], signal: AbortSignal): Promise<void> {
    if (partitions.length === 0 || signal.aborted) return;
    const keys = new Set(partitions.map((p) => `${p.topic}\u0000${p.partition}`));
    const done = deferred<void>();
    const data = (heads: HeadMoved[]) => {
      if (heads.some((h) => keys.has(`${h.topic}\u0000${h.partition}`))) done.resolve();
    };
    const lost = () => done.resolve();
    const aborted = () => done.resolve();
    this.onData.add(data);
    this.onLost.add(lost);
    signal.addEventListener('abort', aborted, { once: true });
    try {
      const answer = await Promise.race([this.ask({ action: 'watch', partitions: [...partitions] }), done.promise]);
      if (answer && answer.type === 'watching' && answer.ready.length > 0) return;
      await done.promise;
    } catch {
      // The connection dropped mid-request: the fetch loop falls back to long polls.
    } finally {
      this.onData.delete(data);
      this.onLost.delete(lost);
      signal.removeEventListener('abort', aborted);
    }
  }

  /** A heartbeat over the connection, which then holds the member's session. */
  async heartbeat(req: HeartbeatRequest): Promise<MemberAssignment> {
    const answer = await this.ask({ action: 'heartbeat', ...req });
    if (answer.type !== 'heartbeat') throw new NetworkError(`Unexpected push answer '${answer.type}' to a heartbeat.`);
    const { type: _t, id: _i, ...assignment } = answer;
    return assignment;
  }

  private async run(): Promise<void> {
    const url = await this.endpoint();
    if (!url) return;
    let failures = 0;
    while (!this.ctx.stopping) {
      try {
        await this.connectOnce(url);
        failures = 0;
      } catch (err) {
        failures++;
        if (failures === 1 || failures % 10 === 0) this.ctx.warn(err);
      }
      if (this.ctx.stopping) return;
      await sleep(backoffDelay(undefined, Math.max(1, failures), this.ctx.settings.backoff), this.ctx.timers.signal).catch(() => {});
    }
  }

  private async endpoint(): Promise<URL | undefined> {
    try {
      const found = await this.ctx.http.json<PushEndpoint>({ method: 'GET', path: '/v1/push' });
      return found?.url ? new URL(found.url) : undefined;
    } catch {
      return undefined;
    }
  }

  /** One connection, until it closes. */
  private async connectOnce(url: URL): Promise<void> {
    const headers = await this.ctx.http.upgradeHeaders(url);
    const ws = new WebSocket(url, { headers });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', (err) => reject(new NetworkError(`cannot open the push connection to ${url.host} (${err.message})`)));
      ws.once('unexpected-response', (_req, res) => reject(new NetworkError(`the push connection to ${url.host} was refused (HTTP ${res.statusCode})`)));
    }).catch((err) => {
      ws.terminate();
      throw err;
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (raw) => this.received(raw.toString()));
    this.ws = ws;
    this.peers.membership.pushChanged(true);
    this.peers.fetcher.wake();
    if (this.ctx.stopping) ws.close();
    await closed;
    this.ws = undefined;
    const lost = new NetworkError('The push connection closed.');
    for (const p of this.pending.values()) p.reject(lost);
    this.pending.clear();
    for (const l of [...this.onLost]) l();
    this.peers.membership.pushChanged(false);
    this.peers.fetcher.wake();
  }

  private received(text: string): void {
    let m: PushMessage;
    try {
      m = JSON.parse(text) as PushMessage;
    } catch {
      return;
    }
    if ('id' in m && m.id !== undefined && (m.type === 'watching' || m.type === 'heartbeat' || m.type === 'error')) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.type === 'error') p?.reject(errorFromBody(400, { error: m.error }));
      else p?.resolve(m);
      return;
    }
    if (m.type === 'data') for (const d of [...this.onData]) d(m.partitions);
    else if (m.type === 'group') this.peers.membership.heartbeatIn(m.heartbeatInMs);
  }

  private ask(req: PushRequest): Promise<PushMessage> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new NetworkError('The push connection is not open.'));
    const id = this.nextId++;
    const answer = deferred<PushMessage>();
    this.pending.set(id, answer);
    ws.send(JSON.stringify({ ...req, id }));
    return answer.promise;
  }
}
