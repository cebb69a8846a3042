// The console's data calls: the SDK's Admin, Records and Subscriptions over its
// browser-safe transport (plain fetch to this page's own origin, which is the Sluice API
// or the signing proxy of `sluice console`). Nothing else is ever called.
import { Admin } from '../../client/admin.ts';
import { Records } from '../../client/records.ts';
import { Subscriptions, type Subscription } from '../../client/subscriptions.ts';
import { FetchTransport } from '../../client/transport.ts';
import type { GroupDescription, TopicDescription } from '../../client/types.ts';

const transport = new FetchTransport();
export const admin = new Admin(transport);
export const records = new Records(transport);
export const subscriptions = new Subscriptions(transport);

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

/** fn over items with at most `limit` calls in flight, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Every topic, described (partitions with log start, high watermark, size, segments). */
export function describeAllTopics(): Promise<TopicDescription[]> {
  return shared('topics', describeTopicsNow);
}

async function describeTopicsNow(): Promise<TopicDescription[]> {
  const topics = await admin.listTopics();
  const described = await mapLimit(topics, 6, (t) => admin.describeTopic(t.name).catch(() => undefined));
  return described.filter((d): d is TopicDescription => d !== undefined);
}

/** Every group, described (members, committed offsets, lag). */
export function describeAllGroups(): Promise<GroupDescription[]> {
  return shared('groups', describeGroupsNow);
}

async function describeGroupsNow(): Promise<GroupDescription[]> {
  const groups = await admin.listGroups();
  const described = await mapLimit(groups, 6, (g) => admin.describeGroup(g.group).catch(() => undefined));
  return described.filter((d): d is GroupDescription => d !== undefined);
}

/** Every subscription of every topic. */
export async function listAllSubscriptions(topicNames?: string[]): Promise<Subscription[]> {
  const names = topicNames ?? (await admin.listTopics()).map((t) => t.name);
  const lists = await mapLimit(names, 6, (t) => subscriptions.list(t).catch(() => [] as Subscription[]));
  return lists.flat();
}

/** A subscription needs attention: a batch is being retried, or it has dead letters. */
export function isFailing(s: Subscription): boolean {
  return s.deadLettered > 0 || s.partitions.some((p) => (p.attempts ?? 0) > 0 || p.lastError !== undefined);
}
