// Membership of the group (API.md "Consumer groups"; the protocol is lib/groups/reconcile.ts:
// server-side assignment, KIP-848 style): one POST .../members to join, then heartbeats
// every heartbeatIntervalMs carrying `owned` (the partitions this member still holds);
// each answer is the member's assignment, which assignment.ts applies. A member the server
// forgot (UNKNOWN_MEMBER_ID: its session expired) drops everything uncommitted and joins
// again. Leaving is one DELETE.
//
// While the consumer's push connection is up (push.ts), heartbeats go over it instead:
// the connection then holds the session, they are needed once a minute, and a 'group'
// message brings the next one forward when the group changes.
//
// Group calls go one at a time (locked), so a commit always carries the current generation.
import { IllegalGenerationError, UnknownMemberIdError } from '../../core/errors.ts';
import type { MemberAssignment, TopicAssignment } from '../../core/wire.ts';
import { deferred, type Deferred } from '../deferred.ts';
import { groupPath } from '../paths.ts';
import { backoffDelay, isRetriable, withRetries } from '../retry.ts';
import type { ConsumerContext, ConsumerParts } from './context.ts';

/** Join attempts before a retriable failure is given up on. */
const JOIN_ATTEMPTS = 10;
/** Leave attempts at close. */
const LEAVE_ATTEMPTS = 3;

export class Membership {
  memberId: string | undefined;
  generation = 0;
  /** The server has answered that this member owns nothing (so it is caught up with nothing). */
  emptyConfirmed = false;
  private heartbeatIntervalMs = 3_000;
  /** The interval of the last answer over HTTP: what applies again once a push connection drops. */
  private httpIntervalMs = 3_000;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatWake: Deferred<void> | undefined;
  private heartbeatRequested = false;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ctx: ConsumerContext,
    private readonly peers: ConsumerParts,
  ) {}

  async join(): Promise<void> {
    const { groupId, topics, sessionTimeoutMs, backoff } = this.ctx.settings;
    const res = await withRetries(
      () =>
        this.locked(() =>
          this.ctx.http.json<MemberAssignment>({
            method: 'POST',
            path: groupPath(groupId, '/members'),
            body: { topics, ...(sessionTimeoutMs !== undefined ? { sessionTimeoutMs } : {}) },
          }),
        ),
      { ...backoff, retries: JOIN_ATTEMPTS - 1, stopped: () => !!this.ctx.closing, onRetry: (err) => this.ctx.warn(err), signal: this.ctx.timers.signal },
    );
    this.memberId = res.memberId;
    // Closed while joining: close() leaves right away.
    if (this.ctx.closing) return;
    this.emptyConfirmed = false;
    this.accept(res);
  }

  /** Heartbeats until close; a forgotten member joins again. */
  async heartbeatLoop(): Promise<void> {
    let failures = 0;
    while (!this.ctx.closing) {
      if (!this.heartbeatRequested) {
        const wake = (this.heartbeatWake = deferred<void>());
        const delay = failures > 0 ? Math.min(this.interval(), backoffDelay(undefined, failures, this.ctx.settings.backoff)) : this.interval();
        const timer = setTimeout(() => wake.resolve(), delay);
        await wake.promise;
        clearTimeout(timer);
      }
      this.heartbeatRequested = false;
      if (this.ctx.closing) return;
      try {
        await this.heartbeat();
        failures = 0;
      } catch (err) {
        if (this.ctx.closing) return;
        failures++;
        if (err instanceof UnknownMemberIdError || err instanceof IllegalGenerationError) {
          this.ctx.warn(err);
          await this.rejoin().catch((e) => this.ctx.setFatal(e));
          failures = 0;
        } else if (isRetriable(err)) {
          this.ctx.warn(err);
        } else {
          this.ctx.setFatal(err);
          return;
        }
      }
    }
  }

  /** Heartbeat now rather than at the next interval (a partition was released, a commit was fenced). */
  heartbeatSoon(): void {
    this.heartbeatRequested = true;
    this.heartbeatWake?.resolve();
  }

  /** A heartbeat `ms` from now (a push 'group' message said when). */
  heartbeatIn(ms: number): void {
    clearTimeout(this.heartbeatTimer);
    if (ms <= 0 || this.ctx.closing) return this.heartbeatSoon();
    this.heartbeatTimer = setTimeout(() => this.heartbeatSoon(), ms);
    this.heartbeatTimer.unref?.();
  }

  /**
   * The push connection came (heartbeat over it now, so that it holds the session) or went
   * (back to HTTP heartbeats at the group's interval, at once: the server has cut the
   * session back to its timeout).
   */
  pushChanged(up: boolean): void {
    if (!up) this.heartbeatIntervalMs = this.httpIntervalMs;
    if (this.memberId) this.heartbeatSoon();
  }

  /** Leaves the group (at close); failures are warnings, the session then simply expires. */
  async leave(): Promise<void> {
    const memberId = this.memberId;
    if (!memberId) return;
    await this.locked(async () => {
      try {
        await withRetries(
          () => this.ctx.http.request({ method: 'DELETE', path: groupPath(this.ctx.settings.groupId, `/members/${encodeURIComponent(memberId)}`) }),
          { ...this.ctx.settings.backoff, retries: LEAVE_ATTEMPTS - 1 },
        );
      } catch (err) {
        if (!(err instanceof UnknownMemberIdError)) this.ctx.warn(err);
      }
    });
    this.memberId = undefined;
  }

  /** Runs group calls one at a time, in order. */
  locked<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private interval(): number {
    return this.ctx.settings.heartbeatIntervalMs ?? this.heartbeatIntervalMs;
  }

  private async heartbeat(): Promise<void> {
    const res = await this.locked(() => {
      const memberId = this.memberId;
      if (!memberId || this.ctx.closing) return undefined;
      const push = this.peers.push;
      if (push?.ready) {
        return push.heartbeat({ group: this.ctx.settings.groupId, memberId, generation: this.generation, owned: this.ownedList() }).then((a) => ({ ...a, overPush: true }));
      }
      return this.ctx.http.json<MemberAssignment>({
        method: 'POST',
        path: groupPath(this.ctx.settings.groupId, `/members/${encodeURIComponent(memberId)}/heartbeat`),
        body: { generation: this.generation, owned: this.ownedList() },
      });
    });
    if (res && !this.ctx.closing) {
      if (res.assignment.length === 0) this.emptyConfirmed = true;
      this.accept(res, 'overPush' in res);
    }
  }

  /** Drops everything (nothing can be committed any more) and joins again as a new member. */
  private async rejoin(): Promise<void> {
    const lost = this.ctx.partitions();
    for (const part of lost) this.ctx.drop(part);
    this.ctx.emitPartitions('revoked', lost);
    this.memberId = undefined;
    this.generation = 0;
    await this.join();
  }

  private accept(res: MemberAssignment, overPush = false): void {
    this.generation = res.generation;
    if (res.heartbeatIntervalMs > 0) this.heartbeatIntervalMs = res.heartbeatIntervalMs;
    if (res.heartbeatIntervalMs > 0 && !overPush) this.httpIntervalMs = res.heartbeatIntervalMs;
    this.peers.assignment.apply(res.assignment);
  }

  /** What this member holds, for the heartbeat. */
  private ownedList(): TopicAssignment[] {
    const byTopic = new Map<string, number[]>();
    for (const p of this.ctx.owned.values()) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      list.push(p.partition);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
  }
}
