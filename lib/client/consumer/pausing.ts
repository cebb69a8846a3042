// pause() / resume(): which partitions the application does not want now. A pause names a
// partition or a whole topic and outlives assignments: a paused partition that is
// assigned later starts paused. A paused partition neither fetches nor delivers; what it
// buffered stays for when it resumes.
import type { TopicPartition } from '../types.ts';
import type { ConsumerContext } from './context.ts';
import { tpKey, type OwnedPartition } from './partition.ts';

/** A partition, or a whole topic when `partition` is absent. */
export type PauseTarget = { topic: string; partition?: number };

const wholeTopic = (topic: string): string => `${topic}\u0000*`;

export class Pausing {
  private readonly keys = new Set<string>();

  constructor(private readonly ctx: ConsumerContext) {}

  isPaused(tp: TopicPartition): boolean {
    return this.keys.has(tpKey(tp.topic, tp.partition)) || this.keys.has(wholeTopic(tp.topic));
  }

  pause(targets: readonly PauseTarget[]): void {
    for (const t of targets) this.keys.add(t.partition === undefined ? wholeTopic(t.topic) : tpKey(t.topic, t.partition));
    for (const part of this.ctx.owned.values()) {
      if (this.isPaused(part) && !part.paused) {
        part.paused = true;
        part.fetchAbort?.abort();
      }
    }
  }

  /** Resumes what the targets name; returns the partitions that may fetch and deliver again. */
  resume(targets: readonly PauseTarget[]): OwnedPartition[] {
    for (const t of targets) {
      if (t.partition === undefined) {
        for (const k of [...this.keys]) if (k.startsWith(`${t.topic}\u0000`)) this.keys.delete(k);
      } else {
        this.keys.delete(tpKey(t.topic, t.partition));
      }
    }
    const resumed: OwnedPartition[] = [];
    for (const part of this.ctx.owned.values()) {
      if (part.paused && !this.isPaused(part)) {
        part.paused = false;
        part.signal();
        resumed.push(part);
      }
    }
    return resumed;
  }

  /** Paused partitions among those owned. */
  paused(): TopicPartition[] {
    return this.ctx.partitions().filter((p) => p.paused).map((p) => p.tp);
  }
}
