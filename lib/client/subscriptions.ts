// Subscriptions (API.md "Subscriptions"): list, describe (position and lag per partition),
// dead letters, create and delete. One request per call; written against JsonTransport,
// so the web console runs it in the browser.
import type { DeadLetterDestination, DeadLetterRecord, StartingPosition, SubscriptionDescription, Target } from '../core/wire.ts';
import { topicPath } from './admin.ts';
import type { JsonTransport } from './transport.ts';

/** A subscription as the API describes it: its settings, status, and position and lag per partition. */
export type Subscription = SubscriptionDescription;
/** A failed batch that was given up on, as the API lists it. */
export type DeadLetter = DeadLetterRecord;

export interface CreateSubscriptionOptions {
  name: string;
  target: Target;
  batchSize?: number;
  maxBatchingWindowMs?: number;
  startingPosition?: StartingPosition;
  maxRetries?: number;
  deadLetter?: DeadLetterDestination;
}

const subscriptionPath = (topic: string, name?: string, rest = ''): string =>
  topicPath(topic, `/subscriptions${name === undefined ? '' : `/${encodeURIComponent(name)}`}${rest}`);

export class Subscriptions {
  constructor(private readonly http: JsonTransport) {}

  async create(topic: string, opts: CreateSubscriptionOptions): Promise<Subscription> {
    return this.http.json<Subscription>({ method: 'POST', path: subscriptionPath(topic), body: opts });
  }

  /** The topic's subscriptions, each with position, lag and dead letters per partition. */
  async list(topic: string): Promise<Subscription[]> {
    return (await this.http.json<{ subscriptions: Subscription[] }>({ method: 'GET', path: subscriptionPath(topic) })).subscriptions;
  }

  async describe(topic: string, name: string): Promise<Subscription> {
    return this.http.json<Subscription>({ method: 'GET', path: subscriptionPath(topic, name) });
  }

  /** The newest dead letters first, at most `limit` (1..1000, default 100). */
  async deadLetters(topic: string, name: string, limit?: number): Promise<DeadLetter[]> {
    const res = await this.http.json<{ deadLetters: DeadLetter[] }>({
      method: 'GET',
      path: subscriptionPath(topic, name, '/dead-letters'),
      query: { limit },
    });
    return res.deadLetters;
  }

  async delete(topic: string, name: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: subscriptionPath(topic, name) });
  }
}
