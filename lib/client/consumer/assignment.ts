// Applying the server's assignment to what this member owns. New partitions start at the
// group's committed offset (offsets.ts). A partition the answer no longer lists is revoked:
// the consumer stops fetching it at once, drops what it buffered, waits for a record of it
// still being processed, commits its processed offset with the current generation, lets
// go of it, and heartbeats at once so the server sees it is released (the first heartbeat
// at the current generation whose `owned` lacks it).
import type { TopicAssignment } from '../../core/wire.ts';
import type { ConsumerContext, ConsumerParts } from './context.ts';
import { OwnedPartition, tpKey } from './partition.ts';

export class Assignment {
  constructor(
    private readonly ctx: ConsumerContext,
    private readonly peers: ConsumerParts,
  ) {}

  apply(assignment: readonly TopicAssignment[]): void {
    const { pausing, fetcher, delivery, offsets } = this.peers;
    const wanted = new Set<string>();
    const added: OwnedPartition[] = [];
    for (const a of assignment) {
      for (const p of a.partitions) {
        const key = tpKey(a.topic, p);
        wanted.add(key);
        const have = this.ctx.owned.get(key);
        if (!have) {
          const part = new OwnedPartition(a.topic, p);
          part.paused = pausing.isPaused(part);
          this.ctx.owned.set(key, part);
          added.push(part);
        } else if (have.revoking && !have.finishing) {
          // Given back before we let go of it: keep consuming where the application is.
          have.revoking = false;
          fetcher.start(have);
        }
      }
    }
    const revoked = this.ctx.partitions().filter((part) => !wanted.has(part.key) && !part.revoking);
    for (const part of revoked) this.revoke(part);
    if (added.length) {
      delivery.wasCaughtUp = false;
      this.ctx.emitPartitions('assigned', added);
      void offsets.startPositions(added).catch((err) => this.ctx.setFatal(err));
    }
    delivery.checkCaughtUp();
  }

  /** Called when the last record of a revoking partition handed out is settled. */
  released(part: OwnedPartition): void {
    void this.finishRevoke(part);
  }

  private revoke(part: OwnedPartition): void {
    if (part.position !== undefined) part.resetPosition(part.delivered ?? part.position);
    part.revoking = true;
    part.signal();
    if (part.inProcess === 0) void this.finishRevoke(part);
  }

  /** Commit, let go, and tell the server at once. */
  private async finishRevoke(part: OwnedPartition): Promise<void> {
    if (part.finishing || !this.ctx.owns(part)) return;
    part.finishing = true;
    if (this.ctx.settings.autoCommit) {
      try {
        await this.peers.offsets.commit([part], false);
      } catch (err) {
        this.ctx.warn(err);
      }
    }
    if (this.ctx.owns(part)) {
      this.ctx.drop(part);
      this.ctx.emitPartitions('revoked', [part]);
    }
    this.peers.membership.heartbeatSoon();
    this.peers.delivery.checkCaughtUp();
  }
}
