// Source connectors' runs: each RUNNING source connector is polled (pollSource) on a
// timer in the dev server and on a schedule deployed, by whoever holds its task's run
// lease (store.ts), until a poll finds nothing, the run's poll budget is spent or its
// deadline comes. Each poll's records and source offsets are committed together in one
// transaction (commit.ts: exactly-once); only then is the connector told (its commit
// hook), so a source releases upstream only what is committed.
//
// A crash anywhere before the transaction leaves nothing visible (an uploaded object is
// an orphan, swept); after it, the offsets match the records, so the next run polls on
// from there. A commit whose conditions fail (another runner took the task and committed
// first) wrote nothing: the run ends and the next polls again from the committed offsets.
import { randomUUID } from 'node:crypto';
import { SluiceError } from '../../core/errors.ts';
import { partitionKey, pollSource } from '../tasks/source.ts';
import { taskContext } from '../tasks/task.ts';
import { claimSourceTask, listConnectorRecords, putTaskStatus, readSourceOffsets, readFailedTasks, releaseSourceTask, type ConnectorRecord } from '../store.ts';
import { transactionalCommitter, type SourceCommitter } from './commit.ts';
import { IdleSourceKeeper } from './keep.ts';
import { runsHere, type ConnectRuntimeDeps, type TaskCache } from './tasks.ts';

export interface SourceRunOptions {
  committer?: SourceCommitter;
  now?: () => number;
  /** Polls per connector per run at most. Default 100. */
  maxPolls?: number;
  /** How long a run's lease lasts. Default 60 s. */
  leaseMs?: number;
  /** How often a paused or stopped source's keep() runs at most. Default 60 s. */
  keepIntervalMs?: number;
}

export interface SourceRunReport {
  connector: string;
  task: number;
  polls: number;
  records: number;
  state: 'idle' | 'budget' | 'retry' | 'failed' | 'busy';
}

export class SourceRunner {
  private readonly committer: SourceCommitter;
  private readonly now: () => number;
  private readonly owner = `${randomUUID()}`;
  private readonly keeper: IdleSourceKeeper;

  constructor(
    private readonly deps: ConnectRuntimeDeps,
    private readonly tasks: TaskCache,
    private readonly opts: SourceRunOptions = {},
  ) {
    this.committer = opts.committer ?? transactionalCommitter(deps);
    this.now = opts.now ?? Date.now;
    this.keeper = new IdleSourceKeeper(deps, opts.keepIntervalMs ?? 60_000, this.now);
  }

  /** One run of each task (that has not failed) of every RUNNING source connector; the others kept (keep.ts). */
  async runAll(opts: { deadline?: number } = {}): Promise<SourceRunReport[]> {
    const sources = [];
    for (const r of await listConnectorRecords(this.deps.clients)) if (r.type === 'source' && (await runsHere(this.deps, r))) sources.push(r);
    for (const r of sources.filter((s) => s.targetState !== 'RUNNING')) {
      await this.keeper.keep(r).catch((err: unknown) => this.deps.logger?.warn('source connector keep failed', { connector: r.name, error: (err as Error)?.message ?? String(err) }));
    }
    const running = sources.filter((r) => r.targetState === 'RUNNING');
    const reports: SourceRunReport[] = [];
    for (const r of running) {
      const failed = await readFailedTasks(this.deps.clients, r.name);
      let tasks = 1;
      try {
        tasks = (await this.tasks.configs(r)).length;
      } catch (err) {
        this.deps.logger?.warn('source connector tasks unknown', { connector: r.name, error: (err as Error)?.message ?? String(err) });
      }
      for (let task = 0; task < tasks; task++) {
        if (failed.has(task)) continue;
        try {
          reports.push(await this.run(r, { ...opts, task }));
        } catch (err) {
          // A storage failure, a commit that lost to another runner, a start that threw:
          // nothing past the committed offsets counts; the next run polls again from them.
          this.deps.logger?.warn('source connector run failed', { connector: r.name, task, error: (err as Error)?.message ?? String(err) });
          reports.push({ connector: r.name, task, polls: 0, records: 0, state: 'retry' });
        }
      }
    }
    return reports;
  }

  /** Polls one task of a connector (default 0) until it is idle, its budget is spent or the deadline comes. */
  async run(r: ConnectorRecord, opts: { deadline?: number; task?: number } = {}): Promise<SourceRunReport> {
    const taskId = opts.task ?? 0;
    const report: SourceRunReport = { connector: r.name, task: taskId, polls: 0, records: 0, state: 'idle' };
    const leaseMs = this.opts.leaseMs ?? 60_000;
    if (!(await claimSourceTask(this.deps.clients, r.name, taskId, this.owner, this.now(), this.now() + leaseMs))) return { ...report, state: 'busy' };
    try {
      const task = await this.tasks.source(r, taskId);
      const stored = await readSourceOffsets(this.deps.clients, r.name);
      const offsets = new Map(stored.map((o) => [partitionKey(o.partition), o.offset]));
      const versions = new Map(stored.flatMap((o) => (o.version !== undefined ? [[partitionKey(o.partition), o.version] as const] : [])));
      const maxPolls = this.opts.maxPolls ?? 100;
      for (;;) {
        if (report.polls >= maxPolls || (opts.deadline !== undefined && this.now() >= opts.deadline)) return { ...report, state: 'budget' };
        report.polls++;
        const polled = await pollSource(task, { offsets: (p) => offsets.get(partitionKey(p)) ?? null });
        if (polled.outcome === 'failed') return await this.fail(r, taskId, polled.error?.trace ?? 'poll failed', report);
        if (polled.outcome === 'retry') return { ...report, state: 'retry' };
        if (polled.records.length === 0 && polled.sourceOffsets.length === 0) return report;
        try {
          await this.committer.commit({ connector: r, task: taskId, owner: this.owner, records: polled.records, offsets: polled.sourceOffsets, versions });
        } catch (err) {
          // A poll the log refuses (too many partitions for one transaction, a record over
          // the limits) would be refused again: the task fails, with the reason.
          if (err instanceof SluiceError && !err.retriable) return await this.fail(r, taskId, `${err.code}: ${err.message}`, report);
          throw err;
        }
        for (const o of polled.sourceOffsets) {
          const k = partitionKey(o.partition);
          if (o.offset === null) {
            offsets.delete(k);
            versions.delete(k);
          } else {
            offsets.set(k, o.offset);
            versions.set(k, (versions.get(k) ?? 0) + 1);
          }
        }
        report.records += polled.records.length;
        await task.connector.commit?.({ ...taskContext(task), offsets: { get: (p) => offsets.get(partitionKey(p)) ?? null } });
        if (polled.outcome === 'idle') return report;
      }
    } finally {
      await releaseSourceTask(this.deps.clients, r.name, taskId, this.owner);
    }
  }

  private async fail(r: ConnectorRecord, task: number, trace: string, report: SourceRunReport): Promise<SourceRunReport> {
    await putTaskStatus(this.deps.clients, r.name, { task, state: 'FAILED', workerId: this.deps.workerId, trace, updatedAt: this.now() });
    await this.tasks.drop(r.name, task);
    return { ...report, state: 'failed' };
  }
}
