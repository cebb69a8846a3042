// Subscriptions (API.md "Subscriptions"): triggers that deliver a topic's records to a
// function (a Lambda function, an HTTPS URL; locally, a module or a loopback URL), with
// their position, lag and dead letters. Thin: one request per call, errors as typed
// SluiceErrors. Written against JsonTransport, so the web console runs it in the browser.
import type { CreateSubscriptionRequest, DeadLetterRecord, SubscriptionDescription } from '../core/wire.ts';
import { subscriptionPath } from './paths.ts';
import type { JsonTransport } from './transport.ts';

export class Subscriptions {
  constructor(private readonly http: JsonTransport) {}

  /** Subscribes a target to a topic; settings left out take their defaults. */
  async create(topic: string, subscription: CreateSubscriptionRequest): Promise<SubscriptionDescription> {
    return this.http.json<SubscriptionDescription>({ method: 'POST', path: subscriptionPath(topic), body: subscription });
  }

  /** The topic's subscriptions, each with its position and lag per partition. */
  async list(topic: string): Promise<SubscriptionDescription[]> {
    const res = await this.http.json<{ subscriptions: SubscriptionDescription[] }>({ method: 'GET', path: subscriptionPath(topic) });
    return res.subscriptions;
  }

  /** One subscription: its settings, status, and position, lag and dead letters per partition. */
  async get(topic: string, name: string): Promise<SubscriptionDescription> {
    return this.http.json<SubscriptionDescription>({ method: 'GET', path: subscriptionPath(topic, name) });
  }

  /** The same as get, under the name Admin gives its calls for one item (describeTopic, describeGroup). */
  async describe(topic: string, name: string): Promise<SubscriptionDescription> {
    return this.get(topic, name);
  }

  /** Stops delivery and drops the subscription's cursors. */
  async delete(topic: string, name: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: subscriptionPath(topic, name) });
  }

  /** Batches that failed every retry, most recent first (at most `limit`, default 100, up to 1000). */
  async deadLetters(topic: string, name: string, opts: { limit?: number } = {}): Promise<DeadLetterRecord[]> {
    const res = await this.http.json<{ deadLetters: DeadLetterRecord[] }>({
      method: 'GET',
      path: subscriptionPath(topic, name, '/dead-letters'),
      ...(opts.limit !== undefined ? { query: { limit: opts.limit } } : {}),
    });
    return res.deadLetters;
  }
}
