// Topic ids to names. Fetch (v13+) and Metadata (v10+) may name topics by id; the log is
// addressed by name. The listing is cached for a second; an id not in it is looked up
// afresh once, so a topic created a moment ago on another node is still found.
import type { Log, TopicSummary } from '../../log/index.ts';

const TTL_MS = 1_000;

export class TopicDirectory {
  private byId = new Map<string, TopicSummary>();
  private until = 0;

  constructor(private readonly log: Log) {}

  async all(fresh = false): Promise<TopicSummary[]> {
    if (fresh || Date.now() >= this.until) {
      const topics = await this.log.listTopics();
      this.byId = new Map(topics.map((t) => [t.topicId, t]));
      this.until = Date.now() + TTL_MS;
    }
    return [...this.byId.values()];
  }

  /** The topic with this id, or undefined if no live topic has it. */
  async get(topicId: string): Promise<TopicSummary | undefined> {
    await this.all();
    if (!this.byId.has(topicId)) await this.all(true);
    return this.byId.get(topicId);
  }
}
