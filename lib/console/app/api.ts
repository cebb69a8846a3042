// The console's data calls: the SDK's Admin, Records, Subscriptions and Connectors over its
// browser-safe transport (plain fetch to this page's own origin, which is the Sluice API
// or the signing proxy of `sluice console`). Nothing else is ever called.
import { Admin } from '../../client/admin.ts';
import { Connectors } from '../../client/connectors.ts';
import { Records } from '../../client/records.ts';
import { Subscriptions } from '../../client/subscriptions.ts';
import { FetchTransport } from '../../client/transport.ts';
import { inParallel } from '../../client/wire.ts';
import type { ConnectorView } from './connectors.ts';
import type { GroupDescription, SubscriptionDescription as Subscription, TopicDescription } from '../../client/types.ts';

const transport = new FetchTransport();
export const admin = new Admin(transport);
export const records = new Records(transport);
export const subscriptions = new Subscriptions(transport);
export const connectors = new Connectors(transport);

const sharedCalls = new Map<string, { at: number; promise: Promise<unknown> }>();

/**
 * One call for everyone who asks within `maxAgeMs`: the overview and its cards poll the
 * same lists at the same moment, and should cost the API one request, not several.
 */
export function shared<T>(key: string, load: () => Promise<T>, maxAgeMs = 1_000): Promise<T> {
  const hit = sharedCalls.get(key);
  if (hit && Date.now() - hit.at < maxAgeMs) return hit.promise as Promise<T>;
  const promise = load();
  sharedCalls.set(key, { at: Date.now(), promise });
  promise.catch(() => sharedCalls.delete(key));
  return promise;
}

/** Each listed item described, at most 6 calls at a time; one that vanished meanwhile is left out. */
async function describeEach<S, D>(list: Promise<S[]>, describe: (item: S) => Promise<D>): Promise<D[]> {
  const described = await inParallel(await list, 6, (item) => describe(item).catch(() => undefined));
  return described.filter((d): d is Awaited<D> => d !== undefined);
}

/** The topic list, shared by everything that polls it at the same moment. */
const topicList = () => shared('topic-list', () => admin.listTopics());

/** Every topic, described (partitions with log start, high watermark, size, segments). */
export function describeAllTopics(): Promise<TopicDescription[]> {
  return shared('topics', () => describeEach(topicList(), (t) => admin.describeTopic(t.name)));
}

/** Every group, described (members, committed offsets, lag). */
export function describeAllGroups(): Promise<GroupDescription[]> {
  return shared('groups', () => describeEach(admin.listGroups(), (g) => admin.describeGroup(g.group)));
}

/** Every connector with its info and status, in one expanded listing (shared by the list and the overview's card). */
export function listAllConnectors(): Promise<ConnectorView[]> {
  return shared('connectors', async () => Object.entries(await connectors.listExpanded()).map(([name, c]) => ({ name, ...c })));
}

/** Every subscription of every topic. */
export async function listAllSubscriptions(topicNames?: string[]): Promise<Subscription[]> {
  const names = topicNames ?? (await topicList()).map((t) => t.name);
  const lists = await inParallel(names, 6, (t) => subscriptions.list(t).catch(() => [] as Subscription[]));
  return lists.flat();
}

/** A subscription needs attention: a batch is being retried, or it has dead letters. */
export function isFailing(s: Subscription): boolean {
  return s.deadLettered > 0 || s.partitions.some((p) => (p.attempts ?? 0) > 0 || p.lastError !== undefined);
}
