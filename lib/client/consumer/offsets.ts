// Offsets: where a newly assigned partition starts, and committing what was processed.
//
// Start: a pending seek, else the group's committed offset, else autoOffsetReset (whose
// position is committed too, as Kafka does, so the next member continues from there).
// Delivery is at-least-once: only offsets of records the application processed are
// committed, every autoCommitIntervalMs, on revocation and on close (with autoCommit), or
// when the application calls commit(). A commit carries the member's generation, so a
// member that lost a partition cannot overwrite its new owner's progress.
import { IllegalGenerationError, NoOffsetForPartitionError, UnknownMemberIdError } from '../../core/errors.ts';
import { sleep } from '../../core/time.ts';
import type { GroupOffset } from '../../core/wire.ts';
import { groupPath, partitionPath } from '../paths.ts';
import { withRetries } from '../retry.ts';
import type { TopicPartitionOffset } from '../types.ts';
import type { ConsumerContext, ConsumerParts } from './context.ts';
import { tpKey, type OwnedPartition } from './partition.ts';

/** What is known of a partition's log when it has to be reset. */
export type KnownRange = { logStartOffset: number | null; highWatermark: number | null } | undefined;

export class Offsets {
  /** Seeks of partitions not (yet) assigned, applied when they are. */
  private readonly pendingSeeks = new Map<string, number>();

  constructor(
    private readonly ctx: ConsumerContext,
    private readonly peers: ConsumerParts,
  ) {}

  seekLater(key: string, offset: number): void {
    this.pendingSeeks.set(key, offset);
  }

  /** Commits processed offsets that moved; explicit calls throw, background ones warn. */
  commit(parts: readonly OwnedPartition[], explicit: boolean): Promise<TopicPartitionOffset[]> {
    const membership = this.peers.membership;
    return membership.locked(async () => {
      const memberId = membership.memberId;
      const todo = parts.filter((p) => this.ctx.owns(p) && p.processed !== undefined && p.processed !== p.committed);
      if (!memberId || todo.length === 0) return [];
      const offsets = todo.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.processed! }));
      try {
        const res = await this.ctx.http.json<{ offsets: TopicPartitionOffset[] }>({
          method: 'POST',
          path: groupPath(this.ctx.settings.groupId, '/offsets'),
          body: { memberId, generation: membership.generation, offsets },
        });
        // Remember what we sent (the server may keep a higher offset it already had): a
        // partition is committed again only when its processed offset moves.
        offsets.forEach((o, i) => (todo[i]!.committed = o.offset));
        const result = res.offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
        this.ctx.emit('commit', result);
        return result;
      } catch (err) {
        if (err instanceof UnknownMemberIdError || err instanceof IllegalGenerationError) membership.heartbeatSoon();
        if (explicit) throw err;
        this.ctx.warn(err);
        return [];
      }
    });
  }

  async autoCommitLoop(): Promise<void> {
    while (!this.ctx.closing) {
      try {
        await sleep(this.ctx.settings.autoCommitIntervalMs, this.ctx.timers.signal);
      } catch {
        return;
      }
      if (this.ctx.closing) return;
      await this.commit(this.ctx.partitions(), false);
    }
  }

  /** Start positions of newly assigned partitions; each starts fetching once it has one. */
  async startPositions(parts: readonly OwnedPartition[]): Promise<void> {
    const { settings, http } = this.ctx;
    const { offsets } = await withRetries(() => http.json<{ offsets: GroupOffset[] }>({ method: 'GET', path: groupPath(settings.groupId, '/offsets') }), {
      ...settings.backoff,
      retries: Infinity,
      stopped: () => !!this.ctx.closing,
      onRetry: (err) => this.ctx.warn(err),
      signal: this.ctx.timers.signal,
    });
    const byKey = new Map(offsets.map((o) => [tpKey(o.topic, o.partition), o]));
    for (const part of parts) {
      if (!this.ctx.owns(part) || this.ctx.closing) continue;
      const o = byKey.get(part.key);
      if (o?.highWatermark !== null && o?.highWatermark !== undefined) part.highWatermark = o.highWatermark;
      if (o?.offset !== null && o?.offset !== undefined) part.committed = o.offset;
      let start: number | undefined;
      const seek = this.pendingSeeks.get(part.key);
      if (seek !== undefined) {
        this.pendingSeeks.delete(part.key);
        start = seek;
        part.processed = seek;
      } else if (part.committed !== undefined) {
        start = part.committed;
      } else {
        // As Kafka does, the reset position is committed too: the next member of the group
        // continues from here rather than resetting again.
        start = await this.resetOffset(part, o, 'no committed offset');
        part.processed = start;
      }
      part.position = start;
      part.delivered = start;
      this.peers.fetcher.start(part);
    }
    this.peers.delivery.checkCaughtUp();
  }

  /** Where autoOffsetReset puts a partition (throws for 'none'). */
  async resetOffset(part: OwnedPartition, known: KnownRange, why: string): Promise<number> {
    const { reset, groupId } = this.ctx.settings;
    if (reset === 'none') {
      throw new NoOffsetForPartitionError(
        `Group '${groupId}' has ${why} for partition ${part.partition} of '${part.topic}' and autoOffsetReset is 'none'.`,
        { topic: part.topic, partition: part.partition },
      );
    }
    const have = reset === 'earliest' ? known?.logStartOffset : known?.highWatermark;
    if (have !== null && have !== undefined) return have;
    const res = await this.ctx.http.json<{ offset: number }>({
      method: 'GET',
      path: partitionPath(part.topic, part.partition, '/offsets'),
      query: { at: reset },
    });
    return res.offset;
  }
}
