// Admin: topics, consumer groups and offsets, and maintenance (API.md "Topics", "Consumer
// groups", "Maintenance and resets"). Thin: one request per call, errors as typed
// SluiceErrors. Written against JsonTransport, so the web console runs it over plain fetch.
import { InvalidRequestError } from '../core/errors.ts';
import { groupPath, partitionPath, topicPath } from './paths.ts';
import type { JsonTransport } from './transport.ts';
import type {
  CommittedOffset,
  GroupDescription,
  GroupOffset,
  GroupSummary,
  MaintenanceReport,
  OffsetSpec,
  ResetTarget,
  TopicDescription,
  TopicSummary,
} from './types.ts';

export interface CreateTopicOptions {
  name: string;
  /** Default 1. */
  partitions?: number;
  /** Kafka config names, e.g. {"retention.ms": 86400000}. */
  config?: Record<string, string | number>;
}

export interface AlterTopicOptions {
  config?: Record<string, string | number>;
  /** New partition count (only grows). */
  partitions?: number;
}

export interface ResetOffsetsOptions {
  topic: string;
  to: ResetTarget;
  /** Default: every partition of the topic. */
  partitions?: number[];
}

export class Admin {
  constructor(private readonly http: JsonTransport) {}

  async createTopic(opts: CreateTopicOptions): Promise<TopicDescription> {
    const body: Record<string, unknown> = { name: opts.name };
    if (opts.partitions !== undefined) body.partitions = opts.partitions;
    if (opts.config !== undefined) body.config = opts.config;
    return this.http.json<TopicDescription>({ method: 'POST', path: '/v1/topics', body });
  }

  async listTopics(): Promise<TopicSummary[]> {
    const res = await this.http.json<{ topics: TopicSummary[] }>({ method: 'GET', path: '/v1/topics' });
    return res.topics;
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    return this.http.json<TopicDescription>({ method: 'GET', path: topicPath(topic) });
  }

  async alterTopic(topic: string, opts: AlterTopicOptions): Promise<TopicDescription> {
    const body: Record<string, unknown> = {};
    if (opts.config !== undefined) body.config = opts.config;
    if (opts.partitions !== undefined) body.partitions = opts.partitions;
    return this.http.json<TopicDescription>({ method: 'PATCH', path: topicPath(topic), body });
  }

  async deleteTopic(topic: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: topicPath(topic) });
  }

  /** The offset at a position of one partition: log start, high watermark, or by time. */
  async listOffsets(topic: string, partition: number, at: OffsetSpec): Promise<number> {
    const q = at instanceof Date ? at.getTime() : at;
    const res = await this.http.json<{ offset: number }>({
      method: 'GET',
      path: partitionPath(topic, partition, '/offsets'),
      query: { at: q },
    });
    return res.offset;
  }

  async listGroups(): Promise<GroupSummary[]> {
    const res = await this.http.json<{ groups: GroupSummary[] }>({ method: 'GET', path: '/v1/groups' });
    return res.groups;
  }

  /** State, generation, members with their assignments, committed offsets and lag. */
  async describeGroup(group: string): Promise<GroupDescription> {
    return this.http.json<GroupDescription>({ method: 'GET', path: groupPath(group) });
  }

  /** Committed offsets and lag per partition of the group's topics. */
  async fetchOffsets(group: string): Promise<GroupOffset[]> {
    const res = await this.http.json<{ offsets: GroupOffset[] }>({ method: 'GET', path: groupPath(group, '/offsets') });
    return res.offsets;
  }

  /**
   * Moves the group's committed offsets of one topic, like kafka-consumer-groups
   * --reset-offsets. Only while the group has no members (NonEmptyGroupError otherwise).
   * Returns the new offsets.
   */
  async resetOffsets(group: string, opts: ResetOffsetsOptions): Promise<CommittedOffset[]> {
    const body: Record<string, unknown> = { topic: opts.topic, to: resetBody(opts.to) };
    if (opts.partitions !== undefined) body.partitions = opts.partitions;
    const res = await this.http.json<{ offsets: CommittedOffset[] }>({ method: 'POST', path: groupPath(group, '/offsets/reset'), body });
    return res.offsets;
  }

  /** Deletes a group without members and its offsets. */
  async deleteGroup(group: string): Promise<void> {
    await this.http.json({ method: 'DELETE', path: groupPath(group) });
  }

  /**
   * Runs one maintenance pass now (retention, compaction, cleanup), as the schedule would,
   * over the named topics (default: all, and the data of deleted topics).
   */
  async runMaintenance(opts: { topics?: string[] } = {}): Promise<MaintenanceReport> {
    return this.http.json<MaintenanceReport>({ method: 'POST', path: '/v1/maintenance', ...(opts.topics?.length ? { body: { topics: opts.topics } } : {}) });
  }

  /** Resolves when the API answers GET /v1/health. */
  async health(): Promise<{ status: string }> {
    return this.http.json<{ status: string }>({ method: 'GET', path: '/v1/health' });
  }
}

function resetBody(to: ResetTarget): unknown {
  if (to === 'earliest' || to === 'latest') return to;
  if (to && typeof to === 'object') {
    if ('datetime' in to) {
      const d = to.datetime;
      return { datetime: d instanceof Date ? d.getTime() : d };
    }
    if ('offset' in to) return { offset: to.offset };
    if ('shiftBy' in to) return { shiftBy: to.shiftBy };
  }
  throw new InvalidRequestError(`resetOffsets: 'to' must be 'earliest', 'latest', {datetime}, {offset} or {shiftBy}.`);
}
