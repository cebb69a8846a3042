// What the producer knows of each topic: its partition count (for partitioning) and its
// max.message.bytes (a batch never grows past it), learned from GET /v1/topics/{t},
// cached, and refreshed after metadataMaxAgeMs or when a partition seems not to exist.
import type { TopicDescription } from '../../core/wire.ts';
import type { HttpClient } from '../http.ts';
import { topicPath } from '../paths.ts';
import { withRetries, type RetryPolicy } from '../retry.ts';
import type { Batch, Item } from './accumulator.ts';

export class TopicMetadata {
  partitions: number | undefined;
  maxMessageBytes = Infinity;
  fetchedAt = 0;
  loading: Promise<void> | undefined;
  /** Items waiting for the partition count, in send order. */
  waiting: Item[] = [];
  /** The batch keyless records currently stick to (Kafka's sticky partitioner). */
  sticky: Batch | undefined;
  lastSticky = -1;
  constructor(readonly name: string) {}
}

export class MetadataCache {
  private readonly topics = new Map<string, TopicMetadata>();

  constructor(
    private readonly http: HttpClient,
    private readonly retry: RetryPolicy,
  ) {}

  get(name: string): TopicMetadata {
    let t = this.topics.get(name);
    if (!t) this.topics.set(name, (t = new TopicMetadata(name)));
    return t;
  }

  all(): Iterable<TopicMetadata> {
    return this.topics.values();
  }

  /** Fetches the topic's partition count and max.message.bytes (retrying retriable errors). */
  load(t: TopicMetadata): Promise<void> {
    return (t.loading ??= (async () => {
      try {
        const desc = await withRetries(() => this.http.json<TopicDescription>({ method: 'GET', path: topicPath(t.name) }), this.retry);
        // Partitions only grow; a stale answer from another reader must not shrink them.
        t.partitions = Math.max(desc.partitions.length, t.partitions ?? 0);
        const max = Number(desc.config?.['max.message.bytes']);
        t.maxMessageBytes = Number.isFinite(max) && max > 0 ? max : Infinity;
        t.fetchedAt = Date.now();
      } finally {
        t.loading = undefined;
      }
    })());
  }

  /** Loads again now, whatever the cache's age. */
  refresh(t: TopicMetadata): Promise<void> {
    t.fetchedAt = 0;
    return this.load(t);
  }
}
