// Source connectors' runs: each RUNNING source connector is polled (pollSource) on a
// timer in the dev server and on a schedule deployed, by whoever holds its task's run
// lease (store.ts), until a poll finds nothing, the run's poll budget is spent or its
// deadline comes. Each poll's records are appended through the log and its source
// offsets stored by the committer; only then is the connector told (its commit hook),
// so a source releases upstream only what is committed.
//
// The committer here is at-least-once: records first, then offsets. A crash between the
// two makes the next run poll again from the older offsets, so those records are
// appended again (never lost). Exactly-once sources commit both in one transaction with
// the log's transaction commit; that is another SourceCommitter, nothing else changes.
import { randomUUID } from 'node:crypto';
import type { PreparedRecord } from '../../log/produce.ts';
import type { SourceOffset } from '../plugins/define.ts';
import { partitionKey, pollSource, type ProducedRecord } from '../tasks/source.ts';
import { taskContext } from '../tasks/task.ts';
import { claimSourceTask, listConnectorRecords, putTaskStatus, readSourceOffsets, readTaskStatuses, releaseSourceTask, writeSourceOffsets, type ConnectorRecord } from '../store.ts';
import { appendRecords } from './append.ts';
import type { ConnectRuntimeDeps, TaskCache } from './tasks.ts';

export interface SourceCommit {
  connector: ConnectorRecord;
  records: readonly ProducedRecord[];
  offsets: readonly SourceOffset[];
}

/** Makes one poll's records and source offsets durable. */
export interface SourceCommitter {
  commit(c: SourceCommit): Promise<void>;
}

/** At-least-once: append the records (per topic), then store the offsets. */
export function appendThenStoreOffsets(deps: Pick<ConnectRuntimeDeps, 'log' | 'clients'>): SourceCommitter {
  return {
    async commit({ connector, records, offsets }) {
      const byTopic = new Map<string, PreparedRecord[]>();
      for (const r of records) {
        const prepared: PreparedRecord = {
          record: { key: r.key, value: r.value, headers: r.headers, ...(r.timestamp !== null ? { timestamp: r.timestamp } : {}) },
          ...(r.partition !== null ? { partition: r.partition } : {}),
        };
        byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), prepared]);
      }
      for (const [topic, list] of byTopic) await appendRecords(deps.log, topic, list);
      if (offsets.length) await writeSourceOffsets(deps.clients, connector.name, offsets);
    },
  };
}

export interface SourceRunOptions {
  committer?: SourceCommitter;
  now?: () => number;
  /** Polls per connector per run at most. Default 100. */
  maxPolls?: number;
  /** How long a run's lease lasts. Default 60 s. */
  leaseMs?: number;
}

export interface SourceRunReport {
  connector: string;
  polls: number;
  records: number;
  state: 'idle' | 'budget' | 'retry' | 'failed' | 'busy';
}

export class SourceRunner {
  private readonly committer: SourceCommitter;
  private readonly now: () => number;
  private readonly owner = `${randomUUID()}`;

  constructor(
    private readonly deps: ConnectRuntimeDeps,
    private readonly tasks: TaskCache,
    private readonly opts: SourceRunOptions = {},
  ) {
    this.committer = opts.committer ?? appendThenStoreOffsets(deps);
    this.now = opts.now ?? Date.now;
  }

  /** One run of every RUNNING source connector whose task has not failed. */
  async runAll(opts: { deadline?: number } = {}): Promise<SourceRunReport[]> {
    const running = (await listConnectorRecords(this.deps.clients)).filter((r) => r.type === 'source' && r.targetState === 'RUNNING');
    const reports: SourceRunReport[] = [];
    for (const r of running) {
      const statuses = await readTaskStatuses(this.deps.clients, r.name);
      if (statuses.some((s) => s.state === 'FAILED')) continue;
      try {
        reports.push(await this.run(r, opts));
      } catch (err) {
        // A storage failure (or a start that threw): nothing past the committed offsets
        // counts; the next run polls again from them.
        this.deps.logger?.warn('source connector run failed', { connector: r.name, error: (err as Error)?.message ?? String(err) });
        reports.push({ connector: r.name, polls: 0, records: 0, state: 'retry' });
      }
    }
    return reports;
  }

  /** Polls one connector until it is idle, its budget is spent or the deadline comes. */
  async run(r: ConnectorRecord, opts: { deadline?: number } = {}): Promise<SourceRunReport> {
    const report: SourceRunReport = { connector: r.name, polls: 0, records: 0, state: 'idle' };
    const leaseMs = this.opts.leaseMs ?? 60_000;
    if (!(await claimSourceTask(this.deps.clients, r.name, 0, this.owner, this.now(), this.now() + leaseMs))) return { ...report, state: 'busy' };
    try {
      const task = await this.tasks.source(r);
      const offsets = new Map((await readSourceOffsets(this.deps.clients, r.name)).map((o) => [partitionKey(o.partition), o.offset]));
      const maxPolls = this.opts.maxPolls ?? 100;
      for (;;) {
        if (report.polls >= maxPolls || (opts.deadline !== undefined && this.now() >= opts.deadline)) return { ...report, state: 'budget' };
        report.polls++;
        const polled = await pollSource(task, { offsets: (p) => offsets.get(partitionKey(p)) ?? null });
        if (polled.outcome === 'failed') {
          await putTaskStatus(this.deps.clients, r.name, { task: 0, state: 'FAILED', workerId: this.deps.workerId, trace: polled.error?.trace ?? 'poll failed', updatedAt: this.now() });
          await this.tasks.drop(r.name);
          return { ...report, state: 'failed' };
        }
        if (polled.outcome === 'retry') return { ...report, state: 'retry' };
        if (polled.records.length === 0 && polled.sourceOffsets.length === 0) return report;
        await this.committer.commit({ connector: r, records: polled.records, offsets: polled.sourceOffsets });
        for (const o of polled.sourceOffsets) {
          if (o.offset === null) offsets.delete(partitionKey(o.partition));
          else offsets.set(partitionKey(o.partition), o.offset);
        }
        report.records += polled.records.length;
        await task.connector.commit?.({ ...taskContext(task), offsets: { get: (p) => offsets.get(partitionKey(p)) ?? null } });
        if (polled.outcome === 'idle') return report;
      }
    } finally {
      await releaseSourceTask(this.deps.clients, r.name, 0, this.owner);
    }
  }
}
