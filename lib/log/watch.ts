// Long polling. A fetch at the high watermark waits for the head to move: appends made
// in this process wake it at once (the dev server serves producers and consumers from
// one process); appends made elsewhere (other Lambda instances) are seen by polling the
// head, with the interval growing from 25 ms to 250 ms.
import type { StorageClients } from '../storage/clients.ts';
import { getHead, type PartitionHead } from '../storage/metadata.ts';

const MIN_POLL_MS = 25;
const MAX_POLL_MS = 250;

export class HeadWatch {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly clients: StorageClients) {}

  /** Called after a commit in this process. */
  notify(topicId: string, partition: number): void {
    const set = this.waiters.get(`${topicId}#${partition}`);
    if (set) for (const wake of [...set]) wake();
  }

  /** Calls `wake` after each commit in this process to the partition, until the returned function is called. */
  listen(topicId: string, partition: number, wake: () => void): () => void {
    const key = `${topicId}#${partition}`;
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Set()));
    set.add(wake);
    return () => {
      set!.delete(wake);
      if (set!.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
    };
  }

  /**
   * The head once nextOffset > offset, or the last head read when waitMs ran out.
   * `current` is a head the caller just read, so the first wait starts without another.
   */
  async waitBeyond(
    topicId: string,
    partition: number,
    offset: number,
    waitMs: number,
    signal?: AbortSignal,
    current?: PartitionHead,
  ): Promise<PartitionHead> {
    const deadline = Date.now() + waitMs;
    const key = `${topicId}#${partition}`;
    let interval = MIN_POLL_MS;
    let known = current;
    for (;;) {
      const head = known ?? (await getHead(this.clients, topicId, partition));
      known = undefined;
      const left = deadline - Date.now();
      if (head.nextOffset > offset || left <= 0 || signal?.aborted) return head;
      await new Promise<void>((resolve) => {
        let set = this.waiters.get(key);
        if (!set) this.waiters.set(key, (set = new Set()));
        const done = () => {
          clearTimeout(timer);
          set!.delete(done);
          if (set!.size === 0) this.waiters.delete(key);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(interval, left));
        set.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
      interval = Math.min(MAX_POLL_MS, interval * 2);
    }
  }
}
