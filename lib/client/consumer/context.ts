// The state every part of a consumer shares: its settings and transport, the partitions
// it owns, whether it is closing or has failed, and its events. Each part (membership,
// assignment, offsets, fetcher, delivery, pausing) keeps the rest of its state to itself
// and reaches the others through ConsumerParts.
import type { EventEmitter } from 'node:events';
import type { HttpClient } from '../http.ts';
import type { TopicPartition } from '../types.ts';
import type { Assignment } from './assignment.ts';
import type { Delivery } from './delivery.ts';
import type { Fetcher } from './fetcher.ts';
import type { Membership } from './membership.ts';
import type { Offsets } from './offsets.ts';
import type { ConsumerEvents, ConsumerSettings } from './options.ts';
import type { OwnedPartition } from './partition.ts';
import type { Pausing } from './pausing.ts';
import type { PushLink } from './push.ts';

/** The parts of one consumer, for the calls they make to each other. */
export interface ConsumerParts {
  membership: Membership;
  assignment: Assignment;
  offsets: Offsets;
  fetcher: Fetcher;
  delivery: Delivery;
  pausing: Pausing;
  /** The push connection, when the consumer uses one. */
  push?: PushLink;
}

export class ConsumerContext {
  /** Partitions this member owns (revoking ones included until they are let go). */
  readonly owned = new Map<string, OwnedPartition>();
  /** Set by close(); resolves when it has finished. */
  closing: Promise<void> | undefined;
  /** The error that ended the consumer, reported by the iterator or run(). */
  fatal: unknown;
  /** Aborted on close: ends every timer wait. */
  readonly timers = new AbortController();

  constructor(
    readonly http: HttpClient,
    readonly settings: ConsumerSettings,
    private readonly events: EventEmitter<ConsumerEvents>,
    /** Ends the consumer with an error (see Consumer). */
    readonly setFatal: (err: unknown) => void,
  ) {}

  /** True while `part` is still the owned partition of its key (not dropped or replaced). */
  owns(part: OwnedPartition): boolean {
    return this.owned.get(part.key) === part;
  }

  partitions(): OwnedPartition[] {
    return [...this.owned.values()];
  }

  /** Lets go of a partition: nothing of it is fetched, delivered or committed any more. */
  drop(part: OwnedPartition): void {
    part.stop();
    if (this.owns(part)) this.owned.delete(part.key);
  }

  /** No more work: closing, or failed. */
  get stopping(): boolean {
    return !!this.closing || !!this.fatal;
  }

  emit<K extends keyof ConsumerEvents>(event: K, ...args: ConsumerEvents[K]): void {
    (this.events as EventEmitter).emit(event, ...args);
  }

  warn(err: unknown): void {
    this.emit('warning', err as Error);
  }

  emitPartitions(event: 'assigned' | 'revoked', parts: readonly OwnedPartition[]): void {
    if (parts.length) this.emit(event, parts.map((p): TopicPartition => p.tp));
  }
}
