// Subscriptions of other kinds: sink connectors (lib/connect) are subscriptions whose
// definitions live in their own store and whose batches go to their own runtime, but
// which are driven by the dispatcher from cursors like any subscription (the same lease,
// read, deliver and advance protocol of delivery.ts). A kind says which subscriptions it
// has on a topic and delivers the batches of its target type.
import type { SubscriptionRecord, Target } from './model.ts';
import type { Deliver } from './targets.ts';

export interface SubscriptionKind {
  /** The target type of its subscriptions: their batches go to this kind's deliver. */
  readonly targetType: Target['type'];
  /** Its subscriptions bound to one topic incarnation (what a head's stream record runs). */
  bindings(topicId: string): Promise<SubscriptionRecord[]>;
  /** All its subscriptions whose topic exists, with the topic's partition count (what a sweep runs). */
  bound(): Promise<{ record: SubscriptionRecord; partitions: number }[]>;
  readonly deliver: Deliver;
}

/** Deliver that hands each target type to its kind, and the rest to `base`. */
export function composeDeliver(base: Deliver, kinds: readonly SubscriptionKind[]): Deliver {
  if (kinds.length === 0) return base;
  const byType = new Map(kinds.map((k) => [k.targetType, k.deliver]));
  return (target, event, opts) => (byType.get(target.type) ?? base)(target, event, opts);
}
